using System.CommandLine;
using System.Diagnostics;
using Ltc.Coding;
using Ltc.Simd;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc bench ...</c>: speed and efficiency benchmarks (subcommand <c>coder</c> for the entropy coder).</summary>
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
            var r = CoderBench.Run(n, seed: 1);
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

/// <summary>Result of <see cref="CoderBench.Run"/>, printed as JSON by <c>ltc bench coder --json</c>.</summary>
internal sealed record CoderBenchResult(
    string Path, int Symbols, int Tables, int Alphabet, int Precision, int InterleavedStates,
    double EncodeSymbolsPerSecond, double DecodeSymbolsPerSecond,
    long CodedBytes, double IdealBytes, double OverheadPercent, double BitsPerSymbol,
    double FloatIdealBytes, double QuantizationLossPercent, bool RoundTrip);

/// <summary>The synthetic static-table benchmark: 16 discretized Laplace/geometric tables of 256 symbols, cycled.</summary>
internal static class CoderBench
{
    public static CoderBenchResult Run(int n, int seed)
    {
        const int tablesCount = 16, alphabet = 256, precision = FrequencyTable.DefaultPrecision;
        var pmfs = new double[tablesCount][];
        var tables = new FrequencyTable[tablesCount];
        for (int t = 0; t < tablesCount; t++)
        {
            // Scales from 0.2 (one dominant symbol) to 20 (nearly flat over the centre): skewed tables like a prior's.
            double scale = 0.2 * Math.Pow(100, t / (double)(tablesCount - 1));
            var p = new double[alphabet];
            for (int k = 0; k < alphabet; k++) p[k] = Math.Exp(-Math.Abs(k - alphabet / 2) / scale);
            double s = p.Sum();
            for (int k = 0; k < alphabet; k++) p[k] /= s;
            pmfs[t] = p;
            tables[t] = FrequencyTable.FromProbabilities(p, precision);
        }
        var cdfs = pmfs.Select(p => { var c = new double[p.Length]; double a = 0; for (int k = 0; k < p.Length; k++) c[k] = a += p[k]; return c; }).ToArray();
        var rng = new Random(seed);
        var symbols = new int[n];
        double ideal = 0, floatIdeal = 0;
        for (int i = 0; i < n; i++)
        {
            int t = i % tablesCount;
            int k = Array.BinarySearch(cdfs[t], rng.NextDouble());
            if (k < 0) k = ~k;
            k = Math.Min(k, alphabet - 1);
            symbols[i] = k;
            ideal += tables[t].CodeLength(k);
            floatIdeal -= Math.Log2(pmfs[t][k]);
        }
        var index = Enumerable.Range(0, tablesCount).ToArray();
        var enc = new RansEncoder();
        byte[] block = [];
        double encodeBest = double.MaxValue, decodeBest = double.MaxValue;
        var decoded = new int[n];
        const int reps = 3;
        for (int rep = 0; rep < reps; rep++)
        {
            var sw = Stopwatch.StartNew();
            enc.EncodeStatic(symbols, tables, index);
            block = enc.Finish();
            encodeBest = Math.Min(encodeBest, sw.Elapsed.TotalSeconds);
        }
        for (int rep = 0; rep < reps; rep++)
        {
            var sw = Stopwatch.StartNew();
            var dec = new RansDecoder(block, "benchmark stream");
            dec.DecodeStatic(decoded, tables, index);
            dec.Finish();
            decodeBest = Math.Min(decodeBest, sw.Elapsed.TotalSeconds);
        }
        bool ok = decoded.AsSpan().SequenceEqual(symbols);
        if (!ok) throw new InvalidOperationException("the coder did not round-trip the benchmark stream");
        double idealBytes = ideal / 8;
        return new CoderBenchResult(SimdPath.Name, n, tablesCount, alphabet, precision, RansCoder.Streams,
            n / encodeBest, n / decodeBest, block.Length, idealBytes, 100 * (block.Length / idealBytes - 1), 8.0 * block.Length / n,
            floatIdeal / 8, 100 * (ideal / floatIdeal - 1), ok);
    }
}
