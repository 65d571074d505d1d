using BenchmarkDotNet.Attributes;
using Ltc.Coding;

namespace Ltc.Bench;

/// <summary>
/// rANS encode and decode of 1M symbols under 16 cycled static tables of 256 symbols (discretized Laplace, scales
/// 0.2 to 20), the same stream shape as <c>ltc bench coder</c>. Run with --filter '*Coder*'.
/// </summary>
[MemoryDiagnoser]
public class CoderBenchmarks
{
    private const int N = 1_000_000;
    private FrequencyTable[] _tables = [];
    private int[] _index = [];
    private int[] _symbols = [];
    private int[] _decoded = [];
    private byte[] _block = [];
    private readonly RansEncoder _encoder = new();

    [GlobalSetup]
    public void Setup()
    {
        const int alphabet = 256;
        _tables = new FrequencyTable[16];
        var cdfs = new double[16][];
        for (int t = 0; t < 16; t++)
        {
            double scale = 0.2 * Math.Pow(100, t / 15.0);
            var p = Enumerable.Range(0, alphabet).Select(k => Math.Exp(-Math.Abs(k - alphabet / 2) / scale)).ToArray();
            double s = p.Sum();
            double a = 0;
            cdfs[t] = p.Select(v => a += v / s).ToArray();
            _tables[t] = FrequencyTable.FromProbabilities(p);
        }
        _index = Enumerable.Range(0, 16).ToArray();
        var rng = new Random(1);
        _symbols = new int[N];
        for (int i = 0; i < N; i++)
        {
            int k = Array.BinarySearch(cdfs[i % 16], rng.NextDouble());
            _symbols[i] = Math.Min(k < 0 ? ~k : k, alphabet - 1);
        }
        _decoded = new int[N];
        _encoder.EncodeStatic(_symbols, _tables, _index);
        _block = _encoder.Finish();
    }

    /// <summary>Encodes the stream (records, then the backward rANS pass).</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public int Encode()
    {
        _encoder.EncodeStatic(_symbols, _tables, _index);
        return _encoder.Finish().Length;
    }

    /// <summary>Decodes the stream with the unrolled static-table loop.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public int Decode()
    {
        var dec = new RansDecoder(_block);
        dec.DecodeStatic(_decoded, _tables, _index);
        dec.Finish();
        return _decoded[N - 1];
    }
}
