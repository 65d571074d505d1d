using Ltc.Lattices;
using Ltc.Metrics;
using Ltc.RateDistortion;

namespace Ltc.Tests.RateDistortion;

public class TheoryTests
{
    private static double H2(double p) => p <= 0 || p >= 1 ? 0 : -p * Math.Log2(p) - (1 - p) * Math.Log2(1 - p);

    [Fact]
    public void BlahutArimotoReproducesGaussianRdOnFineGrid()
    {
        var ba = BlahutArimoto.ForDensity(ScalarDensity.Gaussian(), step: 0.025, halfWidth: 6.5);
        var targets = new[] { 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9 };
        var results = ba.Sweep(targets.Select(d => 1 / (2 * d)), toleranceBits: 1e-8, maxIterations: 50000);
        Assert.Equal(targets.Length, results.Count);
        foreach (var r in results)
        {
            Assert.InRange(r.Point.Distortion, 0.045, 0.95);
            double rd = TheoreticalRd.GaussianRate(r.Point.Distortion);
            Assert.True(Math.Abs(r.Point.Rate - rd) < 0.01, $"D = {r.Point.Distortion}: BA {r.Point.Rate} vs R(D) {rd}");
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.3)]
    public void BlahutArimotoReproducesBinaryHamming(double p)
    {
        var ba = new BlahutArimoto([1 - p, p], [0, 1, 1, 0], 2);
        foreach (var slope in new[] { 0.8, 1.5, 2.5, 4.0 })
        {
            var r = ba.Solve(slope, 1e-9, 100000);
            double d = r.Point.Distortion;
            double expected = d < Math.Min(p, 1 - p) ? H2(p) - H2(d) : 0;
            Assert.True(Math.Abs(r.Point.Rate - expected) < 1e-4, $"slope {slope}: D {d}, R {r.Point.Rate}, expected {expected}");
        }
    }

    [Fact]
    public void BlahutArimotoOnLaplaceSitsAboveItsShannonLowerBoundAndMeetsItAtSmallD()
    {
        var lap = ScalarDensity.Laplace();
        var ba = BlahutArimoto.ForDensity(lap, step: 0.04, halfWidth: 12);
        var pts = ba.Sweep([1 / (2 * 1.0), 1 / (2 * 0.05), 1 / (2 * 0.02)], 1e-8, 50000);
        foreach (var r in pts)
        {
            double slb = TheoreticalRd.ShannonLowerBound(lap.DifferentialEntropyBits, 1, r.Point.Distortion);
            Assert.True(r.Point.Rate >= slb - 0.01, $"BA {r.Point.Rate} below SLB {slb} at D {r.Point.Distortion}");
        }
        var small = pts.OrderBy(r => r.Point.Distortion).First();
        double slbSmall = TheoreticalRd.ShannonLowerBound(lap.DifferentialEntropyBits, 1, small.Point.Distortion);
        Assert.True(small.Point.Rate - slbSmall < 0.002, $"at D {small.Point.Distortion} BA {small.Point.Rate} vs SLB {slbSmall}");
        // Near D = σ²/2 the SLB is visibly loose (the Laplace R(D) is not the SLB there).
        var large = pts.OrderBy(r => r.Point.Distortion).Last();
        Assert.InRange(large.Point.Distortion, 0.9, 1.0);
        Assert.True(large.Point.Rate > TheoreticalRd.ShannonLowerBound(lap.DifferentialEntropyBits, 1, large.Point.Distortion) + 0.008);
    }

    [Fact]
    public void PartialMomentsMatchNumericalIntegration()
    {
        foreach (var dens in new[] { ScalarDensity.Gaussian(1.3), ScalarDensity.Laplace(0.7) })
        {
            foreach (var (a, b) in new[] { (-0.4, 1.1), (0.3, 2.0), (-3.0, -1.2), (1.5, 4.0) })
            {
                var (m0, m1, m2) = dens.PartialMoments(a, b);
                double f(double x, int k) => Math.Pow(x, k) * Math.Exp(dens.LogDensity(x));
                for (int k = 0; k < 3; k++)
                {
                    // Split at 0 so the Laplace kink does not slow the quadrature.
                    double num = a < 0 && b > 0
                        ? MathNet.Numerics.Integrate.OnClosedInterval(x => f(x, k), a, 0, 1e-12) + MathNet.Numerics.Integrate.OnClosedInterval(x => f(x, k), 0, b, 1e-12)
                        : MathNet.Numerics.Integrate.OnClosedInterval(x => f(x, k), a, b, 1e-12);
                    double got = k == 0 ? m0 : k == 1 ? m1 : m2;
                    Assert.True(Math.Abs(got - num) < 1e-9, $"{dens.Name} [{a},{b}] m{k}: {got} vs {num}");
                }
            }
            var all = dens.PartialMoments(double.NegativeInfinity, double.PositiveInfinity);
            Assert.Equal(1.0, all.M0, 12);
            Assert.Equal(0.0, all.M1, 12);
            Assert.Equal(dens.Variance, all.M2, 10);
        }
    }

    [Fact]
    public void EcsqOnGaussianApproaches153DbAtHighRateAndStaysBelowAtLowRate()
    {
        var g = ScalarDensity.Gaussian();
        double highGap = 10 * Math.Log10(Math.PI * Math.E / 6);
        var hi = Ecsq.OptimalAt(g, lambda: 0.0004);
        Assert.InRange(hi.Point.Rate, 4.5, 7);
        double gapHi = Snr.GaussianGapDb(hi.Point.Rate, hi.Point.Distortion);
        Assert.True(Math.Abs(gapHi - highGap) < 0.02, $"high-rate gap {gapHi} dB at {hi.Point.Rate} bits");
        var curve = Ecsq.Curve(g, 16, maxRate: 3);
        foreach (var p in curve.Where(p => p.Rate > 0.01))
        {
            double gap = Snr.GaussianGapDb(p.Rate, p.Distortion);
            Assert.True(gap > 0, $"ECSQ beats R(D) at {p.Rate}");
            Assert.True(gap < highGap, $"gap {gap} dB at {p.Rate} bits exceeds the high-rate gap");
        }
        // The gap shrinks towards rate 0.
        var low = curve.Where(p => p.Rate > 0.05).OrderBy(p => p.Rate).First();
        Assert.True(Snr.GaussianGapDb(low.Rate, low.Distortion) < 0.7);
        // The rate equals the entropy of the cell masses and the distortion their exact MSE.
        Assert.Equal(hi.Point.Rate, -hi.Probabilities.Where(p => p > 0).Sum(p => p * Math.Log2(p)), 9);
    }

    [Fact]
    public void EcsqBeatsTheUniformQuantizerItStartsFrom()
    {
        var lap = ScalarDensity.Laplace();
        double lambda = 0.05;
        var opt = Ecsq.OptimalAt(lap, lambda);
        double step = Math.Sqrt(6 * lambda / Math.Log(2));
        var uni = Ecsq.Uniform(lap, step);
        Assert.True(opt.Point.Distortion + lambda * opt.Point.Rate <= uni.Point.Distortion + lambda * uni.Point.Rate + 1e-12);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void EclqWithZnEqualsUniformEcsq(double scale)
    {
        var g = ScalarDensity.Gaussian();
        var uni = Ecsq.Uniform(g, scale);
        var z = Eclq.Evaluate(new IntegerLattice(2), g, scale, new EclqOptions(SourceSamples: 40000, CellSamples: 2048));
        Assert.True(Math.Abs(z.Rate - uni.Point.Rate) < 0.015, $"s {scale}: rate {z.Rate} vs {uni.Point.Rate}");
        Assert.True(Math.Abs(z.Distortion / uni.Point.Distortion - 1) < 0.03, $"s {scale}: D {z.Distortion} vs {uni.Point.Distortion}");
    }

    /// <summary>SNR gain in dB of ECLQ with the lattice over the exact uniform ECSQ (= ECLQ with Z) at equal rate.</summary>
    private static (double Gain, double Rate) GainOverZ(Lattice lattice, double scale, EclqOptions options)
    {
        var g = ScalarDensity.Gaussian();
        var p = Eclq.Evaluate(lattice, g, scale, options);
        // Z at the same rate: the exact uniform quantizer, rate found by bisection on the step.
        double lo = 0.01, hi = 1;
        for (int i = 0; i < 60; i++)
        {
            double mid = Math.Sqrt(lo * hi);
            if (Ecsq.Uniform(g, mid).Point.Rate > p.Rate) lo = mid; else hi = mid;
        }
        var z = Ecsq.Uniform(g, Math.Sqrt(lo * hi)).Point;
        return (Snr.Db(1, p.Distortion) - Snr.Db(1, z.Distortion), p.Rate);
    }

    private static double GranularGainDb(double nsm) => 10 * Math.Log10((1.0 / 12) / nsm);

    [Fact]
    public void EclqWithE8GainsAbout065DbOverZAtHighRate()
    {
        var (gain, rate) = GainOverZ(LatticeCatalog.Parse("E8"), 0.15, new EclqOptions(SourceSamples: 6000, CellSamples: 1024));
        Assert.InRange(rate, 4, 5.5);
        Assert.True(Math.Abs(gain - GranularGainDb(0.0716821)) < 0.06, $"E8 gain {gain} dB at {rate} bits");
    }

    [Fact]
    public void EclqWithBw16AndLeechGainTheirGranularGainsAtHighRate()
    {
        var opts = TestPaths.Heavy ? new EclqOptions(SourceSamples: 40000, CellSamples: 4096) : new EclqOptions(SourceSamples: 8000, CellSamples: 2048);
        var (bw, rbw) = GainOverZ(LatticeCatalog.Parse("BW16"), 0.15, opts);
        Assert.True(Math.Abs(bw - GranularGainDb(0.068297622)) < 0.08, $"BW16 gain {bw} dB at {rbw} bits");
        var (le, rle) = GainOverZ(LatticeCatalog.Parse("Leech"), 0.15, opts);
        Assert.True(Math.Abs(le - GranularGainDb(0.065754)) < 0.08, $"Leech gain {le} dB at {rle} bits");
    }

    [Fact]
    public void EcvqTwoDimensionalHeldOutSitsBetweenRdAndAboveTheBound()
    {
        var src = new Ltc.Sources.IidSource(Ltc.Sources.IidDistribution.Gaussian, 2);
        var train = new double[40000];
        var test = new double[40000];
        src.Draw(train, Ltc.Sources.SourceSplit.Train, new Random(3));
        src.Draw(test, Ltc.Sources.SourceSplit.Test, new Random(4));
        var res = Ecvq.Sweep(train, test, 2, [0.3, 0.1], 2, new EcvqOptions(MaxCodewords: 256));
        foreach (var r in res)
        {
            double gap = Snr.GaussianGapDb(r.Test.Rate, r.Test.Distortion);
            Assert.True(r.Test.Rate > 0.3, $"rate {r.Test.Rate}");
            Assert.InRange(gap, 0.0, 1.6);
            // Training rates are optimistic against held-out ones only by sampling noise at this size.
            Assert.True(Math.Abs(r.Train.Rate - r.Test.Rate) < 0.05);
        }
    }

    [Fact]
    public void BjontegaardIdentityAndKnownShifts()
    {
        var a = Ecsq.Curve(ScalarDensity.Gaussian(), 10, 3).Where(p => p.Rate > 0.05).ToArray();
        var self = Bjontegaard.Compute(a, a);
        Assert.Equal(0, self.RatePercent, 10);
        Assert.Equal(0, self.RateBits, 10);
        Assert.Equal(0, self.SnrDb, 10);

        var scaled = a.Select(p => p with { Rate = p.Rate * 1.1 }).ToArray();
        Assert.Equal(10.0, Bjontegaard.Compute(a, scaled).RatePercent, 8);

        var shifted = a.Select(p => p with { Rate = p.Rate + 0.1 }).ToArray();
        Assert.Equal(0.1, Bjontegaard.Compute(a, shifted).RateBits, 10);
        Assert.True(Bjontegaard.Compute(a, shifted).RatePercent > 0);

        // Repeated and dominated points (as sweeps produce) do not change the result.
        var noisy = a.Append(a[3]).Append(a[5] with { Rate = a[5].Rate + 0.01 }).Append(new RdPoint(0, 1)).ToArray();
        Assert.Equal(0, Bjontegaard.Compute(a, noisy).RatePercent, 10);
        Assert.Throws<LtcException>(() => Bjontegaard.Compute(a, [a[0], a[0] with { Rate = a[0].Rate + 1 }]));

        // A two-point test curve (a short sweep) is interpolated linearly: scaling its rates is still exactly 10 %.
        var two = new[] { a[2], a[6] };
        Assert.Equal(10.0, Bjontegaard.Compute(two, two.Select(p => p with { Rate = p.Rate * 1.1 }).ToArray()).RatePercent, 8);

        var better = a.Select(p => p with { Distortion = p.Distortion * Math.Pow(10, -0.05) }).ToArray();
        Assert.Equal(0.5, Bjontegaard.Compute(a, better).SnrDb, 8);
        Assert.True(Bjontegaard.Compute(a, better).RatePercent < 0);
    }

    [Fact]
    public void ReverseWaterFillingMatchesClosedForms()
    {
        // Equal eigenvalues: n times the scalar R(D).
        Assert.Equal(4 * 0.5 * Math.Log2(1 / 0.25), TheoreticalRd.GaussianVectorRate([1.0, 1, 1, 1], 0.25), 9);
        // Eigenvalues 4 and 0.25 at D = 0.25 per component: water level θ with min(θ,4)+min(θ,0.25) = 0.5 → θ = 0.25.
        Assert.Equal(0.5 * Math.Log2(4 / 0.25), TheoreticalRd.GaussianVectorRate([4.0, 0.25], 0.25), 9);
        var cov = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(new double[,] { { 2, 1 }, { 1, 2 } });
        Assert.Equal(TheoreticalRd.GaussianVectorRate([3.0, 1.0], 0.5), TheoreticalRd.GaussianVectorRate(cov, 0.5), 9);
        Assert.Equal(Math.Log2(1 / 0.25), TheoreticalRd.LaplaceAbsoluteErrorRate(0.25), 12);
        Assert.Equal(0, TheoreticalRd.LaplaceAbsoluteErrorRate(1.5));
    }

    [Fact]
    public void GaussianVectorPointAtRateInvertsTheRateOfReverseWaterFilling()
    {
        double[] ev = [4.0, 1.0, 0.25, 0.0];
        Assert.Equal(ev.Average(), TheoreticalRd.GaussianVectorPointAtRate(ev, 0).Distortion, 12);
        foreach (double r in new[] { 0.3, 1.0, 2.5, 7.0 })
        {
            var p = TheoreticalRd.GaussianVectorPointAtRate(ev, r);
            Assert.Equal(r, TheoreticalRd.GaussianVectorRate(ev, p.Distortion), 6);
        }
        // Sample covariance of a known matrix: rows (a, 2a, b) give eigenvalues {5·var(a), var(b), 0}.
        var rng = new Random(3);
        var x = new double[3 * 20000];
        for (int i = 0; i < 20000; i++)
        {
            double a = rng.NextDouble() - 0.5, b = 2 * (rng.NextDouble() - 0.5);
            (x[3 * i], x[3 * i + 1], x[3 * i + 2]) = (a, 2 * a, b);
        }
        var e = TheoreticalRd.CovarianceEigenvalues(x, 3).Order().ToArray();
        Assert.Equal(0, e[0], 9);
        Assert.Equal(4.0 / 12, e[1], 2);  // var(b) = 4/12, sample error ~0.3 %
        Assert.Equal(5.0 / 12, e[2], 2);
    }

    [Fact]
    public void GaussianRdOfAnIidGaussianSourceIsItsClosedForm()
    {
        var src = Ltc.Sources.SourceCatalog.Parse("gaussian", 4);
        var curve = Baselines.Compute(BaselineKind.GaussianRd, src, new BaselineOptions { Points = 5, MaxRate = 3 });
        foreach (var p in curve)
            // 200,000 draws: the sample eigenvalues are within about 1 % of 1, so D within 1.5 % of 2^(−2R).
            Assert.Equal(Math.Pow(2, -2 * p.Rate), p.Distortion, 0.015 * Math.Pow(2, -2 * p.Rate));
    }
}
