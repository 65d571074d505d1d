using Ltc.Lattices;

namespace Ltc.Tests.Lattices;

public class BarnesWallTests
{
    private static readonly BarnesWall16 Bw = new();

    private static bool InDefinition(ReadOnlySpan<double> z)
    {
        var words = ReferenceDecoders.ReedMullerWords();
        long sum = 0;
        var bits = new int[16];
        for (int i = 0; i < 16; i++)
        {
            if (z[i] != Math.Round(z[i])) return false;
            long v = (long)z[i];
            sum += v;
            bits[i] = (int)(v & 1);
        }
        return (sum & 3) == 0 && words.Any(w => w.SequenceEqual(bits));
    }

    internal static List<double[]> MinimalVectors()
    {
        var list = new List<double[]>();
        for (int i = 0; i < 16; i++)
            for (int j = i + 1; j < 16; j++)
                for (int s = 0; s < 4; s++)
                {
                    var v = new double[16];
                    v[i] = (s & 1) == 0 ? 2 : -2;
                    v[j] = (s & 2) == 0 ? 2 : -2;
                    if (ReferenceChecks.IsMember(Bw, v)) list.Add(v);
                }
        foreach (var w in ReferenceDecoders.ReedMullerWords().Where(w => w.Sum() == 8))
        {
            var support = Enumerable.Range(0, 16).Where(i => w[i] == 1).ToArray();
            for (int signs = 0; signs < 256; signs++)
            {
                var v = new double[16];
                for (int t = 0; t < 8; t++) v[support[t]] = ((signs >> t) & 1) == 0 ? 1 : -1;
                if (ReferenceChecks.IsMember(Bw, v)) list.Add(v);
            }
        }
        return list;
    }

    [Fact]
    public void ReedMullerCodeHas32WordsOfWeight0_8_16()
    {
        var words = ReedMuller.Codewords.Select(c => (int)c).ToHashSet();
        Assert.Equal(32, words.Count);
        Assert.All(words, w => Assert.Contains(System.Numerics.BitOperations.PopCount((uint)w), new[] { 0, 8, 16 }));
        foreach (int a in words) foreach (int b in words) Assert.Contains(a ^ b, words);
    }

    [Fact]
    public void GeneratorSpansTheDefinedLattice()
    {
        Assert.Equal(4096, Bw.Volume, 6);
        for (int i = 0; i < 16; i++) Assert.True(InDefinition(Bw.Generator.Slice(i * 16, 16)), $"basis row {i}");
        Assert.Equal(1.0, Bw.WithUnitVolume().Volume, 9);
        Assert.Equal(0.068297622, Bw.PublishedNsm);
        Assert.IsType<BarnesWall16>(LatticeCatalog.Parse("BW16"));
    }

    [Fact]
    public void KissingNumberIs4320AndMinimalVectorsAreRelevant()
    {
        var min = MinimalVectors();
        Assert.Equal(4320, min.Count);
        var y = new double[16];
        var x = new double[16];
        foreach (var v in min)
        {
            for (int i = 0; i < 16; i++) x[i] = 0.49 * v[i];
            Bw.ClosestPoint(x, y);
            Assert.All(y, c => Assert.Equal(0.0, c));
            // Past the midpoint the decoder must leave 0 for a point at least as close as v.
            for (int i = 0; i < 16; i++) x[i] = 0.51 * v[i];
            Bw.ClosestPoint(x, y);
            double d = 0;
            for (int i = 0; i < 16; i++) d += (x[i] - y[i]) * (x[i] - y[i]);
            Assert.True(d <= 0.49 * 0.49 * 8 + 1e-12);
        }
        // No shorter nonzero vector: small random inputs decode to norms 0 or ≥ 8.
        foreach (var p in ReferenceChecks.Gaussian(16, 1.5, 2000, 5))
        {
            Bw.ClosestPoint(p, y);
            double nn = y.Sum(c => c * c);
            Assert.True(nn == 0 || nn >= 8);
        }
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(8.0)]
    public void MatchesReferenceOnGaussianPoints(double sigma)
    {
        int count = TestPaths.Heavy ? 20000 : 2000;
        ReferenceChecks.AgreesWithReference(Bw, ReferenceDecoders.BarnesWall, ReferenceChecks.Gaussian(16, sigma, count, 11));
    }

    [Fact]
    public void MatchesReferenceNearVoronoiBoundariesAndFarAway()
    {
        int count = TestPaths.Heavy ? 20000 : 2000;
        var min = MinimalVectors();
        ReferenceChecks.AgreesWithReference(Bw, ReferenceDecoders.BarnesWall, ReferenceChecks.NearBoundary(Bw, min, count, 12));
        ReferenceChecks.AgreesWithReference(Bw, ReferenceDecoders.BarnesWall, ReferenceChecks.Far(16, count / 4, 13));
        // Exact half-integers and integers: ties everywhere.
        var rng = new Random(14);
        var pts = Enumerable.Range(0, count / 4).Select(_ => Enumerable.Range(0, 16).Select(_ => rng.Next(-8, 9) * 0.5).ToArray());
        ReferenceChecks.AgreesWithReference(Bw, ReferenceDecoders.BarnesWall, pts);
    }

    [Fact]
    public void MatchesSphereDecoderAndItsShortVectorCount()
    {
        var sd = new SphereDecoder(Bw);
        Assert.Equal(8, sd.MinimumNorm(), 9);
        Assert.Equal(4320, sd.ShortVectors(8 * (1 + 1e-9), 10_000).Count);
        int count = TestPaths.Heavy ? 20000 : 1000;
        var points = ReferenceChecks.Gaussian(16, 2.0, count, 15)
            .Concat(ReferenceChecks.NearBoundary(Bw, MinimalVectors(), count, 16));
        ReferenceChecks.AgreesWithReference(Bw, (x, y) => sd.ClosestPoint(x, y), points);
    }

    [Fact]
    public void NsmMatchesPublishedValue()
    {
        int samples = TestPaths.Heavy ? 2_000_000 : 200_000;
        var (g, se) = ReferenceChecks.Nsm(Bw, samples, 21);
        Assert.True(Math.Abs(g - 0.068297622) < 3 * se, $"G = {g} ± {se}");
    }
}
