using System.CommandLine;
using Ltc.Lattices;
using Ltc.Simd;
using static Ltc.Cli.Commands.LatticeCommands;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc lattice bench</c>: closest points per second (<see cref="LatticeThroughput"/>).</summary>
internal static class LatticeBenchCommand
{
    /// <summary>Lattices benchmarked when <c>--lattice</c> is not given (those the catalog knows).</summary>
    internal static readonly string[] DefaultBenchLattices = ["Z8", "A2", "D4*", "E8", "BW16", "Leech"];

    /// <summary>The most points per batch, and of points × dimension (two arrays of doubles).</summary>
    internal const int MaxBenchPoints = 1 << 20, MaxBenchValues = 1 << 25;

    /// <summary>The longest minimum time per measurement, in seconds.</summary>
    internal const double MaxBenchSeconds = 3600;

    public static Command Create()
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
            int[] threadCounts = pr.GetValue(threads) is int tc ? [tc] : Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];
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
                var bench = new LatticeThroughput(lat.WithUnitVolume(), count);
                foreach (int th in threadCounts)
                {
                    var row = new BenchRow(lat.Name, lat.Dimension, th, path, bench.PointsPerSecond(th, minSeconds));
                    results.Add(row);
                    if (!quiet) output.WriteLine($"{row.Lattice,-8} n = {row.Dimension,3}  threads {th}  path {path,-9}  {row.PointsPerSecond.ToString("G4", Inv),10} points/s");
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
}
