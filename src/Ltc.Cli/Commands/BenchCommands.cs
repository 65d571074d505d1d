using System.CommandLine;
using Ltc.Coding;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc bench ...</c>: speed and efficiency benchmarks (subcommand <c>coder</c>: <see cref="CoderBenchmark"/>).</summary>
internal static class BenchCommands
{
    /// <summary>The longest stream <c>bench coder</c> accepts (its arrays take about 10 bytes per symbol).</summary>
    internal const int MaxSymbols = 200_000_000;

    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks: coder.");
        bench.Subcommands.Add(Coder());
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
}
