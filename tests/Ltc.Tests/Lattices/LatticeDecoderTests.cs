using Ltc.Lattices;
using static Ltc.Tests.Lattices.LatticeTestSupport;

namespace Ltc.Tests.Lattices;

public class LatticeDecoderTests
{
    private static int PointsPerKind => TestPaths.Heavy ? 35_000 : 700;

    [Theory]
    [MemberData(nameof(LatticeTestSupport.NameData), MemberType = typeof(LatticeTestSupport))]
    public void FastDecoderAgreesWithSphereDecoder(string name)
    {
        var lattice = LatticeCatalog.Parse(name);
        int n = lattice.Dimension;
        var reference = new SphereDecoder(lattice);
        var inverse = lattice.GeneratorMatrix().Inverse();
        double unit = Math.Pow(lattice.Volume, 1.0 / n);
        double minNorm = reference.MinimumNorm();
        var rng = new Random(name.Sum(c => c * 31));
        var x = new double[n];
        var fast = new double[n];
        var slow = new double[n];
        var lp = new double[n];
        var k = new long[n];
        // Short vectors v give points p + v/2 on (or near) a Voronoi boundary between p and p + v.
        var shortVectors = reference.ShortVectors(2.01 * minNorm, 4000);
        Assert.NotEmpty(shortVectors);
        int total = PointsPerKind * 3;
        for (int t = 0; t < total; t++)
        {
            int kind = t % 3;
            if (kind == 0)
            {
                double scale = unit * (t % 4) switch { 0 => 0.3, 1 => 1, 2 => 3, _ => 30 };
                for (int i = 0; i < n; i++) x[i] = scale * Gaussian(rng);
            }
            else if (kind == 1)
            {
                for (int i = 0; i < n; i++) k[i] = rng.Next(-20, 21);
                lattice.PointFromCoordinates(k, lp);
                var v = shortVectors[rng.Next(shortVectors.Count)];
                double noise = (t % 2 == 0 ? 0 : 1e-7) * unit;
                for (int i = 0; i < n; i++) x[i] = lp[i] + 0.5 * v[i] + noise * Gaussian(rng);
            }
            else
            {
                double norm = 0;
                for (int i = 0; i < n; i++) { x[i] = Gaussian(rng); norm += x[i] * x[i]; }
                double s = 1e4 * unit / Math.Sqrt(norm);
                for (int i = 0; i < n; i++) x[i] *= s;
            }
            lattice.ClosestPoint(x, fast);
            double dRef = reference.ClosestPoint(x, slow);
            double dFast = SquaredDistance(x, fast);
            double tol = 1e-9 * (dRef + minNorm);
            if (Math.Abs(dFast - dRef) > tol)
                Assert.Fail($"{name}: point {t} (kind {kind}) at distance² {dFast:R}, sphere decoder {dRef:R}; x = [{string.Join(", ", x)}]");
            double err = IntegralityError(lattice, fast, inverse);
            if (err > 1e-6) Assert.Fail($"{name}: decoded point {t} is not a lattice point (coordinate off by {err})");
        }
    }

    [Theory]
    [MemberData(nameof(LatticeTestSupport.NameData), MemberType = typeof(LatticeTestSupport))]
    public void CoordinatesRoundTripAndLatticePointsDecodeToThemselves(string name)
    {
        var lattice = LatticeCatalog.Parse(name);
        int n = lattice.Dimension;
        var rng = new Random(7);
        var k = new long[n];
        var k2 = new long[n];
        var p = new double[n];
        var q = new double[n];
        for (int t = 0; t < 200; t++)
        {
            for (int i = 0; i < n; i++) k[i] = rng.Next(-1000, 1001);
            lattice.PointFromCoordinates(k, p);
            lattice.Coordinates(p, k2);
            Assert.Equal(k, k2);
            lattice.ClosestPoint(p, q);
            Assert.True(SquaredDistance(p, q) < 1e-18 * (1 + p.Sum(v => v * v)), $"{name}: a lattice point did not decode to itself");
        }
    }

    [Theory]
    [MemberData(nameof(LatticeTestSupport.NameData), MemberType = typeof(LatticeTestSupport))]
    public void MinimumNormMatchesEnumeration(string name)
    {
        var lattice = LatticeCatalog.Parse(name);
        double enumerated = new SphereDecoder(lattice).MinimumNorm();
        Assert.Equal(enumerated, lattice.MinimumNorm, 1e-9 * enumerated);
        Assert.Equal(enumerated * 9, lattice.Scaled(3).MinimumNorm, 1e-8 * enumerated);
    }

    [Fact]
    public void VolumesAreTheKnownDeterminants()
    {
        // Volume = √det with det from SPLAG ch. 4 at the standard scales.
        var expected = new (string Name, double Volume)[]
        {
            ("Z5", 1), ("A2", Math.Sqrt(3)), ("A4", Math.Sqrt(5)), ("A8", 3), ("A3*", 0.5), ("A6*", 1 / Math.Sqrt(7)),
            ("D3", 2), ("D8", 2), ("D4*", 0.5), ("D7*", 0.5), ("E6", Math.Sqrt(3)), ("E6*", 1 / Math.Sqrt(3)),
            ("E7", Math.Sqrt(2)), ("E7*", 1 / Math.Sqrt(2)), ("E8", 1), ("E8^3", 1), ("A2+Z1", Math.Sqrt(3)),
            ("D4*^2", 0.25),
        };
        foreach (var (name, volume) in expected)
        {
            var l = LatticeCatalog.Parse(name);
            Assert.True(Math.Abs(l.Volume - volume) < 1e-12 * volume, $"{name}: volume {l.Volume}, expected {volume}");
            var u = l.WithUnitVolume();
            Assert.Equal(1, u.Volume, 1e-12);
            Assert.Equal(l.PublishedNsm, u.PublishedNsm);
        }
    }

    [Fact]
    public void KissingNumbersOfTheRootLatticesAreRight()
    {
        // SPLAG Table 1.2 / ch. 4: a check of the generators that is independent of the decoders.
        foreach (var (name, kissing) in new[] { ("A2", 6), ("A3", 12), ("A3*", 8), ("D4", 24), ("D5", 40), ("E6", 72), ("E6*", 54), ("E7", 126), ("E7*", 56), ("E8", 240) })
        {
            var l = LatticeCatalog.Parse(name);
            var sd = new SphereDecoder(l);
            Assert.Equal(kissing, sd.ShortVectors(l.MinimumNorm * (1 + 1e-9)).Count);
        }
    }

    [Fact]
    public void DirectSumsDecodeBlockwise()
    {
        var e8 = new E8Lattice();
        var a2 = new HexagonalLattice();
        var z1 = new IntegerLattice(1);
        var e83 = LatticeCatalog.Parse("E8^3");
        var sum = LatticeCatalog.Parse("A2+Z1+E8");
        Assert.Equal(24, e83.Dimension);
        Assert.Equal(11, sum.Dimension);
        Assert.Equal("A2+Z1+E8", sum.Name);
        Assert.Equal(e8.PublishedNsm, e83.PublishedNsm);
        var rng = new Random(3);
        var x = new double[24];
        var y = new double[24];
        var part = new double[8];
        for (int t = 0; t < 500; t++)
        {
            for (int i = 0; i < 24; i++) x[i] = 2 * Gaussian(rng);
            e83.ClosestPoint(x, y);
            for (int b = 0; b < 3; b++)
            {
                e8.ClosestPoint(x.AsSpan(8 * b, 8), part);
                Assert.Equal(part, y.AsSpan(8 * b, 8).ToArray());
            }
            var xs = x.AsSpan(0, 11);
            var ys = y.AsSpan(0, 11);
            sum.ClosestPoint(xs, ys);
            a2.ClosestPoint(xs[..2], part.AsSpan(0, 2));
            Assert.Equal(part.AsSpan(0, 2).ToArray(), ys[..2].ToArray());
            z1.ClosestPoint(xs.Slice(2, 1), part.AsSpan(0, 1));
            Assert.Equal(part[0], ys[2]);
            e8.ClosestPoint(xs.Slice(3, 8), part);
            Assert.Equal(part, ys.Slice(3, 8).ToArray());
        }
        // Generator is block diagonal.
        Assert.Equal(0, sum.GeneratorAt(0, 5));
        Assert.Equal(e8.GeneratorAt(7, 7), sum.GeneratorAt(10, 10));
    }

    [Theory]
    [InlineData("E8")]
    [InlineData("D4*")]
    [InlineData("A2")]
    [InlineData("E7*")]
    [InlineData("A5*")]
    [InlineData("E8^2")]
    public void BatchesMatchPerPointDecodes(string name)
    {
        var l = LatticeCatalog.Parse(name);
        int n = l.Dimension, count = 20_000;
        var rng = new Random(11);
        var xs = new double[count * n];
        for (int i = 0; i < xs.Length; i++) xs[i] = 3 * Gaussian(rng);
        var single = new double[xs.Length];
        var multi = new double[xs.Length];
        l.ClosestPoints(xs, single, threads: 1);
        l.ClosestPoints(xs, multi, threads: 4);
        Assert.Equal(single, multi);
        var y = new double[n];
        for (int p = 0; p < count; p += 97)
        {
            l.ClosestPoint(xs.AsSpan(p * n, n), y);
            Assert.Equal(y, single.AsSpan(p * n, n).ToArray());
        }
        var xf = xs.Select(v => (float)v).ToArray();
        var yf = new float[xf.Length];
        l.ClosestPoints(xf, yf, threads: 2);
        var xd = new double[n];
        for (int p = 0; p < count; p++)
        {
            for (int i = 0; i < n; i++) xd[i] = xf[p * n + i];
            l.ClosestPoint(xd, y);
            for (int i = 0; i < n; i++)
                if ((float)y[i] != yf[p * n + i]) Assert.Fail($"{name}: float batch differs at point {p}");
        }
    }
}
