using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Ltc.IO;
using Ltc.Lattices;
using Ltc.Simd;
using MathNet.Numerics.Distributions;
using Spectre.Console;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc lattice ...</c>: list, inspect, estimate NSM of, quantize with, and benchmark lattices.</summary>
internal static class LatticeCommands
{
    /// <summary>Lattices benchmarked when <c>--lattice</c> is not given (those the catalog knows).</summary>
    internal static readonly string[] DefaultBenchLattices = ["Z8", "A2", "D4*", "E8", "BW16", "Leech"];

    /// <summary>
    /// SPLAG's Table 2.3 values where a later exact or more precise value replaced them (paper brief, section 8):
    /// reported next to the corrected value.
    /// </summary>
    private static readonly Dictionary<string, double> SplagNsm = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Leech"] = 0.0657710,
        ["Λ24"] = 0.0657710,
        ["L24"] = 0.0657710,
        ["BW16"] = 0.0682989,
        ["Λ16"] = 0.0682989,
    };

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var lattice = new Command("lattice", "Lattice quantizers: list, info, nsm, quantize, bench.");
        lattice.Subcommands.Add(List());
        lattice.Subcommands.Add(Info());
        lattice.Subcommands.Add(Nsm());
        lattice.Subcommands.Add(Quantize());
        lattice.Subcommands.Add(Bench());
        return lattice;
    }

    private static Option<bool> JsonOption() => new("--json") { Description = "Print one JSON object on stdout and nothing else." };

    private static Option<string> LatticeOption(bool required = true) => new("--lattice", "-l")
    {
        Description = "Lattice name: Z8, A2, D4, D4*, E8, BW16, Leech, E8^3, A2+Z1, G:generator.npy, ...",
        Required = required,
    };

    private static Option<bool> UnitVolumeOption() => new("--unit-volume") { Description = "Scale the lattice so its Voronoi cell has volume 1 (as LTC uses it)." };

    /// <summary>The most threads any lattice command accepts.</summary>
    internal const int MaxThreads = 1024;

    /// <summary>The most cell samples <c>lattice nsm</c> accepts (2³⁴ ≈ 1.7·10¹⁰: about an hour for E8 on two cores).</summary>
    internal const long MaxNsmSamples = 1L << 34;

    /// <summary>The most points per batch of <c>lattice bench</c>, and of points × dimension (two arrays of doubles).</summary>
    internal const int MaxBenchPoints = 1 << 20, MaxBenchValues = 1 << 25;

    /// <summary>The longest minimum time per measurement of <c>lattice bench</c>, in seconds.</summary>
    internal const double MaxBenchSeconds = 3600;

    private static Option<int> ThreadsOption(string description) =>
        new Option<int>("--threads", "-t") { Description = description }.Range(0, MaxThreads);

    private static Lattice Load(string name, bool unitVolume)
    {
        var l = LatticeCatalog.Parse(name);
        return unitVolume ? l.WithUnitVolume() : l;
    }

    private static double GainDb(double nsm) => 10 * Math.Log10(1.0 / 12.0 / nsm);

    private static Command List()
    {
        var json = JsonOption();
        var cmd = new Command("list", "Every named lattice: dimension, published NSM, granular gain over Z, decoder.");
        cmd.Options.Add(json);
        cmd.SetAction(pr =>
        {
            var output = pr.InvocationConfiguration.Output;
            var rows = LatticeCatalog.ListedNames.Select(LatticeCatalog.Parse).Select(l => new ListRow(
                l.Name, l.Dimension, l.PublishedNsm, l.PublishedNsm is double g ? GainDb(g) : null, l.Decoder)).ToList();
            if (pr.GetValue(json))
            {
                CliOutput.WriteJson(output, new { Lattices = rows });
                return 0;
            }
            var table = new Table().AddColumns("lattice", "n", "published NSM", "gain over Z (dB)", "decoder");
            foreach (var c in table.Columns.Skip(1).Take(3)) c.RightAligned();
            foreach (var r in rows)
                table.AddRow(Markup.Escape(r.Name), r.Dimension.ToString(Inv), r.PublishedNsm?.ToString("F9", Inv) ?? "-",
                    r.GranularGainDb?.ToString("F3", Inv) ?? "-", Markup.Escape(r.Decoder));
            Console(output).Write(table);
            return 0;
        });
        return cmd;
    }

    private sealed record ListRow(string Name, int Dimension, double? PublishedNsm, double? GranularGainDb, string Decoder);

    private static Command Info()
    {
        var json = JsonOption();
        var name = LatticeOption();
        var unit = UnitVolumeOption();
        var cmd = new Command("info", "Generator matrix, volume, minimum norm and published NSM of a lattice.");
        cmd.Options.Add(name);
        cmd.Options.Add(unit);
        cmd.Options.Add(json);
        cmd.SetAction(pr =>
        {
            var output = pr.InvocationConfiguration.Output;
            var l = Load(pr.GetValue(name)!, pr.GetValue(unit));
            int n = l.Dimension;
            var rows = Enumerable.Range(0, n).Select(i => l.Generator.Slice(i * n, n).ToArray()).ToArray();
            double? minNorm = MinimumNorm(l);
            if (pr.GetValue(json))
            {
                CliOutput.WriteJson(output, new
                {
                    Lattice = l.Name,
                    Dimension = n,
                    UnitVolume = pr.GetValue(unit),
                    Generator = rows,
                    l.Volume,
                    MinimumNorm = minNorm,
                    PublishedNsm = l.PublishedNsm,
                    GranularGainDb = l.PublishedNsm is double g ? GainDb(g) : (double?)null,
                    l.Decoder,
                });
                return 0;
            }
            output.WriteLine($"{l.Name}: dimension {n}{(pr.GetValue(unit) ? ", scaled to unit volume" : "")}");
            output.WriteLine($"volume         {l.Volume.ToString("G10", Inv)}");
            if (minNorm is double mn) output.WriteLine($"minimum norm   {mn.ToString("G10", Inv)}");
            output.WriteLine($"published NSM  {(l.PublishedNsm is double p ? $"{p.ToString("F9", Inv)} ({GainDb(p).ToString("F3", Inv)} dB over Z)" : "-")}");
            output.WriteLine($"decoder        {l.Decoder}");
            output.WriteLine("generator (rows are basis vectors):");
            foreach (var row in rows) output.WriteLine("  " + string.Join(" ", row.Select(v => v.ToString("G8", Inv).PadLeft(11))));
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// The lattice's minimum squared norm: known by most lattice classes, otherwise found by an enumeration that is
    /// exponential in n, so skipped (null) for generic lattices of more than 48 dimensions.
    /// </summary>
    private static double? MinimumNorm(Lattice l)
    {
        var inner = l is ScaledLattice s ? s.Inner : l;
        bool known = inner.GetType().GetProperty(nameof(Lattice.MinimumNorm))!.DeclaringType != typeof(Lattice);
        return known || l.Dimension <= 48 ? l.MinimumNorm : null;
    }

    private static Command Nsm()
    {
        var json = JsonOption();
        var name = LatticeOption();
        var samples = new Option<long>("--samples", "-n") { Description = $"Number of cell samples (2..{MaxNsmSamples}).", DefaultValueFactory = _ => 1_000_000 }
            .Range(2, MaxNsmSamples);
        var seed = new Option<int>("--seed") { Description = "Seed (the estimate is a deterministic function of it).", DefaultValueFactory = _ => 1 };
        var sobol = new Option<bool>("--sobol") { Description = "Scrambled Sobol points; the standard error comes from independent scrambles." };
        var replicates = new Option<int>("--replicates") { Description = "Independent scrambles with --sobol (2..1024).", DefaultValueFactory = _ => NsmEstimator.DefaultReplicates }
            .Range(2, 1024);
        var threads = ThreadsOption($"Worker threads (0 = all cores, the default; at most {MaxThreads}); the result does not depend on it.");
        var cmd = new Command("nsm", "Estimate the normalized second moment G = E‖u‖²/(n·V^(2/n)) by sampling the Voronoi cell.");
        foreach (var o in new Option[] { name, samples, seed, sobol, replicates, threads, json }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            var output = pr.InvocationConfiguration.Output;
            var l = LatticeCatalog.Parse(pr.GetValue(name)!);
            long n = pr.GetValue(samples);
            int reps = pr.GetValue(replicates);
            int t = pr.GetValue(threads);
            var sampling = pr.GetValue(sobol) ? CellSampling.ScrambledSobol : CellSampling.MonteCarlo;
            var sw = Stopwatch.StartNew();
            var e = NsmEstimator.Estimate(l, n, pr.GetValue(seed), sampling, t, reps);
            double seconds = sw.Elapsed.TotalSeconds;
            double? splag = SplagNsm.TryGetValue(l.Name, out var s) && e.PublishedNsm is double pub && Math.Abs(pub - s) > 1e-9 ? s : null;
            if (pr.GetValue(json))
            {
                CliOutput.WriteJson(output, new
                {
                    Lattice = l.Name,
                    e.Dimension,
                    e.Samples,
                    Sampling = sampling == CellSampling.ScrambledSobol ? "scrambled-sobol" : "monte-carlo",
                    e.Seed,
                    e.Nsm,
                    Stderr = e.StandardError,
                    StderrFrom = e.StandardErrorFromReplicates ? "independent scrambles" : "per-sample variance",
                    e.Replicates,
                    e.PublishedNsm,
                    DifferenceInStderr = e.DifferenceInStandardErrors,
                    SplagNsm = splag,
                    DifferenceFromSplagInStderr = splag is double sp ? (e.Nsm - sp) / e.StandardError : (double?)null,
                    e.GranularGainDb,
                    Seconds = seconds,
                });
                return 0;
            }
            string how = sampling == CellSampling.ScrambledSobol ? $"scrambled Sobol samples in {e.Replicates} independent scrambles" : "Monte Carlo samples";
            output.WriteLine($"{l.Name} (n = {e.Dimension}): G = {e.Nsm.ToString("F7", Inv)} ± {e.StandardError.ToString("F7", Inv)} " +
                $"({e.Samples.ToString("N0", Inv)} {how}, seed {e.Seed}, {seconds.ToString("F1", Inv)} s)");
            if (e.PublishedNsm is double p)
                output.WriteLine($"published      {p.ToString("F9", Inv)}: estimate is {e.DifferenceInStandardErrors!.Value.ToString("+0.00;-0.00", Inv)} standard errors away");
            if (splag is double old)
                output.WriteLine($"SPLAG table    {old.ToString("F9", Inv)}: estimate is {((e.Nsm - old) / e.StandardError).ToString("+0.00;-0.00", Inv)} standard errors away (superseded)");
            output.WriteLine($"granular gain over Z: {e.GranularGainDb.ToString("F3", Inv)} dB");
            return 0;
        });
        return cmd;
    }

    private static Command Quantize()
    {
        var json = JsonOption();
        var name = LatticeOption();
        var unit = UnitVolumeOption();
        var coords = new Option<string?>("--coords") { Description = "Also write the integer coordinates k (y = kG) as int64 .npy." };
        var threads = ThreadsOption($"Worker threads (0 = all cores, the default; at most {MaxThreads}).");
        var input = new Argument<string>("input") { Description = "float32 or float64 .npy of shape (count, n)." };
        var outputPath = new Argument<string>("output") { Description = "Closest lattice points, same shape and type as the input." };
        var cmd = new Command("quantize", "Closest lattice points of the vectors in a .npy file.");
        foreach (var o in new Option[] { name, unit, coords, threads, json }) cmd.Options.Add(o);
        cmd.Arguments.Add(input);
        cmd.Arguments.Add(outputPath);
        cmd.SetAction(pr =>
        {
            var output = pr.InvocationConfiguration.Output;
            var l = Load(pr.GetValue(name)!, pr.GetValue(unit));
            int n = l.Dimension;
            string inPath = pr.GetValue(input)!, outPath = pr.GetValue(outputPath)!;
            string? coordsPath = pr.GetValue(coords);
            // Every path is checked before any work, and no output may be an input or the other output.
            AtomicFile.CheckInput(inPath);
            AtomicFile.CheckOutput(outPath, inPath);
            if (coordsPath != null)
            {
                AtomicFile.CheckOutput(coordsPath, inPath);
                if (AtomicFile.SameFile(coordsPath, outPath) || Path.GetFullPath(coordsPath) == Path.GetFullPath(outPath))
                    throw new LtcException($"{coordsPath}: --coords must differ from the output");
            }
            int t = pr.GetValue(threads);
            var a = Npy.ReadMatrix(inPath, n);
            if (a.Type is not (NpyType.Float32 or NpyType.Float64))
                throw new LtcException($"{inPath}: expected float32 or float64 vectors, got {a.Type.ToString().ToLowerInvariant()}");
            int count = a.Rows;
            // float32 inputs were widened exactly, so decoding the doubles is the float32 path, done in float64.
            var y = new double[a.Data.Length];
            l.ClosestPoints(a.Data, y, t);
            long[]? k = null;
            if (coordsPath != null) k = Coordinates(l, y, inPath);
            // Both outputs or neither.
            using (var files = new AtomicFileSet())
            {
                byte[] points;
                if (a.Type == NpyType.Float32)
                {
                    var f = new float[y.Length];
                    for (int i = 0; i < y.Length; i++) f[i] = (float)y[i];
                    points = Npy.Encode("<f4", System.Runtime.InteropServices.MemoryMarshal.AsBytes(f.AsSpan()), f.Length, [count, n]);
                }
                else points = Npy.Encode("<f8", System.Runtime.InteropServices.MemoryMarshal.AsBytes(y.AsSpan()), y.Length, [count, n]);
                files.Write(outPath, s => s.Write(points));
                if (k != null)
                {
                    var coordBytes = Npy.Encode("<i8", System.Runtime.InteropServices.MemoryMarshal.AsBytes(k.AsSpan()), k.Length, [count, n]);
                    files.Write(coordsPath!, s => s.Write(coordBytes));
                }
                files.Commit();
            }
            if (pr.GetValue(json))
                CliOutput.WriteJson(output, new { Lattice = l.Name, Dimension = n, Count = count, Type = a.Type.ToString().ToLowerInvariant(), Output = outPath, Coords = coordsPath });
            else
                output.WriteLine($"{count} {a.Type.ToString().ToLowerInvariant()} vectors quantized to {l.Name}{(pr.GetValue(unit) ? " (unit volume)" : "")} -> {outPath}{(coordsPath != null ? $", coordinates -> {coordsPath}" : "")}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Integer coordinates of decoded points, checked to reproduce them (large inputs overflow int64 or lose precision).</summary>
    private static long[] Coordinates(Lattice l, double[] y, string inPath)
    {
        int n = l.Dimension;
        var k = new long[y.Length];
        var p = new double[n];
        for (int o = 0; o < y.Length; o += n)
        {
            var point = y.AsSpan(o, n);
            var ki = k.AsSpan(o, n);
            l.Coordinates(point, ki);
            l.PointFromCoordinates(ki, p);
            double scale = 1;
            for (int j = 0; j < n; j++) scale = Math.Max(scale, Math.Abs(point[j]));
            for (int j = 0; j < n; j++)
                if (Math.Abs(p[j] - point[j]) > 1e-9 * scale)
                    throw new LtcException($"{inPath}: row {o / n} is too large for exact integer lattice coordinates");
        }
        return k;
    }

    private static Command Bench()
    {
        var json = JsonOption();
        var name = LatticeOption(required: false);
        name.Description = $"Lattice to benchmark (default: each of {string.Join(", ", DefaultBenchLattices)} that exists).";
        var threads = new Option<int?>("--threads", "-t") { Description = $"Threads (1..{MaxThreads}; default: 1 and all cores)." }.Range(1, MaxThreads);
        var points = new Option<int>("--points")
        {
            Description = $"Points per batch (Gaussian, lattice at unit volume; 1..{MaxBenchPoints}, and points × dimension at most {MaxBenchValues}).",
            DefaultValueFactory = _ => 1 << 16,
        }.Range(1, MaxBenchPoints);
        var seconds = new Option<double>("--seconds")
        {
            Description = $"Minimum time per measurement, 0..{MaxBenchSeconds} (at least one batch is always timed).",
            DefaultValueFactory = _ => 1.0,
        }.Between(0, MaxBenchSeconds);
        var cmd = new Command("bench", $"Closest points per second on Gaussian inputs, with the vector path the kernels run on ({string.Join(", ", Enum.GetValues<SimdWidth>().Reverse().Select(SimdPath.NameOf))}).");
        foreach (var o in new Option[] { name, threads, points, seconds, json }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            var output = pr.InvocationConfiguration.Output;
            int count = pr.GetValue(points);
            double minSeconds = pr.GetValue(seconds);
            int? t = pr.GetValue(threads);
            int[] threadCounts = t is int tc ? [tc] : Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];
            string? only = pr.GetValue(name);
            List<Lattice> lattices = only != null ? [LatticeCatalog.Parse(only)] : DefaultBenchLattices.Select(TryParse).OfType<Lattice>().ToList();
            // Every size is checked before any work.
            foreach (var lat in lattices)
                if ((long)count * lat.Dimension > MaxBenchValues)
                    throw new LtcException($"--points {count} × dimension {lat.Dimension} of {lat.Name} is more than {MaxBenchValues} values; use --points {MaxBenchValues / lat.Dimension} or fewer");
            string path = SimdPath.Name;
            var results = new List<BenchRow>();
            bool quiet = pr.GetValue(json);
            if (!quiet) output.WriteLine($"path {path} (vector width of the E8, D_n, D_n*, BW16 and Leech kernels; widest on this machine: {SimdPath.NameOf(SimdPath.Hardware)})");
            foreach (var lat in lattices)
            {
                var l = lat.WithUnitVolume();
                int n = l.Dimension;
                var x = new double[count * n];
                Normal.Samples(new Random(12345), x, 0, 1);
                var y = new double[x.Length];
                y.AsSpan().Fill(1); // fault the output pages in now, not inside the first timed batch
                l.ClosestPoints(x.AsSpan(0, Math.Min(x.Length, 256 * n)), y.AsSpan(0, Math.Min(x.Length, 256 * n)), 1); // warm-up
                foreach (int th in threadCounts)
                {
                    long done = 0;
                    var sw = Stopwatch.StartNew();
                    do
                    {
                        l.ClosestPoints(x, y, th);
                        done += count;
                    } while (sw.Elapsed.TotalSeconds < minSeconds);
                    var row = new BenchRow(lat.Name, n, th, path, done / sw.Elapsed.TotalSeconds);
                    results.Add(row);
                    if (!quiet) output.WriteLine($"{row.Lattice,-8} n = {n,3}  threads {th}  path {path,-9}  {row.PointsPerSecond.ToString("G4", Inv),10} points/s");
                }
            }
            if (quiet) CliOutput.WriteJson(output, new { Path = path, HardwarePath = SimdPath.NameOf(SimdPath.Hardware), Results = results });
            return 0;
        });
        return cmd;
    }

    private sealed record BenchRow(string Lattice, int Dimension, int Threads, string Path, double PointsPerSecond);

    private static Lattice? TryParse(string name)
    {
        try { return LatticeCatalog.Parse(name); }
        catch (LtcException) { return null; }
    }

    /// <summary>Accepts only <paramref name="min"/> ≤ value ≤ <paramref name="max"/>, checked while parsing (before any work).</summary>
    private static Option<long> Range(this Option<long> option, long min, long max)
    {
        option.Validators.Add(r =>
        {
            if (r.Errors.Any() || r.Implicit) return;
            long v;
            try { v = r.GetValueOrDefault<long>(); }
            catch (InvalidOperationException) { return; }
            if (v < min || v > max) r.AddError($"{r.IdentifierToken?.Value ?? r.Option.Name} must be between {min} and {max}, got {v}");
        });
        return option;
    }

    /// <summary>Accepts only finite <paramref name="min"/> ≤ value ≤ <paramref name="max"/>, checked while parsing.</summary>
    private static Option<double> Between(this Option<double> option, double min, double max)
    {
        option.Validators.Add(r =>
        {
            if (r.Errors.Any() || r.Implicit) return;
            double v;
            try { v = r.GetValueOrDefault<double>(); }
            catch (InvalidOperationException) { return; }
            if (!(v >= min && v <= max))
                r.AddError($"{r.IdentifierToken?.Value ?? r.Option.Name} must be between {min.ToString("G", Inv)} and {max.ToString("G", Inv)}, got {v.ToString("R", Inv)}");
        });
        return option;
    }

    /// <summary>A Spectre console writing to <paramref name="writer"/>: plain text unless it is the real terminal.</summary>
    private static IAnsiConsole Console(TextWriter writer)
    {
        bool terminal = ReferenceEquals(writer, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        if (!terminal) console.Profile.Width = 120;
        return console;
    }
}
