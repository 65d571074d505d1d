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
}
