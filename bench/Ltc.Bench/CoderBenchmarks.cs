using BenchmarkDotNet.Attributes;
using Ltc.Coding;

namespace Ltc.Bench;

/// <summary>
/// rANS encode and decode of 1M symbols of <see cref="CoderWorkload"/> (16 cycled static tables of 256 symbols), the
/// same stream as <c>ltc bench coder</c>. Run with --filter '*Coder*'.
/// </summary>
[MemoryDiagnoser]
public class CoderBenchmarks
{
    private const int N = 1_000_000;
    private CoderWorkload _w = null!;
    private int[] _decoded = [];
    private byte[] _block = [];
    private readonly RansEncoder _encoder = new();

    [GlobalSetup]
    public void Setup()
    {
        _w = new CoderWorkload(N, seed: 1);
        _decoded = new int[N];
        _encoder.EncodeStatic(_w.Symbols, _w.Tables, _w.TableIndex);
        _block = _encoder.Finish();
    }

    /// <summary>Encodes the stream (records, then the backward rANS pass).</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public int Encode()
    {
        _encoder.EncodeStatic(_w.Symbols, _w.Tables, _w.TableIndex);
        return _encoder.Finish().Length;
    }

    /// <summary>Decodes the stream with the unrolled static-table loop.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public int Decode()
    {
        var dec = new RansDecoder(_block);
        dec.DecodeStatic(_decoded, _w.Tables, _w.TableIndex);
        dec.Finish();
        return _decoded[N - 1];
    }
}
