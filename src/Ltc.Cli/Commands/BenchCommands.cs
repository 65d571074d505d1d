using System.CommandLine;
using System.Globalization;
using Ltc.Coding;
using Ltc.Simd;
using Ltc.Torch;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc bench ...</c>: speed and efficiency benchmarks (subcommand <c>coder</c>: <see cref="CoderBenchmark"/>).</summary>
internal static class BenchCommands
{
    /// <summary>The longest stream <c>bench coder</c> accepts (its arrays take about 10 bytes per symbol).</summary>
    internal const int MaxSymbols = 200_000_000;

    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks: coder, train.");
        bench.Subcommands.Add(Coder());
        bench.Subcommands.Add(Train());
        return bench;
    }

    private static Command Coder()
    {
        var symbols = new Option<int>("--symbols") { Description = $"Number of symbols in the synthetic stream (1..{MaxSymbols}).", DefaultValueFactory = _ => 10_000_000 }
            .Range(1, MaxSymbols);
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var cmd = new Command("coder", "rANS encode/decode speed with static tables on a synthetic skewed stream, and coded size against the ideal.");
        cmd.Options.Add(symbols);
        cmd.Options.Add(json);
        cmd.SetAction(pr =>
        {
            int n = pr.GetValue(symbols);
            var r = CoderBenchmark.Run(n, seed: 1);
            var output = pr.InvocationConfiguration.Output;
            if (pr.GetValue(json))
            {
                CliOutput.WriteJson(output, r);
                return 0;
            }
            output.WriteLine($"rANS coder, {r.Symbols:N0} symbols, {r.Tables} static tables of {r.Alphabet} symbols, precision {r.Precision}, {r.InterleavedStates} interleaved states, 1 thread");
            output.WriteLine($"  path           {r.Path} (the rANS loop is the same scalar code on every path)");
            output.WriteLine($"  encode         {r.EncodeSymbolsPerSecond / 1e6,8:F1} M symbols/s");
            output.WriteLine($"  decode         {r.DecodeSymbolsPerSecond / 1e6,8:F1} M symbols/s");
            output.WriteLine($"  coded          {r.CodedBytes,12:N0} bytes ({r.BitsPerSymbol:F4} bits/symbol)");
            output.WriteLine($"  ideal          {r.IdealBytes,12:N1} bytes (Σ −log2 p of the integer tables)");
            output.WriteLine($"  overhead       {r.OverheadPercent,12:F4} %");
            output.WriteLine($"  quantization   {r.QuantizationLossPercent,12:F4} % (integer tables against the float PMFs)");
            return 0;
        });
        return cmd;
    }

    private static Command Train()
    {
        var all = TrainingBenchmark.StandardCases(includeData: true);
        var cases = new Option<string[]>("--case") { Description = $"Cases to time (repeatable; default all): {string.Join(", ", all.Select(c => c.Key))}.", AllowMultipleArgumentsPerToken = true };
        var rounds = new Option<int>("--rounds") { Description = "Alternating rounds of reference and fused steps (1..1000).", DefaultValueFactory = _ => 5 }.Range(1, 1000);
        var steps = new Option<int>("--steps-per-round") { Description = "Steps per timed block (1..10000).", DefaultValueFactory = _ => 10 }.Range(1, 10000);
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var cmd = new Command("train", "Training step time (forward, backward, Adam; one torch thread) of NTC, LTC-A2, LTC-E8, Physics LTC-D4* and " +
            "Block-LTC E8, with the torch reference densities and with the fused kernels on one and on every core, measured in alternating rounds.");
        foreach (var o in new Option[] { cases, rounds, steps, json }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            var keys = pr.GetValue(cases) ?? [];
            var chosen = keys.Length == 0 ? all : keys.Select(k => all.FirstOrDefault(c => string.Equals(c.Key, k, StringComparison.OrdinalIgnoreCase))
                ?? throw new LtcException($"unknown case '{k}' (expected {string.Join(", ", all.Select(c => c.Key))})")).ToList();
            TorchSetup.Configure("cpu", 1);
            var before = MachineInfo.Current();
            var err = pr.InvocationConfiguration.Error;
            var results = new List<StepTimeResult>();
            foreach (var c in chosen)
            {
                if (!pr.GetValue(json)) err.WriteLine($"timing {c.Name} ...");
                results.Add(TrainingBenchmark.Measure(c, pr.GetValue(rounds), pr.GetValue(steps)));
            }
            double? loadAfter = MachineInfo.Load();
            var output = pr.InvocationConfiguration.Output;
            if (pr.GetValue(json))
            {
                CliOutput.WriteJson(output, new { Machine = before, LoadAverageAfter = loadAfter, TorchThreads = TorchSetup.Threads, Results = results });
                return 0;
            }
            var inv = CultureInfo.InvariantCulture;
            output.WriteLine($"Training step time, one torch thread; {before.Cpu}, {before.LogicalCores} cores, path {before.Path}, " +
                $"load {Fmt(before.LoadAverage)} before, {Fmt(loadAfter)} after");
            output.WriteLine(string.Format(inv, "  {0,-17} {1,10} {2,16} {3,8} {4,17} {5,8}   {6}", "case", "torch ms", "fused 1 thread", "ratio",
                $"fused {before.LogicalCores} threads", "ratio", "model"));
            foreach (var r in results)
                output.WriteLine(string.Format(inv, "  {0,-17} {1,10:F2} {2,16:F2} {3,7:F2}× {4,17:F2} {5,7:F2}×   {6}", r.Name, r.ReferenceMs, r.FusedOneThreadMs,
                    r.SpeedupOneThread, r.FusedMs, r.Speedup, r.Description));
            output.WriteLine($"Median of {results.FirstOrDefault()?.Rounds} rounds of {results.FirstOrDefault()?.StepsPerRound} steps per variant.");
            return 0;

            static string Fmt(double? v) => v is double x ? x.ToString("F2", CultureInfo.InvariantCulture) : "unknown";
        });
        return cmd;
    }
}
