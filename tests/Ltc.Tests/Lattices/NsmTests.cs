using Ltc.Lattices;

namespace Ltc.Tests.Lattices;

public class NsmTests
{
    /// <summary>
    /// Published NSMs (Conway &amp; Sloane, SPLAG Table 2.3; BW16 exactly per Pook-Kolb, Agrell &amp; Allen 2023; Leech
    /// 0.065754 ± 0.000001 per the paper brief's section 8, not SPLAG's 0.0657710), with the sample count used (×4 in heavy mode).
    /// </summary>
    public static TheoryData<string, double, double, int> Published => new()
    {
        { "Z3", 1.0 / 12, 0, 1_000_000 },
        { "A2", 0.0801875, 0, 1_000_000 },
        { "D4", 0.0766032, 0, 1_000_000 },
        { "D4*", 0.0766032, 0, 1_000_000 },
        { "E8", 0.0716821, 0, 1_000_000 },
        { "BW16", 0.068297622, 0, 1_000_000 },
        { "Leech", 0.065754, 0.000001, 1_000_000 },
    };

    [Theory]
    [MemberData(nameof(Published))]
    public void MonteCarloEstimateIsWithinThreeStandardErrorsOfThePublishedValue(string name, double published, double publishedError, int samples)
    {
        var lattice = LatticeCatalog.Parse(name);
        if (TestPaths.Heavy) samples *= 4;
        var e = NsmEstimator.Estimate(lattice, samples, seed: 1);
        Assert.Equal(samples, e.Samples);
        double tolerance = 3 * Math.Sqrt(e.StandardError * e.StandardError + publishedError * publishedError);
        Assert.InRange(e.Nsm, published - tolerance, published + tolerance);
        // The standard error must be a real one: G's relative spread per sample is well above 1e-3 in these dimensions.
        Assert.InRange(e.StandardError, 1e-3 * published / Math.Sqrt(samples), published / Math.Sqrt(samples));
    }

    [Fact]
    public void ZnStandardErrorMatchesTheAnalyticOne()
    {
        // ‖u‖² over Zⁿ has variance n/180, so SE(G) = √(n/180/N)/n.
        const int n = 5, samples = 200_000;
        var e = NsmEstimator.Estimate(new IntegerLattice(n), samples, seed: 4);
        double se = Math.Sqrt(n / 180.0 / samples) / n;
        Assert.InRange(e.StandardError, 0.95 * se, 1.05 * se);
        Assert.InRange(e.Nsm, 1.0 / 12 - 4 * se, 1.0 / 12 + 4 * se);
        Assert.Equal(1.0 / 12, e.PublishedNsm);
        Assert.NotNull(e.DifferenceInStandardErrors);
    }

    [Theory]
    [InlineData(CellSampling.MonteCarlo)]
    [InlineData(CellSampling.Antithetic)]
    [InlineData(CellSampling.Sobol)]
    [InlineData(CellSampling.ScrambledSobol)]
    public void ResultDoesNotDependOnTheThreadCount(CellSampling sampling)
    {
        var lattice = VoronoiSamplerTests.HexagonalA2;
        var one = NsmEstimator.Estimate(lattice, 3 * NsmEstimator.ChunkSize + 123, seed: 7, sampling, threads: 1);
        var three = NsmEstimator.Estimate(lattice, 3 * NsmEstimator.ChunkSize + 123, seed: 7, sampling, threads: 3);
        Assert.Equal(one, three);
        var other = NsmEstimator.Estimate(lattice, 3 * NsmEstimator.ChunkSize + 123, seed: 8, sampling, threads: 1);
        if (sampling == CellSampling.Sobol) Assert.Equal(one.Nsm, other.Nsm);
        else Assert.NotEqual(one.Nsm, other.Nsm);
    }

    [Fact]
    public void ScrambledSobolGivesAReplicateStandardErrorBelowTheMonteCarloOne()
    {
        // For A2 at 2^16 points in 16 scrambles of 2^12, randomized QMC beats Monte Carlo's N^-1/2 by a wide margin;
        // both estimates must cover the exact G = 5/(36√3).
        double exact = 5 / (36 * Math.Sqrt(3));
        var lattice = VoronoiSamplerTests.HexagonalA2;
        var mc = NsmEstimator.Estimate(lattice, 1 << 16, seed: 3);
        var qmc = NsmEstimator.Estimate(lattice, 1 << 16, seed: 3, CellSampling.ScrambledSobol);
        Assert.True(qmc.StandardErrorFromReplicates);
        Assert.Equal(NsmEstimator.DefaultReplicates, qmc.Replicates);
        Assert.False(mc.StandardErrorFromReplicates);
        Assert.True(qmc.StandardError < mc.StandardError / 3, $"QMC SE {qmc.StandardError} vs MC SE {mc.StandardError}");
        Assert.InRange(mc.Nsm, exact - 4 * mc.StandardError, exact + 4 * mc.StandardError);
        Assert.InRange(qmc.Nsm, exact - 4 * qmc.StandardError, exact + 4 * qmc.StandardError);
    }

    [Fact]
    public void AntitheticStandardErrorCountsPairsOnce()
    {
        // u and −u have the same norm: the antithetic estimate has the information of N/2 draws.
        var l = new IntegerLattice(4);
        var mc = NsmEstimator.Estimate(l, 100_000, seed: 2);
        var anti = NsmEstimator.Estimate(l, 100_000, seed: 2, CellSampling.Antithetic);
        Assert.InRange(anti.StandardError / mc.StandardError, Math.Sqrt(2) * 0.95, Math.Sqrt(2) * 1.05);
    }

    [Fact]
    public void EstimateIsScaleInvariant()
    {
        var a = NsmEstimator.Estimate(VoronoiSamplerTests.HexagonalA2, 50_000, seed: 1);
        var b = NsmEstimator.Estimate(VoronoiSamplerTests.HexagonalA2.Scaled(3.5), 50_000, seed: 1);
        Assert.Equal(a.Nsm, b.Nsm, 1e-12);
    }
}
