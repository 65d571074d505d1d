using System.CommandLine;
using System.Diagnostics;
using Ltc.Lattices;
using static Ltc.Cli.Commands.LatticeCommands;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc lattice nsm</c>: the normalized second moment by sampling the Voronoi cell (<see cref="NsmEstimator"/>).</summary>
internal static class LatticeNsmCommand
{
    /// <summary>The most cell samples accepted (2³⁴ ≈ 1.7·10¹⁰: about an hour for E8 on two cores).</summary>
    internal const long MaxNsmSamples = 1L << 34;

    public static Command Create()
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
            var sampling = pr.GetValue(sobol) ? CellSampling.ScrambledSobol : CellSampling.MonteCarlo;
            var sw = Stopwatch.StartNew();
            var e = NsmEstimator.Estimate(l, pr.GetValue(samples), pr.GetValue(seed), sampling, pr.GetValue(threads), pr.GetValue(replicates));
            double seconds = sw.Elapsed.TotalSeconds;
            double? splag = l.SupersededNsm;
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
                    DifferenceFromSplagInStderr = splag is double sp ? e.StandardErrorsFrom(sp) : (double?)null,
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
                output.WriteLine($"SPLAG table    {old.ToString("F9", Inv)}: estimate is {e.StandardErrorsFrom(old).ToString("+0.00;-0.00", Inv)} standard errors away (superseded)");
            output.WriteLine($"granular gain over Z: {e.GranularGainDb.ToString("F3", Inv)} dB");
            return 0;
        });
        return cmd;
    }
}
