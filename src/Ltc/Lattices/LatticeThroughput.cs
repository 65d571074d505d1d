using System.Diagnostics;
using MathNet.Numerics.Distributions;

namespace Ltc.Lattices;

/// <summary>
/// Measures closest-point throughput: <see cref="Lattice.ClosestPoints(ReadOnlySpan{double}, Span{double}, int)"/> on a
/// fixed batch of standard Gaussian points (seed 12345), repeated for a minimum time (<c>ltc lattice bench</c>).
/// </summary>
public sealed class LatticeThroughput
{
    private readonly Lattice _lattice;
    private readonly double[] _x, _y;

    /// <summary>Prepares a batch of <paramref name="points"/> Gaussian points for <paramref name="lattice"/> and decodes a few once (warm-up).</summary>
    /// <param name="lattice">The lattice, at the scale to measure (<c>ltc lattice bench</c> uses unit volume).</param>
    /// <param name="points">Points per batch, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="points"/> is less than 1.</exception>
    public LatticeThroughput(Lattice lattice, int points)
    {
        ArgumentNullException.ThrowIfNull(lattice);
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        _lattice = lattice;
        int n = lattice.Dimension;
        _x = new double[checked(points * n)];
        Normal.Samples(new Random(12345), _x, 0, 1);
        _y = new double[_x.Length];
        _y.AsSpan().Fill(1); // fault the output pages in now, not inside the first timed batch
        int warm = Math.Min(_x.Length, 256 * n);
        lattice.ClosestPoints(_x.AsSpan(0, warm), _y.AsSpan(0, warm), 1);
        Points = points;
    }

    /// <summary>Points per batch.</summary>
    public int Points { get; }

    /// <summary>
    /// Decodes the batch on <paramref name="threads"/> threads until at least <paramref name="minSeconds"/> have passed
    /// (at least once) and returns the points decoded per second.
    /// </summary>
    public double PointsPerSecond(int threads, double minSeconds)
    {
        long done = 0;
        var sw = Stopwatch.StartNew();
        do
        {
            _lattice.ClosestPoints(_x, _y, threads);
            done += Points;
        } while (sw.Elapsed.TotalSeconds < minSeconds);
        return done / sw.Elapsed.TotalSeconds;
    }
}
