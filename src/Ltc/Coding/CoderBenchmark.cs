using System.Diagnostics;
using Ltc.Simd;

namespace Ltc.Coding;

/// <summary>
/// The synthetic static-table stream on which the rANS coder is measured (<c>ltc bench coder</c> and the
/// BenchmarkDotNet suite): 16 discretized Laplace tables of 256 symbols, scales 0.2 (one dominant symbol) to 20 (nearly
/// flat over the centre), like a learned prior's, cycled symbol by symbol.
/// </summary>
public sealed class CoderWorkload
{
    /// <summary>Number of static tables.</summary>
    public const int TableCount = 16;

    /// <summary>Symbols per table.</summary>
    public const int Alphabet = 256;

    /// <summary>Draws <paramref name="count"/> symbols from the tables with <c>Random(seed)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    public CoderWorkload(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Pmfs = new double[TableCount][];
        Tables = new FrequencyTable[TableCount];
        var cdfs = new double[TableCount][];
        for (int t = 0; t < TableCount; t++)
        {
            double scale = 0.2 * Math.Pow(100, t / (double)(TableCount - 1));
            var p = new double[Alphabet];
            for (int k = 0; k < Alphabet; k++) p[k] = Math.Exp(-Math.Abs(k - Alphabet / 2) / scale);
            double s = p.Sum();
            for (int k = 0; k < Alphabet; k++) p[k] /= s;
            Pmfs[t] = p;
            Tables[t] = FrequencyTable.FromProbabilities(p, Precision);
            var c = new double[Alphabet];
            double a = 0;
            for (int k = 0; k < Alphabet; k++) c[k] = a += p[k];
            cdfs[t] = c;
        }
        var rng = new Random(seed);
        Symbols = new int[count];
        for (int i = 0; i < count; i++)
        {
            int t = i % TableCount;
            int k = Array.BinarySearch(cdfs[t], rng.NextDouble());
            if (k < 0) k = ~k;
            k = Math.Min(k, Alphabet - 1);
            Symbols[i] = k;
            IdealBits += Tables[t].CodeLength(k);
            FloatIdealBits -= Math.Log2(Pmfs[t][k]);
        }
        TableIndex = Enumerable.Range(0, TableCount).ToArray();
    }

    /// <summary>The tables' precision in bits (<see cref="FrequencyTable.DefaultPrecision"/>).</summary>
    public int Precision => FrequencyTable.DefaultPrecision;

    /// <summary>The float probabilities of each table.</summary>
    public double[][] Pmfs { get; }

    /// <summary>The integer tables the coder uses.</summary>
    public FrequencyTable[] Tables { get; }

    /// <summary>The table cycle: symbol i is coded with table <c>TableIndex[i % 16]</c>.</summary>
    public int[] TableIndex { get; }

    /// <summary>The symbols.</summary>
    public int[] Symbols { get; }

    /// <summary>Σ −log2 p of the symbols under the integer tables: the size an ideal coder would reach.</summary>
    public double IdealBits { get; }

    /// <summary>Σ −log2 p under the float probabilities.</summary>
    public double FloatIdealBits { get; }
}

/// <summary>What <see cref="CoderBenchmark.Run"/> measured (<c>ltc bench coder --json</c> prints it).</summary>
/// <param name="Path">The vector path name (the rANS loop itself is the same scalar code on every path).</param>
/// <param name="Symbols">Symbols in the stream.</param>
/// <param name="Tables">Static tables.</param>
/// <param name="Alphabet">Symbols per table.</param>
/// <param name="Precision">Table precision in bits.</param>
/// <param name="InterleavedStates">Interleaved rANS states.</param>
/// <param name="EncodeSymbolsPerSecond">Best of three encodes, symbols per second (one thread).</param>
/// <param name="DecodeSymbolsPerSecond">Best of three decodes, symbols per second (one thread).</param>
/// <param name="CodedBytes">Size of the coded block.</param>
/// <param name="IdealBytes">Σ −log2 p of the integer tables, in bytes.</param>
/// <param name="OverheadPercent">Coded size over the ideal, in percent.</param>
/// <param name="BitsPerSymbol">Coded bits per symbol.</param>
/// <param name="FloatIdealBytes">Σ −log2 p of the float PMFs, in bytes.</param>
/// <param name="QuantizationLossPercent">Integer-table ideal over the float ideal, in percent.</param>
/// <param name="RoundTrip">Whether decoding gave the symbols back (always true: a failure throws).</param>
public sealed record CoderBenchResult(
    string Path, int Symbols, int Tables, int Alphabet, int Precision, int InterleavedStates,
    double EncodeSymbolsPerSecond, double DecodeSymbolsPerSecond,
    long CodedBytes, double IdealBytes, double OverheadPercent, double BitsPerSymbol,
    double FloatIdealBytes, double QuantizationLossPercent, bool RoundTrip);

/// <summary>rANS encode and decode speed with static tables on <see cref="CoderWorkload"/>, and coded size against the ideal.</summary>
public static class CoderBenchmark
{
    /// <summary>Encodes and decodes <paramref name="symbols"/> symbols three times each and reports the best times.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="symbols"/> is less than 1.</exception>
    /// <exception cref="InvalidOperationException">The coder did not round-trip the stream (a bug).</exception>
    public static CoderBenchResult Run(int symbols, int seed)
    {
        var w = new CoderWorkload(symbols, seed);
        int n = symbols;
        var enc = new RansEncoder();
        byte[] block = [];
        double encodeBest = double.MaxValue, decodeBest = double.MaxValue;
        var decoded = new int[n];
        const int reps = 3;
        for (int rep = 0; rep < reps; rep++)
        {
            var sw = Stopwatch.StartNew();
            enc.EncodeStatic(w.Symbols, w.Tables, w.TableIndex);
            block = enc.Finish();
            encodeBest = Math.Min(encodeBest, sw.Elapsed.TotalSeconds);
        }
        for (int rep = 0; rep < reps; rep++)
        {
            var sw = Stopwatch.StartNew();
            var dec = new RansDecoder(block, "benchmark stream");
            dec.DecodeStatic(decoded, w.Tables, w.TableIndex);
            dec.Finish();
            decodeBest = Math.Min(decodeBest, sw.Elapsed.TotalSeconds);
        }
        bool ok = decoded.AsSpan().SequenceEqual(w.Symbols);
        if (!ok) throw new InvalidOperationException("the coder did not round-trip the benchmark stream");
        double idealBytes = w.IdealBits / 8;
        return new CoderBenchResult(SimdPath.Name, n, CoderWorkload.TableCount, CoderWorkload.Alphabet, w.Precision, RansCoder.Streams,
            n / encodeBest, n / decodeBest, block.Length, idealBytes, 100 * (block.Length / idealBytes - 1), 8.0 * block.Length / n,
            w.FloatIdealBits / 8, 100 * (w.IdealBits / w.FloatIdealBits - 1), ok);
    }
}
