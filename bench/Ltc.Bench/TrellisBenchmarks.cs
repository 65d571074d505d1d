using BenchmarkDotNet.Attributes;
using Ltc.RateDistortion;
using Ltc.Simd;
using Ltc.Trellis;

namespace Ltc.Bench;

/// <summary>
/// Viterbi throughput of the entropy-constrained trellis search (<see cref="TrellisQuantizer"/>) on unit-Gaussian
/// samples at about 2 bits/sample: <see cref="Samples"/> samples per operation in sequences of 4 096, so
/// samples/s = Samples / mean. Threads quantize independent sequences; <see cref="Simd"/> picks the AVX2 or the
/// scalar add–compare–select (both give the same path).
/// </summary>
public class TrellisBenchmarks
{
    /// <summary>Samples per benchmark operation.</summary>
    public const int Samples = 1 << 17;

    private TrellisQuantizer _q = null!;
    private double[] _x = [];
    private long[] _idx = [];

    [Params(8, 64, 256)]
    public int States { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [Params("avx2", "scalar")]
    public string Simd { get; set; } = "avx2";

    [GlobalSetup]
    public void Setup()
    {
        var density = ScalarDensity.Gaussian();
        var opts = new EctcqOptions(TrainingSamples: 20_000, TestSamples: 1000, MaxIterations: 5, Threads: 1);
        var (train, _) = Ectcq.Draw(density, opts);
        double step = Math.Pow(2, density.DifferentialEntropyBits - 2) / 2;
        _q = Ectcq.Design(TrellisCode.Create(States), train, step, opts.LambdaFactor * step * step, opts).Quantizer;
        var rng = new Random(11);
        _x = new double[Samples];
        for (int i = 0; i < _x.Length; i++) _x[i] = density.Sample(rng);
        _idx = new long[Samples];
    }

    [Benchmark(OperationsPerInvoke = Samples)]
    public double Viterbi() =>
        _q.QuantizeSequences(_x, _idx, 4096, Threads, Simd == "avx2" ? SimdWidth.Avx2 : SimdWidth.Scalar);
}
