using BenchmarkDotNet.Attributes;
using Ltc.Lattices;

namespace Ltc.Bench;

/// <summary>
/// Single-thread closest-point throughput of the Barnes–Wall Λ16 and Leech Λ24 decoders on i.i.d. Gaussian inputs
/// at about one lattice point per unit of σⁿ (σ = V^{1/n}), where most candidates are live. Each operation decodes
/// <see cref="Points"/> vectors, so points/s = Points / mean.
/// </summary>
[MemoryDiagnoser]
public class LeechBenchmarks
{
    /// <summary>Vectors per benchmark operation.</summary>
    public const int Points = 4096;

    private readonly BarnesWall16 _bw = new();
    private readonly LeechLattice _leech = new();
    private double[] _x16 = [];
    private double[] _y16 = [];
    private double[] _x24 = [];
    private double[] _y24 = [];
    private double[] _x24u = [];
    private readonly Lattice _unitLeech = new LeechLattice().WithUnitVolume();

    [GlobalSetup]
    public void Setup()
    {
        _x16 = Gaussian(16, Math.Pow(_bw.Volume, 1.0 / 16), 1);
        _y16 = new double[_x16.Length];
        _x24 = Gaussian(24, Math.Pow(_leech.Volume, 1.0 / 24), 2);
        _y24 = new double[_x24.Length];
        _x24u = _x24.Select(v => v / Math.Sqrt(8)).ToArray();
    }

    [Benchmark(OperationsPerInvoke = Points)]
    public void BarnesWall16ClosestPoint()
    {
        for (int o = 0; o < _x16.Length; o += 16) _bw.ClosestPoint(_x16.AsSpan(o, 16), _y16.AsSpan(o, 16));
    }

    [Benchmark(OperationsPerInvoke = Points)]
    public void LeechClosestPoint()
    {
        for (int o = 0; o < _x24.Length; o += 24) _leech.ClosestPoint(_x24.AsSpan(o, 24), _y24.AsSpan(o, 24));
    }

    /// <summary>The unit-volume Λ24 as LTC uses it (a <see cref="ScaledLattice"/>) through the batch API.</summary>
    [Benchmark(OperationsPerInvoke = Points)]
    public void LeechUnitVolumeBatch() => _unitLeech.ClosestPoints(_x24u, _y24, threads: 1);

    private static double[] Gaussian(int n, double sigma, int seed)
    {
        var rng = new Random(seed);
        var x = new double[Points * n];
        for (int i = 0; i < x.Length; i++)
            x[i] = sigma * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        return x;
    }
}
