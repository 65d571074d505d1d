using Ltc.Metrics;
using Ltc.RateDistortion;

namespace Ltc.Tests.Robustness;

/// <summary>
/// Kind 5, silent choices in results: the Bjøntegaard computation reports which points it left out and why, and
/// warns when the curves barely overlap (what <c>ltc bdrate</c> prints from them is tested in Ltc.Cli.Tests'
/// BdRateNoticeCliTests).
/// </summary>
public sealed class BdRateNoticeTests
{
    [Fact]
    public void TheLibraryReportsTheSameNotices()
    {
        RdPoint[] a = [new(0.5, 0.5), new(1, 0.25), new(2, 0.0625)];
        RdPoint[] t = [new(0.5, 0.5), new(0.7, 0.54), new(2, 0.06)];
        var r = Bjontegaard.Compute(a, t);
        var d = Assert.Single(r.DroppedTest);
        Assert.Equal(new RdPoint(0.7, 0.54), d.Point);
        Assert.Empty(r.DroppedAnchor);
        Assert.Single(r.Warnings);
        Assert.Equal(1, r.Overlap, 9);
    }

    [Fact]
    public void APointNearZeroRateIsWarnedAboutAndAFloorSilencesIt()
    {
        // 0.004 bit at 0.05 dB below a curve that starts coding at 0.5 bit: the log-rate segment between them spans two
        // decades; the same curves from 0.5 bit on give no such notice.
        RdPoint[] a = [new(0.004, 0.99), new(0.5, 0.5), new(1, 0.25), new(2, 0.0625)];
        RdPoint[] t = [new(0.5, 0.45), new(1, 0.24), new(2, 0.06)];
        var w = Assert.Single(Bjontegaard.Compute(a, t).Warnings);
        Assert.StartsWith("anchor point at rate 0.004 is more than 10× below the next (0.5)", w);
        Assert.Empty(Bjontegaard.Compute(a[1..], t).Warnings);
        Assert.Empty(Bjontegaard.Compute([.. a.Select(p => p with { Rate = p.Rate + 0.1 })], t).Warnings); // 0.104 → 0.6: under 10×
        // A sparse curve far from zero rate is not near zero however wide its steps: 0.25 → 3.2, 5 → 56.
        Assert.Empty(Bjontegaard.Compute([new(0.25, 0.6), new(3.2, 0.05), new(5, 0.02), new(56, 0.015)], [new(0.3, 0.6), new(3, 0.05), new(50, 0.015)]).Warnings);
    }

    [Fact]
    public void ACurveWithTooFewPointsOnItsFrontSaysWhichWereLeftOutAndWhy()
    {
        // Zero rate, then a point that spends more bits for a worse MSE: one point is left on the front.
        RdPoint[] a = [new(0, 1), new(1, 0.25), new(2, 0.3)];
        RdPoint[] t = [new(0.5, 0.45), new(1, 0.24), new(2, 0.06)];
        var e = Assert.Throws<LtcException>(() => Bjontegaard.Compute(a, t));
        Assert.Equal("anchor curve needs at least 2 points with positive rate on its RD front, has 1; left out: (rate 0, mse 1) " +
            "rate 0 has no logarithm; (rate 2, mse 0.3) dominated by (rate 1, mse 0.25), which has no more rate and no more MSE", e.Message);
    }
}
