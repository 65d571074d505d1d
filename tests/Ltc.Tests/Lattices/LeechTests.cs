using System.Numerics;
using Ltc.Lattices;

namespace Ltc.Tests.Lattices;

public class LeechTests
{
    private static readonly LeechLattice Leech = new();

    internal static List<double[]> MinimalVectors()
    {
        var list = new List<double[]>();
        for (int i = 0; i < 24; i++)
            for (int j = i + 1; j < 24; j++)
                for (int s = 0; s < 4; s++)
                {
                    var v = new double[24];
                    v[i] = (s & 1) == 0 ? 4 : -4;
                    v[j] = (s & 2) == 0 ? 4 : -4;
                    list.Add(v);
                }
        var code = GolayCode.Codewords();
        foreach (int w in code.Where(w => BitOperations.PopCount((uint)w) == 8))
        {
            var support = Enumerable.Range(0, 24).Where(i => ((w >> i) & 1) == 1).ToArray();
            for (int signs = 0; signs < 256; signs++)
            {
                var v = new double[24];
                for (int t = 0; t < 8; t++) v[support[t]] = ((signs >> t) & 1) == 0 ? 2 : -2;
                list.Add(v);
            }
        }
        foreach (int w in code)
            for (int i = 0; i < 24; i++)
            {
                var v = new double[24];
                for (int j = 0; j < 24; j++) v[j] = ((w >> j) & 1) == 1 ? 1 : -1;
                v[i] = v[i] == 1 ? -3 : 3;
                list.Add(v);
            }
        return list.Where(v => ReferenceChecks.IsMember(Leech, v)).ToList();
    }

    [Fact]
    public void HexacodeAndGolayCodeHaveTheirWeightDistributions()
    {
        var hex = GolayCode.Hexacode;
        var words = Enumerable.Range(0, 64).Select(h => hex.AsSpan(h * 6, 6).ToArray()).ToList();
        Assert.Equal(64, words.Select(w => string.Join(",", w)).Distinct().Count());
        Assert.Equal(4, words.Where(w => w.Any(s => s != 0)).Min(w => w.Count(s => s != 0)));
        var code = GolayCode.Codewords();
        var set = code.ToHashSet();
        Assert.Equal(4096, set.Count);
        var dist = code.GroupBy(w => BitOperations.PopCount((uint)w)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<int, int> { [0] = 1, [8] = 759, [12] = 2576, [16] = 759, [24] = 1 }, dist);
        var rng = new Random(3);
        for (int t = 0; t < 2000; t++) Assert.Contains(code[rng.Next(4096)] ^ code[rng.Next(4096)], set);
    }

    [Fact]
    public void GeneratorIsUnimodularAtMinimalNorm4()
    {
        Assert.Equal(Math.Pow(2, 36), Leech.Volume, 0);
        var unit = Leech.WithUnitVolume();
        Assert.Equal(1.0, unit.Volume, 9);
        Assert.Equal(4.0, unit.MinimumNorm, 9);
        Assert.Equal(0.065754, Leech.PublishedNsm);
        Assert.IsType<LeechLattice>(LatticeCatalog.Parse("Leech"));
        // Every basis row is even or odd throughout, and has norm ≡ 0 mod 16 (an even unimodular lattice × √8).
        for (int i = 0; i < 24; i++)
        {
            var row = Leech.Generator.Slice(i * 24, 24).ToArray();
            double norm = row.Sum(c => c * c);
            Assert.Equal(0, norm % 16);
            Assert.Single(row.Select(c => ((long)c % 2 + 2) % 2).Distinct());
        }
    }

    [Fact]
    public void KissingNumberIs196560AndMinimalVectorsAreRelevant()
    {
        var min = MinimalVectors();
        Assert.Equal(196560, min.Count);
        var y = new double[24];
        var x = new double[24];
        foreach (var v in min)
        {
            for (int i = 0; i < 24; i++) x[i] = 0.49 * v[i];
            Leech.ClosestPoint(x, y);
            Assert.All(y, c => Assert.Equal(0.0, c));
        }
        foreach (var p in ReferenceChecks.Gaussian(24, 2.5, 2000, 5))
        {
            Leech.ClosestPoint(p, y);
            double nn = y.Sum(c => c * c);
            Assert.True(nn == 0 || nn >= 32, $"norm {nn}");
        }
    }

    [Theory]
    [InlineData(0.7)]
    [InlineData(2.0)]
    [InlineData(4.0)]
    [InlineData(16.0)]
    public void MatchesReferenceOnGaussianPoints(double sigma)
    {
        int count = TestPaths.Heavy ? 5000 : 400;
        ReferenceChecks.AgreesWithReference(Leech, ReferenceDecoders.Leech, ReferenceChecks.Gaussian(24, sigma, count, 31));
    }

    [Fact]
    public void MatchesReferenceNearVoronoiBoundariesAndFarAway()
    {
        int count = TestPaths.Heavy ? 5000 : 600;
        var min = MinimalVectors();
        ReferenceChecks.AgreesWithReference(Leech, ReferenceDecoders.Leech, ReferenceChecks.NearBoundary(Leech, min, count, 32));
        ReferenceChecks.AgreesWithReference(Leech, ReferenceDecoders.Leech, ReferenceChecks.Far(24, count / 4, 33));
        var rng = new Random(34);
        var pts = Enumerable.Range(0, count / 4).Select(_ => Enumerable.Range(0, 24).Select(_ => (double)rng.Next(-6, 7)).ToArray());
        ReferenceChecks.AgreesWithReference(Leech, ReferenceDecoders.Leech, pts);
    }

    [Fact]
    public void MatchesSphereDecoderAndItsShortVectorCount()
    {
        var sd = new SphereDecoder(Leech);
        Assert.Equal(32, sd.MinimumNorm(), 9);
        Assert.Equal(196560, sd.ShortVectors(32 * (1 + 1e-9), 300_000).Count);
        int count = TestPaths.Heavy ? 3000 : 250;
        var points = ReferenceChecks.Gaussian(24, 4.0, count, 35)
            .Concat(ReferenceChecks.NearBoundary(Leech, MinimalVectors(), count, 36));
        ReferenceChecks.AgreesWithReference(Leech, (x, y) => sd.ClosestPoint(x, y), points);
    }

    [Fact]
    public void NsmMatchesPublishedValue()
    {
        int samples = TestPaths.Heavy ? 2_000_000 : 200_000;
        var (g, se) = ReferenceChecks.Nsm(Leech, samples, 41);
        // The published value carries its own ±1e-6.
        Assert.True(Math.Abs(g - 0.065754) < 3 * se + 1e-6, $"G = {g} ± {se}");
    }
}
