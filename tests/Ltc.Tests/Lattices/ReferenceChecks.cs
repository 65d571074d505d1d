using Ltc.Lattices;

namespace Ltc.Tests.Lattices;

/// <summary>Shared checks of a fast decoder against a reference, and test point sets.</summary>
internal static class ReferenceChecks
{
    public delegate double Reference(ReadOnlySpan<double> x, Span<double> y);

    /// <summary>True when y is a lattice point: its rounded coordinates reproduce it.</summary>
    public static bool IsMember(Lattice lattice, ReadOnlySpan<double> y)
    {
        int n = lattice.Dimension;
        Span<long> k = stackalloc long[n];
        Span<double> back = stackalloc double[n];
        lattice.Coordinates(y, k);
        lattice.PointFromCoordinates(k, back);
        double norm = 0;
        for (int i = 0; i < n; i++) norm = Math.Max(norm, Math.Abs(y[i]));
        for (int i = 0; i < n; i++)
            if (Math.Abs(back[i] - y[i]) > 1e-9 * (1 + norm)) return false;
        return true;
    }

    /// <summary>Asserts the decoder's distance equals the reference's (ties may pick either point).</summary>
    public static void AgreesWithReference(Lattice lattice, Reference reference, IEnumerable<double[]> points)
    {
        int n = lattice.Dimension;
        var y = new double[n];
        var yr = new double[n];
        int count = 0;
        foreach (var x in points)
        {
            lattice.ClosestPoint(x, y);
            double dr = reference(x, yr);
            double d = 0;
            for (int i = 0; i < n; i++) d += (x[i] - y[i]) * (x[i] - y[i]);
            Assert.True(Math.Abs(d - dr) <= 1e-9 * Math.Max(1, dr),
                $"point {count}: fast distance² {d:R}, reference {dr:R}; x = [{string.Join(", ", x)}]");
            Assert.True(IsMember(lattice, y), $"point {count}: output is not a lattice point: [{string.Join(", ", y)}]");
            count++;
        }
        Assert.True(count > 0);
    }

    public static IEnumerable<double[]> Gaussian(int n, double sigma, int count, int seed)
    {
        var rng = new Random(seed);
        for (int c = 0; c < count; c++)
        {
            var x = new double[n];
            for (int i = 0; i < n; i++) x[i] = sigma * Normal(rng);
            yield return x;
        }
    }

    /// <summary>Midpoints between a random lattice point and a minimal-vector neighbour, plus 1e-6 noise.</summary>
    public static IEnumerable<double[]> NearBoundary(Lattice lattice, IReadOnlyList<double[]> minimal, int count, int seed)
    {
        int n = lattice.Dimension;
        var rng = new Random(seed);
        var k = new long[n];
        var p = new double[n];
        for (int c = 0; c < count; c++)
        {
            for (int i = 0; i < n; i++) k[i] = rng.Next(-3, 4);
            lattice.PointFromCoordinates(k, p);
            var v = minimal[rng.Next(minimal.Count)];
            var x = new double[n];
            for (int i = 0; i < n; i++) x[i] = p[i] + 0.5 * v[i] + 1e-6 * Normal(rng);
            yield return x;
        }
    }

    /// <summary>Gaussian directions scaled to norm about 1e4.</summary>
    public static IEnumerable<double[]> Far(int n, int count, int seed)
    {
        var rng = new Random(seed);
        for (int c = 0; c < count; c++)
        {
            var x = new double[n];
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                x[i] = Normal(rng);
                s += x[i] * x[i];
            }
            double f = 1e4 / Math.Sqrt(s);
            for (int i = 0; i < n; i++) x[i] *= f;
            yield return x;
        }
    }

    /// <summary>Monte Carlo NSM estimate and its standard error from Voronoi-cell samples.</summary>
    public static (double G, double Se) Nsm(Lattice lattice, int samples, int seed)
    {
        int n = lattice.Dimension;
        var sampler = new VoronoiSampler(lattice, CellSampling.MonteCarlo, seed);
        var u = new double[n * 4096];
        double sum = 0, sum2 = 0;
        int done = 0;
        while (done < samples)
        {
            int m = Math.Min(4096, samples - done);
            var block = u.AsSpan(0, m * n);
            sampler.Sample(block);
            for (int s = 0; s < m; s++)
            {
                double q = 0;
                for (int i = 0; i < n; i++) q += block[s * n + i] * block[s * n + i];
                sum += q;
                sum2 += q * q;
            }
            done += m;
        }
        double mean = sum / samples;
        double var = (sum2 / samples - mean * mean) * samples / (samples - 1);
        double scale = n * Math.Pow(lattice.Volume, 2.0 / n);
        return (mean / scale, Math.Sqrt(var / samples) / scale);
    }

    public static double Normal(Random rng)
    {
        double u1 = 1 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
