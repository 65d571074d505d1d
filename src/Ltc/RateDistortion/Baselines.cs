using Ltc.Lattices;
using Ltc.Sources;

namespace Ltc.RateDistortion;

/// <summary>The rate-distortion curves <see cref="Baselines.Compute"/> draws: bounds and classical quantizers.</summary>
public enum BaselineKind
{
    /// <summary>R(D): closed form for Gaussian i.i.d. sources, Blahut–Arimoto on the density for Laplace.</summary>
    Rd,
    /// <summary>The Shannon lower bound h(X) − ½·log2(2πe·D) per scalar (a histogram entropy estimate on 1-d and 2-d data).</summary>
    Slb,
    /// <summary>Blahut–Arimoto on the known scalar density, or on a 1-d or 2-d histogram of the data.</summary>
    Ba,
    /// <summary>Entropy-constrained scalar quantization of a known scalar density (exact cell integrals).</summary>
    Ecsq,
    /// <summary>Entropy-constrained vector quantization (Chou–Lookabaugh–Gray), trained and measured on held-out samples.</summary>
    Ecvq,
    /// <summary>Entropy-coded lattice quantization of an i.i.d. source at a sweep of scales (needs a lattice).</summary>
    Eclq,
    /// <summary>Entropy-coded trellis-coded quantization of a known scalar density (<see cref="Trellis.Ectcq"/>):
    /// designed on training draws, rate in rANS file bits on held-out draws.</summary>
    Ectcq,
    /// <summary>R(D) of the Gaussian vector with the covariance of the source's test split (reverse water-filling).
    /// Under MSE every source's R(D) lies on or below it, so a coder's gap to it is a lower bound on its gap to the
    /// true R(D) — the reference for data sets in many dimensions, where no histogram bound is computable.</summary>
    GaussianRd,
}

/// <summary>
/// Settings of <see cref="Baselines.Compute"/>; the ranges are those of <c>ltc bounds</c>, whose option names the
/// messages of <see cref="Validate"/> use.
/// </summary>
/// <param name="Points">Number of curve points, 2 to 1000.</param>
/// <param name="MaxRate">Highest rate aimed for, per rate unit of the source (bits per sample or per vector), in (0, 16].</param>
/// <param name="Samples">
/// Source samples: ECVQ training and held-out sets each (at least 100), ECLQ source draws (at least 10), and the
/// histogram of BA and SLB on data; at most <see cref="Baselines.MaxSamples"/>. Null: the kind's default
/// (<see cref="Baselines.DefaultSamples"/>).
/// </param>
/// <param name="CellSamples">Voronoi cell samples per cell integral (ECLQ), 16 to <see cref="Baselines.MaxCellSamples"/>.</param>
/// <param name="Bins">Histogram bins per axis for BA and SLB on data (2 to 4096 in 1-d, 2 to 64 in 2-d); null: 512 in
/// 1-d, 48 (BA) or 64 (SLB) in 2-d.</param>
/// <param name="MaxCodewords">ECVQ codebook size limit, 1 to <see cref="Baselines.MaxCodewordsLimit"/>.</param>
/// <param name="MaxCells">ECSQ codebook size limit: 0 (none) or 2 to <see cref="Baselines.MaxCellsLimit"/>.</param>
/// <param name="Seed">Seed of every random draw; the curve is a deterministic function of it.</param>
/// <param name="Lattice">The lattice of <see cref="BaselineKind.Eclq"/> (its dimension must be the source's).</param>
/// <param name="States">Trellis states of <see cref="BaselineKind.Ectcq"/>: 4, 8, 16, 32, 64, 128 or 256.</param>
public sealed record BaselineOptions(
    int Points = 12, double MaxRate = 3.0, int? Samples = null, int CellSamples = 4096, int? Bins = null,
    int MaxCodewords = 4096, int MaxCells = 0, int Seed = 1, Lattice? Lattice = null, int States = 8)
{
    /// <summary>Checks every range that does not depend on the source, in the order <c>ltc bounds</c> reports them.</summary>
    /// <exception cref="LtcException">A setting is out of range (one line naming the <c>ltc bounds</c> option).</exception>
    public void Validate(BaselineKind kind)
    {
        ValidateRateGrid(kind);
        int minSamples = kind == BaselineKind.Ecvq ? 100 : 10;
        if (Samples is int s && (s < minSamples || s > Baselines.MaxSamples))
            throw new LtcException($"--samples must be between {minSamples} and {Baselines.MaxSamples} for --kind {Baselines.NameOf(kind)}, got {s}");
        if (CellSamples < 16 || CellSamples > Baselines.MaxCellSamples)
            throw new LtcException($"--cell-samples must be between 16 and {Baselines.MaxCellSamples}, got {CellSamples}");
        if (Bins is < 2 or > 4096) throw new LtcException($"--bins must be between 2 and 4096 (64 in 2-d), got {Bins}");
        if (MaxCodewords < 1 || MaxCodewords > Baselines.MaxCodewordsLimit)
            throw new LtcException($"--max-codewords must be between 1 and {Baselines.MaxCodewordsLimit}, got {MaxCodewords}");
        if (MaxCells < 0 || MaxCells == 1 || MaxCells > Baselines.MaxCellsLimit)
            throw new LtcException($"--max-cells must be 0 (no limit) or between 2 and {Baselines.MaxCellsLimit}, got {MaxCells}");
        if (!Trellis.TrellisCode.SupportedStates.Contains(States))
            throw new LtcException($"--states must be one of {string.Join(", ", Trellis.TrellisCode.SupportedStates)}, got {States}");
        if (kind == BaselineKind.Ectcq && Samples is < 1000)
            throw new LtcException($"--samples must be at least 1000 for --kind ectcq, got {Samples}");
    }

    /// <summary>The first checks of <see cref="Validate"/>: <see cref="Points"/> and <see cref="MaxRate"/> (at most 16
    /// bits per rate unit; for <see cref="BaselineKind.GaussianRd"/>, whose rates are per vector, 16 per coordinate,
    /// checked against the source's dimension by <see cref="Baselines.CheckSizes"/>, before any work).</summary>
    /// <exception cref="LtcException">Either is out of range.</exception>
    public void ValidateRateGrid(BaselineKind? kind = null)
    {
        if (Points < 2 || Points > 1000) throw new LtcException($"--points must be between 2 and 1000, got {Points}");
        if (kind == BaselineKind.GaussianRd) // the upper limit depends on the source's dimension
        {
            if (!(MaxRate > 0) || double.IsInfinity(MaxRate))
                throw new LtcException($"--max-rate must be positive and at most 16 bits per coordinate of the source, got {MaxRate}");
            return;
        }
        if (!(MaxRate > 0) || MaxRate > Baselines.MaxRatePerCoordinate)
            throw new LtcException($"--max-rate must be in (0, {Baselines.MaxRatePerCoordinate}], got {MaxRate}");
    }
}

/// <summary>
/// The theoretical and classical rate-distortion curves of a source (the baselines LTC is compared with, paper
/// section 5): R(D) and the Shannon lower bound (Cover and Thomas ch. 10), Blahut–Arimoto (1972), ECSQ, ECVQ
/// (Chou, Lookabaugh and Gray 1989) and ECLQ, each at rates spread evenly up to a maximum.
/// </summary>
public static class Baselines
{
    /// <summary>The highest rate a curve aims for, in bits per coordinate.</summary>
    public const double MaxRatePerCoordinate = 16;

    /// <summary>The most source samples one curve draws.</summary>
    public const int MaxSamples = 10_000_000;

    /// <summary>The most values (samples × dimension) one array of samples may hold: 512 MiB of doubles.</summary>
    public const long MaxSampleValues = 1L << 26;

    /// <summary>The most Voronoi cell samples per cell integral.</summary>
    public const int MaxCellSamples = 1 << 18;

    /// <summary>The largest ECVQ codebook limit.</summary>
    public const int MaxCodewordsLimit = 16384;

    /// <summary>The largest ECSQ codebook limit.</summary>
    public const int MaxCellsLimit = 100_000;

    /// <summary>The names of the kinds, lower case, as <c>ltc bounds --kind</c> takes them.</summary>
    public static IReadOnlyList<string> KindNames => Names;

    private static readonly string[] Names = ["rd", "slb", "ba", "ecsq", "ecvq", "eclq", "ectcq", "gaussian-rd"];

    /// <summary>The kind named <paramref name="name"/> (case and surrounding spaces ignored).</summary>
    /// <exception cref="LtcException">No kind has that name.</exception>
    public static BaselineKind ParseKind(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var k = name.Trim().ToLowerInvariant();
        int i = Array.IndexOf(Names, k);
        if (i < 0) throw new LtcException($"unknown --kind '{k}' (expected rd, slb, ba, ecsq, ecvq, eclq, ectcq or gaussian-rd)");
        return (BaselineKind)i;
    }

    /// <summary>The lower-case name of <paramref name="kind"/>, e.g. <c>ecvq</c>.</summary>
    public static string NameOf(BaselineKind kind) => Names[(int)kind];

    /// <summary>
    /// The sample count <paramref name="kind"/> draws when <see cref="BaselineOptions.Samples"/> is null: 0 when it
    /// uses the source's density (or a data set's rows) instead.
    /// </summary>
    public static int DefaultSamples(BaselineKind kind, VectorSource source) => kind switch
    {
        BaselineKind.Ecvq => source.Dimension <= 2 ? 100000 : 200000,
        BaselineKind.Eclq => 20000,
        BaselineKind.Ectcq => 100000,
        BaselineKind.Slb or BaselineKind.Ba when DensityOf(source) is null => 200000,
        BaselineKind.GaussianRd when source.IsSynthetic => 200000,
        _ => 0,
    };

    /// <summary>
    /// Refuses, before any work, sample arrays larger than <see cref="MaxSampleValues"/> values: the source draws of a
    /// synthetic source, and the cell samples of ECLQ.
    /// </summary>
    /// <exception cref="LtcException">An array would be too large (one line naming the option to lower).</exception>
    public static void CheckSizes(BaselineKind kind, VectorSource source, BaselineOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        int effective = options.Samples ?? DefaultSamples(kind, source);
        if (source.IsSynthetic && (long)effective * source.Dimension > MaxSampleValues)
            throw new LtcException($"--samples {effective}{(options.Samples is null ? " (the default)" : "")} of dimension {source.Dimension} is more than {MaxSampleValues} values; give fewer --samples");
        if (options.Lattice is Lattice lat && (long)options.CellSamples * lat.Dimension > MaxSampleValues)
            throw new LtcException($"--cell-samples {options.CellSamples} of dimension {lat.Dimension} is more than {MaxSampleValues} values");
        double perUnit = MaxRatePerCoordinate * source.Dimension / source.ScalarsPerSample;
        if (kind == BaselineKind.GaussianRd && options.MaxRate > perUnit)
            throw new LtcException($"--max-rate must be in (0, {perUnit}] for gaussian-rd of {source.Name} (16 bits per coordinate), got {options.MaxRate}");
    }

    /// <summary>
    /// Refuses a source whose train or test split has zero (or undefined) variance: its rate-distortion curve is the
    /// single point R = 0, D = 0, the SNR of any point is undefined, and the slopes of the sweeps would be infinite.
    /// </summary>
    /// <exception cref="LtcException">A split has zero, infinite or undefined variance.</exception>
    public static void RequireVariance(VectorSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        foreach (var split in new[] { SourceSplit.Train, SourceSplit.Test })
        {
            double v = source.Variance(split);
            if (!(v > 0) || !double.IsFinite(v))
                throw new LtcException($"source '{source.Name}': the source has zero variance in its {split.ToString().ToLowerInvariant()} split (every coordinate is constant), so its rate-distortion curve is the single point R = 0, D = 0 and SNRs are undefined");
        }
    }

    /// <summary>The scalar density of a Gaussian or Laplace i.i.d. source, or null for any other source.</summary>
    public static ScalarDensity? DensityOf(VectorSource source) => source is IidSource iid
        ? iid.Distribution switch
        {
            IidDistribution.Gaussian => ScalarDensity.Gaussian(),
            IidDistribution.Laplace => ScalarDensity.Laplace(),
            _ => null,
        }
        : null;

    /// <summary>
    /// The curve of <paramref name="kind"/> for <paramref name="source"/>, in increasing rate (per the source's rate
    /// unit, <see cref="VectorSource.RateUnit"/>) with the MSE per coordinate. Rates aimed at are
    /// <c>MaxRate·i/(Points − 1)</c>; the sweeps (BA, ECVQ, ECLQ) pick their slopes or scales from R(D) of a Gaussian of
    /// the source's variance, so their points land near, not at, those rates.
    /// </summary>
    /// <param name="kind">Which curve.</param>
    /// <param name="source">The source; ECSQ and ECLQ need a Gaussian or Laplace i.i.d. source, BA and SLB on data
    /// need 1 or 2 dimensions, R(D) needs a Gaussian or Laplace source.</param>
    /// <param name="options">Settings (see <see cref="BaselineOptions"/>).</param>
    /// <returns>The curve's points.</returns>
    /// <exception cref="LtcException">The kind does not apply to the source, a setting is out of range, or a
    /// computed point is not a finite rate and MSE.</exception>
    public static RdPoint[] Compute(BaselineKind kind, VectorSource source, BaselineOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(kind);
        CheckSizes(kind, source, options);
        var curve = ComputeCore(kind, source, options);
        foreach (var p in curve)
            if (!double.IsFinite(p.Rate) || p.Rate < 0 || !double.IsFinite(p.Distortion) || p.Distortion < 0)
                throw new LtcException($"{NameOf(kind)} of {source.Name}: computed a point that is not a finite rate and MSE (rate {p.Rate}, mse {p.Distortion})");
        return curve;
    }

    private static RdPoint[] ComputeCore(BaselineKind kind, VectorSource src, BaselineOptions o)
    {
        var density = DensityOf(src);
        int n = src.Dimension, spr = src.ScalarsPerSample, points = o.Points;
        double maxRate = o.MaxRate;
        double variance = src.Variance(SourceSplit.Train);
        var rates = Enumerable.Range(0, points).Select(i => maxRate * i / (points - 1)).ToArray();
        switch (kind)
        {
            case BaselineKind.Rd:
                if (density is GaussianDensity)
                    return rates.Select(r => new RdPoint(r, TheoreticalRd.GaussianDistortion(r, variance))).ToArray();
                if (density is LaplaceDensity)
                    return ScalarBa(density, points, maxRate);
                throw new LtcException($"source '{src.Name}': no closed-form R(D); use --kind ba (histogram Blahut–Arimoto) or --kind slb");
            case BaselineKind.GaussianRd:
            {
                var x = Draw(src, SourceSplit.Test, o.Samples ?? 200000, o.Seed);
                var ev = TheoreticalRd.CovarianceEigenvalues(x, n);
                // Rates per vector aimed at rates·spr (i.i.d. sequences report per scalar), each by bisection on θ.
                return [.. rates.Select(r =>
                {
                    var p = TheoreticalRd.GaussianVectorPointAtRate(ev, r * spr);
                    return p with { Rate = p.Rate / spr };
                })];
            }
            case BaselineKind.Slb:
            {
                double h;
                if (density != null) h = density.DifferentialEntropyBits; // per scalar; i.i.d. rates are per scalar
                else
                {
                    if (n > 2) throw new LtcException($"source '{src.Name}': the SLB needs a differential-entropy estimate, available by histogram in 1 or 2 dimensions only (dimension {n})");
                    int sb = o.Bins ?? (n == 1 ? 512 : 64);
                    if (n == 2 && sb > 64) throw new LtcException($"--bins {sb} is out of range (2..64 in 2-d)");
                    var x = Draw(src, SourceSplit.Train, o.Samples ?? 200000, o.Seed);
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
            case BaselineKind.Ba:
            {
                if (density != null) return ScalarBa(density, points, maxRate);
                if (n > 2) throw new LtcException($"source '{src.Name}': Blahut–Arimoto runs on histograms in 1 or 2 dimensions only (dimension {n})");
                int b = o.Bins ?? (n == 1 ? 512 : 48);
                if (b < 2 || (n == 2 && b > 64) || b > 4096) throw new LtcException($"--bins {b} is out of range (2..{(n == 2 ? 64 : 4096)})");
                var x = Draw(src, SourceSplit.Train, o.Samples ?? 200000, o.Seed);
                var ba = BlahutArimoto.ForHistogram(Histogram.Build(x, n, b));
                // Slopes of a Gaussian R(D) of the same variance: β = n/(2D) nats per vector per unit of per-scalar MSE.
                var slopes = rates.Skip(1).Select(r => n / (2.0 * variance * Math.Pow(2, -2 * r * spr / n))).Prepend(n / (2.0 * variance) * 0.9);
                return RdCurve.SortByRate(ba.Sweep(slopes, 1e-7, 20000).Select(r => r.Point with { Rate = r.Point.Rate / spr }));
            }
            case BaselineKind.Ecsq:
                if (density == null) throw new LtcException($"source '{src.Name}': ECSQ needs a known scalar density (gaussian or laplace)");
                return Ecsq.Curve(density, points, maxRate, o.MaxCells);
            case BaselineKind.Ecvq:
            {
                int m = o.Samples ?? (n <= 2 ? 100000 : 200000);
                var train = Draw(src, SourceSplit.Train, m, o.Seed);
                var test = Draw(src, SourceSplit.Test, m, o.Seed + 1_000_003);
                // λ = −dD/dR along a Gaussian R(D) of the same variance, rates from ~0.03 to maxRate.
                double u = spr / (double)n;
                var lambdas = Enumerable.Range(0, points).Select(i => 0.03 + (maxRate - 0.03) * i / (points - 1))
                    .Select(r => 2 * Math.Log(2) * u * variance * Math.Pow(2, -2 * r * u));
                var res = Ecvq.Sweep(train, test, n, lambdas, spr, new EcvqOptions(MaxCodewords: o.MaxCodewords, Seed: o.Seed));
                return res.Select(r => r.Test).ToArray();
            }
            case BaselineKind.Eclq:
            {
                var lattice = o.Lattice ?? throw new LtcException("--kind eclq needs --lattice");
                if (density == null) throw new LtcException($"source '{src.Name}': ECLQ needs a known i.i.d. density (gaussian or laplace)");
                if (lattice.Dimension != n) throw new LtcException($"lattice {lattice.Name} has dimension {lattice.Dimension}, but the source has {n}");
                var opts = new EclqOptions(SourceSamples: o.Samples ?? 20000, CellSamples: o.CellSamples, Seed: o.Seed);
                return Eclq.Curve(lattice, density, Eclq.DefaultScales(density, points, maxRate), opts);
            }
            case BaselineKind.Ectcq:
            {
                if (density == null) throw new LtcException($"source '{src.Name}': ECTCQ needs a known scalar density (gaussian or laplace)");
                int m = o.Samples ?? 100000;
                return Trellis.Ectcq.Curve(density, o.States, points, maxRate, new Trellis.EctcqOptions(TrainingSamples: m, TestSamples: m, Seed: o.Seed));
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown baseline kind");
        }
    }

    // Draws straight from Random(seed) (not VectorSource.Sample's split-derived seed) so the curves recorded in
    // docs/results/baselines-data stay reproducible with the seeds written there.
    private static double[] Draw(VectorSource src, SourceSplit split, int count, int seed)
    {
        if (!src.IsSynthetic) return src.Rows(split) ?? throw new LtcException($"source '{src.Name}' has no {split} rows");
        var data = new double[checked(count * src.Dimension)];
        src.Draw(data, split, new Random(seed));
        return data;
    }

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
}
