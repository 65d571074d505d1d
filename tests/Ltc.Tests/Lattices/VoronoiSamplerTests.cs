using Ltc.Lattices;

namespace Ltc.Tests.Lattices;

public class VoronoiSamplerTests
{
    /// <summary>The hexagonal lattice A2 with an exhaustive decoder, so these tests do not depend on a fast one.</summary>
    internal static Lattice HexagonalA2 { get; } = new ExhaustiveLattice("A2 (exhaustive)", [1, 0, 0.5, Math.Sqrt(3) / 2], 2, 2);

    [Theory]
    [InlineData(CellSampling.MonteCarlo)]
    [InlineData(CellSampling.Antithetic)]
    [InlineData(CellSampling.ScrambledSobol)]
    public void SamplesOfZnHaveMeanZeroAndSecondMomentNOverTwelve(CellSampling sampling)
    {
        const int n = 3, count = 1 << 15;
        var u = new VoronoiSampler(new IntegerLattice(n), sampling, seed: 5).Sample(count);
        // Per coordinate u ~ U(−½, ½): variance 1/12; ‖u‖² has variance n(1/80 − 1/144) = n/180.
        double seMean = Math.Sqrt(1.0 / 12 / count), seNorm = Math.Sqrt(n / 180.0 / count);
        for (int j = 0; j < n; j++)
            Assert.InRange(Mean(u, n, i => u[i * n + j]), -4 * seMean, 4 * seMean);
        Assert.InRange(Mean(u, n, i => Norm2(u, n, i)), n / 12.0 - 4 * seNorm, n / 12.0 + 4 * seNorm);
    }

    [Theory]
    [InlineData(CellSampling.MonteCarlo)]
    [InlineData(CellSampling.Antithetic)]
    [InlineData(CellSampling.Sobol)]
    [InlineData(CellSampling.ScrambledSobol)]
    public void SamplesOfA2HaveTheAnalyticSecondMoment(CellSampling sampling)
    {
        // G(A2) = 5/(36√3) and V = √3/2 for this generator, so E‖u‖² = n·G·V^{2/n} = 5/36.
        const int count = 1 << 14;
        var u = new VoronoiSampler(HexagonalA2, sampling, seed: 11).Sample(count);
        var norms = Enumerable.Range(0, count).Select(i => Norm2(u, 2, i)).ToArray();
        double mean = norms.Average();
        double sd = Math.Sqrt(norms.Sum(v => (v - mean) * (v - mean)) / (count - 1));
        // For antithetic pairs the norms repeat, so only half the samples are independent.
        double se = sd / Math.Sqrt(sampling == CellSampling.Antithetic ? count / 2 : count);
        Assert.InRange(mean, 5.0 / 36 - 4 * se, 5.0 / 36 + 4 * se);
        for (int j = 0; j < 2; j++)
        {
            double m = Mean(u, 2, i => u[i * 2 + j]);
            Assert.InRange(m, -0.02, 0.02); // coordinates have sd ≈ 0.26: 0.02 is > 6 SE at 2^14 samples
        }
    }

    [Theory]
    [InlineData(CellSampling.MonteCarlo)]
    [InlineData(CellSampling.Antithetic)]
    [InlineData(CellSampling.ScrambledSobol)]
    public void EverySampleIsInTheVoronoiCellOfZero(CellSampling sampling)
    {
        var lattice = HexagonalA2.Scaled(1.7);
        var u = new VoronoiSampler(lattice, sampling, seed: 2).Sample(4096);
        var q = new double[2];
        for (int i = 0; i < 4096; i++)
        {
            lattice.ClosestPoint(u.AsSpan(i * 2, 2), q);
            Assert.True(q[0] == 0 && q[1] == 0, $"sample {i} ({u[2 * i]}, {u[2 * i + 1]}) decodes to ({q[0]}, {q[1]})");
        }
    }

    [Fact]
    public void AntitheticSamplesComeInPairs()
    {
        var u = new VoronoiSampler(new IntegerLattice(4), CellSampling.Antithetic, seed: 1).Sample(100);
        for (int i = 0; i < 100; i += 2)
            for (int j = 0; j < 4; j++)
                Assert.Equal(-u[i * 4 + j], u[(i + 1) * 4 + j]);
    }

    [Theory]
    [InlineData(CellSampling.Sobol)]
    [InlineData(CellSampling.ScrambledSobol)]
    public void SobolSamplesOfZnIntegrateAtTheQuasiMonteCarloRate(CellSampling sampling)
    {
        // Each coordinate of 2^m Sobol points is a (0, m, 1)-net, of star discrepancy ≤ 2^-m. By Koksma–Hlawka the
        // error of the mean of f(r) = (r − round(r))² (variation 1/2) is ≤ 2^-m/2, and of f(r) = r − round(r)
        // (variation 2) is ≤ 2·2^-m; a Monte Carlo mean would be off by ~0.0012 and ~0.0045 (1 SE).
        const int n = 4, m = 12, count = 1 << m;
        var u = new VoronoiSampler(new IntegerLattice(n), sampling, seed: 9).Sample(count);
        double h = 1.0 / count;
        for (int j = 0; j < n; j++)
        {
            Assert.InRange(Mean(u, n, i => u[i * n + j] * u[i * n + j]), 1.0 / 12 - h / 2, 1.0 / 12 + h / 2);
            Assert.InRange(Mean(u, n, i => u[i * n + j]), -2 * h, 2 * h);
        }
    }

    [Fact]
    public void UnscrambledSobolStartsAtTheOriginAndIgnoresTheSeed()
    {
        var a = new VoronoiSampler(HexagonalA2, CellSampling.Sobol, seed: 1).Sample(64);
        var b = new VoronoiSampler(HexagonalA2, CellSampling.Sobol, seed: 2).Sample(64);
        Assert.Equal(a, b);
        Assert.Equal(0, a[0]);
        Assert.Equal(0, a[1]);
    }

    [Theory]
    [InlineData(CellSampling.MonteCarlo)]
    [InlineData(CellSampling.ScrambledSobol)]
    public void SamplesAreDeterministicFromTheSeed(CellSampling sampling)
    {
        var l = new IntegerLattice(5);
        Assert.Equal(new VoronoiSampler(l, sampling, 3).Sample(50), new VoronoiSampler(l, sampling, 3).Sample(50));
        Assert.NotEqual(new VoronoiSampler(l, sampling, 3).Sample(50), new VoronoiSampler(l, sampling, 4).Sample(50));
    }

    [Fact]
    public void SeekSobolContinuesTheSameSequence()
    {
        var l = new IntegerLattice(6);
        var all = new VoronoiSampler(l, CellSampling.ScrambledSobol, 8).Sample(300);
        var s = new VoronoiSampler(l, CellSampling.ScrambledSobol, 8);
        s.SeekSobol(100);
        Assert.Equal(all.AsSpan(600).ToArray(), s.Sample(200));
        Assert.Equal(300, s.SobolIndex);
        Assert.Null(new VoronoiSampler(l).SobolIndex);
    }

    [Fact]
    public void SobolSamplingRejectsLatticesBeyondTheTable()
    {
        var e = Assert.Throws<LtcException>(() => new VoronoiSampler(new IntegerLattice(2000), CellSampling.Sobol));
        Assert.DoesNotContain('\n', e.Message);
    }

    private static double Mean(double[] u, int n, Func<int, double> f)
    {
        int count = u.Length / n;
        double s = 0;
        for (int i = 0; i < count; i++) s += f(i);
        return s / count;
    }

    private static double Norm2(double[] u, int n, int i)
    {
        double s = 0;
        for (int j = 0; j < n; j++) s += u[i * n + j] * u[i * n + j];
        return s;
    }
}

/// <summary>
/// A lattice decoded by trying every coefficient vector within ±<c>radius</c> of the rounded coordinates: exact
/// for reduced bases of small lattices, and slow; a reference for tests only.
/// </summary>
internal sealed class ExhaustiveLattice(string name, double[] generator, int dimension, int radius) : Lattice(name, generator, dimension)
{
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y)
    {
        int n = Dimension;
        Span<double> c = stackalloc double[n];
        var inv = InverseGenerator;
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int i = 0; i < n; i++) s += x[i] * inv[i * n + j];
            c[j] = Math.Round(s);
        }
        Span<long> k = stackalloc long[n];
        Span<double> p = stackalloc double[n];
        double best = double.PositiveInfinity;
        int side = 2 * radius + 1;
        int total = 1;
        for (int j = 0; j < n; j++) total *= side;
        for (int t = 0; t < total; t++)
        {
            int rest = t;
            for (int j = 0; j < n; j++) { k[j] = (long)c[j] + rest % side - radius; rest /= side; }
            PointFromCoordinates(k, p);
            double d = 0;
            for (int j = 0; j < n; j++) d += (x[j] - p[j]) * (x[j] - p[j]);
            if (d < best) { best = d; p.CopyTo(y); }
        }
    }
}
