using Ltc.RateDistortion;
using Ltc.Sources;

namespace Ltc.Tests.RateDistortion;

/// <summary><c>ltc bounds --kind ectcq</c>'s library entry point: the trellis baseline through <see cref="Baselines.Compute"/>.</summary>
public class EctcqBaselineTests
{
    // SNR of a curve at rate r by linear interpolation between its points (rates increasing).
    private static double SnrAt(RdPoint[] curve, double r)
    {
        for (int i = 1; i < curve.Length; i++)
            if (curve[i].Rate >= r)
            {
                double t = (r - curve[i - 1].Rate) / (curve[i].Rate - curve[i - 1].Rate);
                return curve[i - 1].SnrDb() + t * (curve[i].SnrDb() - curve[i - 1].SnrDb());
            }
        throw new ArgumentOutOfRangeException(nameof(r));
    }

    [Fact]
    public void EightStateEctcqLiesBetweenRdAndEcsqOnAGaussianSource()
    {
        var src = new IidSource(IidDistribution.Gaussian, 1);
        var ectcq = Baselines.Compute(BaselineKind.Ectcq, src, new BaselineOptions(Points: 4, MaxRate: 3, Samples: 20000, States: 8));
        var ecsq = Baselines.Compute(BaselineKind.Ecsq, src, new BaselineOptions(Points: 40, MaxRate: 3.5));
        Assert.Equal(4, ectcq.Length);
        foreach (var p in ectcq.Where(p => p.Rate > 0.8))
        {
            // Held-out file bits: no point can beat R(D) (SNR ≤ 6.02·R dB); the 8-state trellis's granular gain is
            // about 1.1 dB over the scalar quantizer at these rates, so 0.5 dB is a margin Monte Carlo cannot cross.
            Assert.True(p.SnrDb() < 20 * Math.Log10(2) * p.Rate, $"{p} beats R(D)");
            Assert.True(p.SnrDb() > SnrAt(ecsq, p.Rate) + 0.5, $"{p} is not 0.5 dB above ECSQ ({SnrAt(ecsq, p.Rate):F3} dB)");
        }
    }

    [Fact]
    public void EctcqNeedsAKnownDensityAndASupportedTrellis()
    {
        Assert.Equal(BaselineKind.Ectcq, Baselines.ParseKind("ectcq"));
        var gaussian = new IidSource(IidDistribution.Gaussian, 1);
        Assert.Contains("--states", Assert.Throws<LtcException>(() => Baselines.Compute(BaselineKind.Ectcq, gaussian, new BaselineOptions(States: 5))).Message);
        Assert.Contains("--samples", Assert.Throws<LtcException>(() => Baselines.Compute(BaselineKind.Ectcq, gaussian, new BaselineOptions(Samples: 500))).Message);
        Assert.Contains("known scalar density", Assert.Throws<LtcException>(() => Baselines.Compute(BaselineKind.Ectcq, new BananaSource(), new BaselineOptions())).Message);
    }
}
