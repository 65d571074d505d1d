using BenchmarkDotNet.Attributes;
using Ltc.Lattices;

namespace Ltc.Bench;

/// <summary>
/// Single-thread closest-point throughput on pre-generated Gaussian points (unit-volume lattices, unit variance).
/// Each invocation decodes <see cref="Points"/> vectors, so BenchmarkDotNet's "Op" is one point: points/s = 1/mean.
/// </summary>
[MemoryDiagnoser]
public class LatticeBenchmarks
{
    private const int Points = 1 << 16;
    private Lattice _lattice = null!;
    private double[] _x = [];
    private double[] _y = [];

    /// <summary>The lattice under test.</summary>
    [Params("Z8", "A2", "D4*", "E8", "E8^3")]
    public string Name { get; set; } = "E8";

    /// <summary>Draws the points once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _lattice = LatticeCatalog.Parse(Name).WithUnitVolume();
        int n = _lattice.Dimension;
        var rng = new Random(1);
        _x = new double[Points * n];
        for (int i = 0; i < _x.Length; i++)
            _x[i] = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        _y = new double[_x.Length];
    }

    /// <summary>Per-vector closest point over the whole buffer.</summary>
    [Benchmark(OperationsPerInvoke = Points)]
    public void ClosestPoint()
    {
        var l = _lattice;
        int n = l.Dimension;
        var x = _x.AsSpan();
        var y = _y.AsSpan();
        for (int o = 0; o < x.Length; o += n) l.ClosestPoint(x.Slice(o, n), y.Slice(o, n));
    }
}
