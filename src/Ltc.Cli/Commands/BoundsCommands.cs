using System.CommandLine;
using System.Diagnostics;
using Ltc.Lattices;
using Ltc.Metrics;
using Ltc.RateDistortion;
using Ltc.Sources;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc bounds</c> (theoretical and classical RD curves) and <c>ltc bdrate</c> (Bjøntegaard deltas).</summary>
internal static class BoundsCommands
{
    // Option ranges, checked before any source is read or any work is done.
    internal const int MaxSamples = 10_000_000;
    internal const long MaxSampleValues = 1L << 26;   // samples × dimension: 512 MiB of doubles per array
    internal const int MaxCellSamples = 1 << 18;
    internal const int MaxCodewordsLimit = 16384;
    internal const int MaxCellsLimit = 100_000;
    private static readonly string[] Kinds = ["rd", "slb", "ba", "ecsq", "ecvq", "eclq"];

    public static Command CreateBounds()
    {
        var source = new Option<string>("--source") { Description = $"Source: {SourceCatalog.Help}.", Required = true };
        var dim = new Option<int?>("--dim") { Description = "Block length n of i.i.d. sources (or the data's dimension), 1 to 4096." };
        var kind = new Option<string>("--kind") { Description = "rd | slb | ba | ecsq | ecvq | eclq.", Required = true };
        var lattice = new Option<string?>("--lattice") { Description = "Lattice for --kind eclq, e.g. E8." };
        var points = new Option<int>("--points") { Description = "Number of curve points, 2 to 1000.", DefaultValueFactory = _ => 12 };
        var maxRate = new Option<double>("--max-rate") { Description = "Highest rate to aim for (per rate unit), in (0, 16].", DefaultValueFactory = _ => 3.0 };
        var samples = new Option<int?>("--samples") { Description = $"Source samples (ECVQ training and held-out sets each, at least 100; ECLQ draws, at least 10; BA and SLB histogram), at most {MaxSamples:N0} and {MaxSampleValues:N0} values." };
        var cellSamples = new Option<int>("--cell-samples") { Description = $"Voronoi cell samples per cell integral (eclq), 16 to {MaxCellSamples:N0}.", DefaultValueFactory = _ => 4096 };
        var bins = new Option<int?>("--bins") { Description = "Histogram bins per axis for ba and slb on sample sources, 2 to 4096 in 1-d, 2 to 64 in 2-d (default 512 in 1-d, 48 for ba and 64 for slb in 2-d)." };
        var maxCodewords = new Option<int>("--max-codewords") { Description = $"ECVQ codebook size limit, 1 to {MaxCodewordsLimit}.", DefaultValueFactory = _ => 4096 };
        var maxCells = new Option<int>("--max-cells") { Description = $"ECSQ codebook size limit: 0 (none) or 2 to {MaxCellsLimit:N0}.", DefaultValueFactory = _ => 0 };
        var columns = new Option<string?>("--columns") { Description = "Use only these coordinates of each vector (a marginal), e.g. 0,1." };
        var seed = new Option<int>("--seed") { Description = "Seed.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {\"points\": [...]}; snr_db is null where the MSE is 0." };
        var csv = new Option<bool>("--csv") { Description = "Print CSV (rate_bits_per_sample,distortion_mse,snr_db)." };
        var cmd = new Command("bounds", "Rate-distortion bounds and classical quantizer curves (R(D), SLB, Blahut–Arimoto, ECSQ, ECVQ, ECLQ). "
            + "A source with zero variance (every coordinate constant) is refused: its curve is the single point R = 0, D = 0.");
        foreach (var o in new Option[] { source, dim, kind, lattice, points, maxRate, samples, cellSamples, bins, maxCodewords, maxCells, columns, seed, json, csv }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            if (pr.GetValue(json) && pr.GetValue(csv)) throw new LtcException("--json and --csv are exclusive");
            int np = pr.GetValue(points);
            if (np < 2 || np > 1000) throw new LtcException($"--points must be between 2 and 1000, got {np}");
            double mr = pr.GetValue(maxRate);
            if (!(mr > 0) || mr > 16) throw new LtcException($"--max-rate must be in (0, 16], got {mr}");
            var k = pr.GetValue(kind)!.Trim().ToLowerInvariant();
            if (!Kinds.Contains(k)) throw new LtcException($"unknown --kind '{k}' (expected rd, slb, ba, ecsq, ecvq or eclq)");
            int? dimValue = pr.GetValue(dim);
            if (dimValue is < 1 or > 4096) throw new LtcException($"--dim must be between 1 and 4096, got {dimValue}");
            int? ns = pr.GetValue(samples);
            int minSamples = k == "ecvq" ? 100 : 10;
            if (ns is int nsv && (nsv < minSamples || nsv > MaxSamples))
                throw new LtcException($"--samples must be between {minSamples} and {MaxSamples} for --kind {k}, got {nsv}");
            int cs = pr.GetValue(cellSamples);
            if (cs < 16 || cs > MaxCellSamples) throw new LtcException($"--cell-samples must be between 16 and {MaxCellSamples}, got {cs}");
            int? nb = pr.GetValue(bins);
            if (nb is < 2 or > 4096) throw new LtcException($"--bins must be between 2 and 4096 (64 in 2-d), got {nb}");
            int mcw = pr.GetValue(maxCodewords);
            if (mcw < 1 || mcw > MaxCodewordsLimit) throw new LtcException($"--max-codewords must be between 1 and {MaxCodewordsLimit}, got {mcw}");
            int mcells = pr.GetValue(maxCells);
            if (mcells < 0 || mcells == 1 || mcells > MaxCellsLimit) throw new LtcException($"--max-cells must be 0 (no limit) or between 2 and {MaxCellsLimit}, got {mcells}");

            var latName = pr.GetValue(lattice);
            Lattice? lat = latName != null ? LatticeCatalog.Parse(latName) : null;
            int? d = dimValue ?? lat?.Dimension;
            var cols = pr.GetValue(columns);
            var src = cols == null
                ? SourceCatalog.Parse(pr.GetValue(source)!, d)
                : MarginalSource.Create(SourceCatalog.Parse(pr.GetValue(source)!, null), cols, d);
            foreach (var w in src.Warnings) LtcApp.Warn(w);
            int effective = ns ?? DefaultSamples(k, src);
            if (src.IsSynthetic && (long)effective * src.Dimension > MaxSampleValues)
                throw new LtcException($"--samples {effective}{(ns is null ? " (the default)" : "")} of dimension {src.Dimension} is more than {MaxSampleValues} values; give fewer --samples");
            if (lat != null && (long)cs * lat.Dimension > MaxSampleValues)
                throw new LtcException($"--cell-samples {cs} of dimension {lat.Dimension} is more than {MaxSampleValues} values");
            RequireVariance(src);
            var sw = Stopwatch.StartNew();
            var curve = Compute(src, k, lat, np, mr, ns, cs, nb, mcw, pr.GetValue(seed), mcells);
            double variance = src.Variance(SourceSplit.Test);
            foreach (var p in curve)
                if (!double.IsFinite(p.Rate) || p.Rate < 0 || !double.IsFinite(p.Distortion) || p.Distortion < 0)
                    throw new LtcException($"{k} of {src.Name}: computed a point that is not a finite rate and MSE (rate {p.Rate}, mse {p.Distortion})");
            string unit = src.RateUnit;
            var output = pr.InvocationConfiguration.Output;
            if (pr.GetValue(json))
                CliOutput.WriteJson(output, new
                {
                    Source = src.Name,
                    Dimension = src.Dimension,
                    Kind = k,
                    Lattice = lat?.Name,
                    RateUnit = unit,
                    Variance = variance,
                    Seconds = sw.Elapsed.TotalSeconds,
                    Points = curve.Select(p => new { RateBitsPerSample = p.Rate, DistortionMse = p.Distortion, SnrDb = FiniteOrNull(p.SnrDb(variance)) }).ToArray(),
                });
            else if (pr.GetValue(csv)) output.Write(RdCsv.Format(curve, variance));
            else
            {
                output.WriteLine($"# {k} of {src.Name} (n = {src.Dimension}{(lat != null ? $", {lat.Name}" : "")}), rate in {unit}, σ² = {variance:G4}, {sw.Elapsed.TotalSeconds:F1} s");
                output.WriteLine($"{"rate",10} {"mse",12} {"snr_db",8}");
                foreach (var p in curve) output.WriteLine($"{p.Rate,10:F4} {p.Distortion,12:G6} {p.SnrDb(variance),8:F3}");
            }
            return 0;
        });
        return cmd;
    }

    private static double? FiniteOrNull(double v) => double.IsFinite(v) ? v : null;

    // The sample count each kind draws from a synthetic source when --samples is not given (0: it uses the density).
    private static int DefaultSamples(string kind, VectorSource src) => kind switch
    {
        "ecvq" => src.Dimension <= 2 ? 100000 : 200000,
        "eclq" => 20000,
        "slb" or "ba" when ScalarDensityOf(src) is null => 200000,
        _ => 0,
    };

    /// <summary>
    /// Refuses a source whose train or test split has zero (or undefined) variance: its rate-distortion curve is the
    /// single point R = 0, D = 0, the SNR of any point is undefined, and the slopes of the sweeps would be infinite.
    /// </summary>
    internal static void RequireVariance(VectorSource src)
    {
        foreach (var split in new[] { SourceSplit.Train, SourceSplit.Test })
        {
            double v = src.Variance(split);
            if (!(v > 0) || !double.IsFinite(v))
                throw new LtcException($"source '{src.Name}': the source has zero variance in its {split.ToString().ToLowerInvariant()} split (every coordinate is constant), so its rate-distortion curve is the single point R = 0, D = 0 and SNRs are undefined");
        }
    }

    /// <summary>The curve of the given kind, in increasing rate.</summary>
    internal static RdPoint[] Compute(VectorSource src, string kind, Lattice? lattice, int points, double maxRate,
        int? samples, int cellSamples, int? bins, int maxCodewords, int seed, int maxCells = 0)
    {
        var density = ScalarDensityOf(src);
        int n = src.Dimension, spr = src.ScalarsPerSample;
        double variance = src.Variance(SourceSplit.Train);
        var rates = Enumerable.Range(0, points).Select(i => maxRate * i / (points - 1)).ToArray();
        switch (kind)
        {
            case "rd":
                if (density is GaussianDensity)
                    return rates.Select(r => new RdPoint(r, TheoreticalRd.GaussianDistortion(r, variance))).ToArray();
                if (density is LaplaceDensity)
                    return ScalarBa(density, points, maxRate);
                throw new LtcException($"source '{src.Name}': no closed-form R(D); use --kind ba (histogram Blahut–Arimoto) or --kind slb");
            case "slb":
            {
                double h;
                if (density != null) h = density.DifferentialEntropyBits; // per scalar; i.i.d. rates are per scalar
                else
                {
                    if (n > 2) throw new LtcException($"source '{src.Name}': the SLB needs a differential-entropy estimate, available by histogram in 1 or 2 dimensions only (dimension {n})");
                    int sb = bins ?? (n == 1 ? 512 : 64);
                    if (n == 2 && sb > 64) throw new LtcException($"--bins {sb} is out of range (2..64 in 2-d)");
                    var x = Draw(src, SourceSplit.Train, samples ?? 200000, seed);
                    h = TheoreticalRd.HistogramDifferentialEntropy(x, n, sb);
                }
                int dims = density != null ? 1 : n;
                // SLB at the distortions where R(D) of a Gaussian of the same variance has the given rates. i.i.d.
                // sources: h per scalar and rates per scalar; vector sources: h per vector and rates per vector.
                return rates.Select(r =>
                {
                    double dd = variance * Math.Pow(2, -2 * r * spr / n);
                    return new RdPoint(TheoreticalRd.ShannonLowerBound(h, dims, dd), dd);
                }).ToArray();
            }
            case "ba":
            {
                if (density != null) return ScalarBa(density, points, maxRate);
                if (n > 2) throw new LtcException($"source '{src.Name}': Blahut–Arimoto runs on histograms in 1 or 2 dimensions only (dimension {n})");
                int b = bins ?? (n == 1 ? 512 : 48);
                if (b < 2 || (n == 2 && b > 64) || b > 4096) throw new LtcException($"--bins {b} is out of range (2..{(n == 2 ? 64 : 4096)})");
                var x = Draw(src, SourceSplit.Train, samples ?? 200000, seed);
                var ba = BlahutArimoto.ForHistogram(Histogram.Build(x, n, b));
                // Slopes of a Gaussian R(D) of the same variance: β = n/(2D) nats per vector per unit of per-scalar MSE.
                var slopes = rates.Skip(1).Select(r => n / (2.0 * variance * Math.Pow(2, -2 * r * spr / n))).Prepend(n / (2.0 * variance) * 0.9);
                return RdCurve.SortByRate(ba.Sweep(slopes, 1e-7, 20000).Select(r => r.Point with { Rate = r.Point.Rate / spr }));
            }
            case "ecsq":
                if (density == null) throw new LtcException($"source '{src.Name}': ECSQ needs a known scalar density (gaussian or laplace)");
                if (maxCells < 0 || maxCells == 1 || maxCells > MaxCellsLimit) throw new LtcException($"--max-cells must be 0 (no limit) or between 2 and {MaxCellsLimit}, got {maxCells}");
                return Ecsq.Curve(density, points, maxRate, maxCells);
            case "ecvq":
            {
                int m = samples ?? (n <= 2 ? 100000 : 200000);
                if (m < 100) throw new LtcException($"--samples must be at least 100, got {m}");
                var train = Draw(src, SourceSplit.Train, m, seed);
                var test = Draw(src, SourceSplit.Test, m, seed + 1_000_003);
                // λ = −dD/dR along a Gaussian R(D) of the same variance, rates from ~0.03 to maxRate.
                double u = spr / (double)n;
                var lambdas = Enumerable.Range(0, points).Select(i => 0.03 + (maxRate - 0.03) * i / (points - 1))
                    .Select(r => 2 * Math.Log(2) * u * variance * Math.Pow(2, -2 * r * u));
                var res = Ecvq.Sweep(train, test, n, lambdas, spr, new EcvqOptions(MaxCodewords: maxCodewords, Seed: seed));
                return res.Select(r => r.Test).ToArray();
            }
            case "eclq":
            {
                if (lattice == null) throw new LtcException("--kind eclq needs --lattice");
                if (density == null) throw new LtcException($"source '{src.Name}': ECLQ needs a known i.i.d. density (gaussian or laplace)");
                if (lattice.Dimension != n) throw new LtcException($"lattice {lattice.Name} has dimension {lattice.Dimension}, but the source has {n}");
                var opts = new EclqOptions(SourceSamples: samples ?? 20000, CellSamples: cellSamples, Seed: seed);
                if (opts.SourceSamples < 10 || cellSamples < 16) throw new LtcException("--samples and --cell-samples must be at least 10 and 16");
                return Eclq.Curve(lattice, density, Eclq.DefaultScales(density, points, maxRate), opts);
            }
            default:
                throw new LtcException($"unknown --kind '{kind}' (expected rd, slb, ba, ecsq, ecvq or eclq)");
        }
    }

    // Draws straight from Random(seed) (not VectorSource.Sample's split-derived seed) so the curves recorded in
    // docs/results/baselines-data stay reproducible with the seeds written there.
    private static double[] Draw(VectorSource src, SourceSplit split, int count, int seed)
    {
        if (!src.IsSynthetic) return src.Rows(split) ?? throw new LtcException($"source '{src.Name}' has no {split} rows");
        if (count < 1) throw new LtcException($"--samples must be positive, got {count}");
        var data = new double[checked(count * src.Dimension)];
        src.Draw(data, split, new Random(seed));
        return data;
    }

    private static ScalarDensity? ScalarDensityOf(VectorSource src) => src is IidSource iid
        ? iid.Distribution switch
        {
            IidDistribution.Gaussian => ScalarDensity.Gaussian(),
            IidDistribution.Laplace => ScalarDensity.Laplace(),
            _ => null,
        }
        : null;

    // Slopes of the density's Gaussian-variance R(D) at evenly spaced rates; each point on its own grid, fine enough for
    // its distortion (step min(0.04, √D/4)), with the kernel applied as a banded convolution, so 16 bits stays affordable.
    private static RdPoint[] ScalarBa(ScalarDensity density, int points, double maxRate)
    {
        double sigma = Math.Sqrt(density.Variance);
        double hw = density is LaplaceDensity ? 12 * sigma : 6.5 * sigma;
        var slopes = Enumerable.Range(0, points).Select(i => maxRate * i / (points - 1))
            .Select((r, i) => i == 0 ? 0.45 / density.Variance : 1 / (2 * density.Variance * Math.Pow(2, -2 * r)));
        return RdCurve.SortByRate(BlahutArimoto.ScalarSweep(density, slopes, 0.04, hw, 1e-8, 50000).Select(r => r.Point));
    }

    public static Command CreateBdRate()
    {
        var a = new Argument<string>("anchor") { Description = "Anchor curve CSV (rate_bits_per_sample,distortion_mse)." };
        var b = new Argument<string>("test") { Description = "Test curve CSV." };
        var variance = new Option<double>("--variance") { Description = "σ² for SNR = 10·log10(σ²/D), positive and finite.", DefaultValueFactory = _ => 1.0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (bd_snr_db is null when the rate ranges do not overlap)." };
        var minRate = new Option<double>("--min-rate") { Description = "Ignore points below this rate (log rates of near-zero-rate points dominate the average otherwise); non-negative.", DefaultValueFactory = _ => 0.0 };
        var cmd = new Command("bdrate", "Bjøntegaard deltas of the test curve against the anchor (PCHIP, log rates against SNR). "
            + "Each curve is first reduced to its RD front: points at rate 0, and points that another point of the same curve matches or beats "
            + "in both rate and MSE (more bits for no better MSE), are left out, and each one left out is named on stderr. "
            + $"stderr also warns when the curves share less than {Bjontegaard.MinimumOverlap:P0} of the narrower curve's SNR range (the deltas then rest on little data) "
            + "and when their rate ranges do not overlap (no BD-SNR).");
        cmd.Arguments.Add(a);
        cmd.Arguments.Add(b);
        cmd.Options.Add(variance);
        cmd.Options.Add(minRate);
        cmd.Options.Add(json);
        cmd.SetAction(pr =>
        {
            double v = pr.GetValue(variance);
            if (!(v > 0) || !double.IsFinite(v)) throw new LtcException($"--variance must be positive and finite, got {v}");
            double floor = pr.GetValue(minRate);
            if (!(floor >= 0) || !double.IsFinite(floor)) throw new LtcException($"--min-rate must be a non-negative number, got {floor}");
            var pa = pr.GetValue(a)!;
            var pb = pr.GetValue(b)!;
            BjontegaardDelta r;
            RdPoint[] Load(string path)
            {
                var pts = RdCsv.Read(path).Where(p => p.Rate >= floor).ToArray();
                return pts.Length >= 2 ? pts : throw new LtcException($"{path}: fewer than 2 points at rates >= {floor}");
            }
            try { r = Bjontegaard.Compute(Load(pa), Load(pb), v); }
            catch (LtcException e) when (!e.Message.StartsWith(pa, StringComparison.Ordinal) && !e.Message.StartsWith(pb, StringComparison.Ordinal))
            {
                throw new LtcException($"{pa} vs {pb}: {e.Message}", e);
            }
            if (!double.IsFinite(r.RatePercent) || !double.IsFinite(r.RateBits))
                throw new LtcException($"{pa} vs {pb}: the BD-rate is not finite (rate {r.RatePercent} %, {r.RateBits} bits)");
            foreach (var w in r.Warnings)
            {
                string which = w.StartsWith("anchor", StringComparison.Ordinal) ? $"{pa}: " : w.StartsWith("test", StringComparison.Ordinal) ? $"{pb}: " : "";
                LtcApp.Warn(which + w);
            }
            var output = pr.InvocationConfiguration.Output;
            object Dropped(IEnumerable<DroppedPoint> ds) => ds.Select(d => new { RateBitsPerSample = d.Point.Rate, DistortionMse = d.Point.Distortion, d.Reason }).ToArray();
            if (pr.GetValue(json))
                CliOutput.WriteJson(output, new
                {
                    BdRatePercent = r.RatePercent,
                    BdRateBits = r.RateBits,
                    BdSnrDb = FiniteOrNull(r.SnrDb),
                    SnrLowDb = r.SnrLow,
                    SnrHighDb = r.SnrHigh,
                    SnrOverlap = r.Overlap,
                    DroppedAnchor = Dropped(r.DroppedAnchor),
                    DroppedTest = Dropped(r.DroppedTest),
                });
            else
            {
                output.WriteLine($"BD-rate {r.RatePercent:F3} %  ({r.RateBits:F4} bits)  over SNR {r.SnrLow:F2}–{r.SnrHigh:F2} dB");
                output.WriteLine(double.IsFinite(r.SnrDb) ? $"BD-SNR  {r.SnrDb:F3} dB" : "BD-SNR  none (the rate ranges do not overlap)");
            }
            return 0;
        });
        return cmd;
    }
}

/// <summary>The marginal of a source on some of its coordinates (for 1-d and 2-d histograms of larger vectors).</summary>
internal sealed class MarginalSource : VectorSource
{
    private readonly VectorSource _inner;
    private readonly int[] _cols;
    private readonly double[]?[] _rows = new double[]?[2];

    private MarginalSource(VectorSource inner, int[] cols)
    {
        _inner = inner;
        _cols = cols;
    }

    public static MarginalSource Create(VectorSource inner, string spec, int? dim)
    {
        var parts = spec.Split(',', StringSplitOptions.TrimEntries);
        var cols = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], out cols[i]) || cols[i] < 0 || cols[i] >= inner.Dimension)
                throw new LtcException($"--columns '{spec}': '{parts[i]}' is not a coordinate of {inner.Name} (0..{inner.Dimension - 1})");
        if (cols.Distinct().Count() != cols.Length) throw new LtcException($"--columns '{spec}': repeated coordinate");
        if (dim is int d && d != cols.Length) throw new LtcException($"--columns '{spec}' selects {cols.Length} coordinates, but --dim {d} was given");
        return new MarginalSource(inner, cols);
    }

    public override string Name => $"{_inner.Name}[{string.Join(",", _cols)}]";
    public override int Dimension => _cols.Length;
    public override int ScalarsPerSample => _inner.ScalarsPerSample == 1 ? 1 : _cols.Length;
    public override bool IsSynthetic => _inner.IsSynthetic;
    public override IReadOnlyList<string> Warnings => _inner.Warnings;
    public override IReadOnlyList<string> InputFiles => _inner.InputFiles;

    public override double Variance(SourceSplit split) =>
        _inner.IsSynthetic ? _inner.Variance(split) : SourceStatistics.MeanCoordinateVariance(Rows(split)!, Dimension);

    public override void Draw(Span<double> destination, SourceSplit split, Random random)
    {
        int n = Dimension, m = destination.Length / n, k = _inner.Dimension;
        var full = new double[m * k];
        _inner.Draw(full, split, random);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) destination[i * n + j] = full[i * k + _cols[j]];
    }

    public override double[]? Rows(SourceSplit split)
    {
        int s = split == SourceSplit.Train ? 0 : 1;
        if (_rows[s] != null) return _rows[s];
        var full = _inner.Rows(split);
        if (full == null) return null;
        int n = Dimension, k = _inner.Dimension, m = full.Length / k;
        var r = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) r[i * n + j] = full[i * k + _cols[j]];
        return _rows[s] = r;
    }
}
