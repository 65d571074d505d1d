using Ltc.Lattices;
using Ltc.RateDistortion;
using Ltc.Sources;

namespace Ltc.Tests.RateDistortion;

/// <summary>The library entry points behind <c>ltc bounds</c> and <c>ltc lattice</c>, called without the CLI.</summary>
public class BaselinesTests
{
    [Fact]
    public void GaussianRdIsTheClosedFormAtEvenlySpacedRates()
    {
        var curve = Baselines.Compute(BaselineKind.Rd, new IidSource(IidDistribution.Gaussian, 1), new BaselineOptions(Points: 5, MaxRate: 2));
        Assert.Equal(5, curve.Length);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(0.5 * i, curve[i].Rate, 12);
            Assert.Equal(Math.Pow(2, -2 * curve[i].Rate), curve[i].Distortion, 12);
        }
    }

    [Fact]
    public void EcsqOfALaplaceSourceStaysAboveTheShannonLowerBound()
    {
        var src = new IidSource(IidDistribution.Laplace, 1);
        var o = new BaselineOptions(Points: 6);
        var ecsq = Baselines.Compute(BaselineKind.Ecsq, src, o);
        double h = ScalarDensity.Laplace().DifferentialEntropyBits;
        foreach (var p in ecsq)
            Assert.True(p.Rate >= TheoreticalRd.ShannonLowerBound(h, 1, p.Distortion) - 1e-9, $"ECSQ point {p} below the SLB");
    }

    [Fact]
    public void KindsParseByNameAndBadSettingsAreOneLineErrors()
    {
        Assert.Equal(BaselineKind.Eclq, Baselines.ParseKind(" ECLQ "));
        Assert.Equal("ecvq", Baselines.NameOf(BaselineKind.Ecvq));
        Assert.Contains("unknown --kind 'zz'", Assert.Throws<LtcException>(() => Baselines.ParseKind("zz")).Message);
        var gaussian = new IidSource(IidDistribution.Gaussian, 8);
        Assert.Contains("--points", Assert.Throws<LtcException>(() => Baselines.Compute(BaselineKind.Rd, gaussian, new BaselineOptions(Points: 1))).Message);
        Assert.Contains("--kind eclq needs --lattice", Assert.Throws<LtcException>(() => Baselines.Compute(BaselineKind.Eclq, gaussian, new BaselineOptions())).Message);
        Assert.Contains("(the default)", Assert.Throws<LtcException>(() =>
            Baselines.CheckSizes(BaselineKind.Ecvq, new IidSource(IidDistribution.Gaussian, 4096), new BaselineOptions())).Message);
    }

    [Fact]
    public void AMarginalKeepsTheChosenColumnsOfEveryRow()
    {
        var inner = new BananaSource();
        var m = MarginalSource.Parse(inner, "1", dimension: null);
        Assert.Equal("banana[1]", m.Name);
        Assert.Equal(1, m.Dimension);
        var full = new double[20];
        inner.Draw(full, SourceSplit.Train, new Random(5));
        var part = new double[10];
        m.Draw(part, SourceSplit.Train, new Random(5));
        for (int i = 0; i < 10; i++) Assert.Equal(full[2 * i + 1], part[i]);
        Assert.Contains("repeated coordinate", Assert.Throws<LtcException>(() => MarginalSource.Parse(inner, "0,0", null)).Message);
        Assert.Contains("is not a coordinate", Assert.Throws<LtcException>(() => MarginalSource.Parse(inner, "2", null)).Message);
    }

    [Fact]
    public void LatticesSayWhetherTheirMinimumNormIsKnownAndWhichSplagValueTheySupersede()
    {
        Assert.True(LatticeCatalog.Parse("E8").IsMinimumNormKnown);
        Assert.True(LatticeCatalog.Parse("Leech").WithUnitVolume().IsMinimumNormKnown);
        var generic = new GeneratorLattice("G:test", [2, 0, 1, 3], 2);
        Assert.False(generic.IsMinimumNormKnown);
        Assert.Equal(4, generic.MinimumNorm, 9);
        Assert.Equal(0.0657710, LatticeCatalog.Parse("Leech").SupersededNsm);
        Assert.Equal(0.0682989, LatticeCatalog.Parse("BW16").WithUnitVolume().SupersededNsm);
        Assert.Null(LatticeCatalog.Parse("E8").SupersededNsm);
        Assert.Equal(0, LatticeCatalog.Parse("Z3").PublishedGranularGainDb!.Value, 12);
    }

    [Fact]
    public void CheckedCoordinatesRebuildThePointsAndRefuseHugeOnes()
    {
        var l = LatticeCatalog.Parse("D4");
        double[] y = [1, 1, 0, 0, 2, 0, 0, 0];
        var k = new long[8];
        l.CheckedCoordinates(y, k);
        var back = new double[4];
        l.PointFromCoordinates(k.AsSpan(4), back);
        Assert.Equal(y[4..], back);
        double[] huge = [1e300, 1e300, 0, 0];
        Assert.Contains("row 0 is too large", Assert.Throws<LtcException>(() => l.CheckedCoordinates(huge, new long[4])).Message);
    }
}
