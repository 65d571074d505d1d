namespace Ltc.Cli.Tests.Robustness;

/// <summary>Options that belong to one kind are refused with another, and counts out of range are refused, each in one line.</summary>
public sealed class OptionScopeCliTests
{
    [Fact]
    public void StatesBelongToEctcqAndTrellisRowsStartAtOne()
    {
        var (code, _, err) = LtcApp.RunCaptured("bounds", "--source", "gaussian", "--kind", "ecsq", "--states", "8");
        Assert.Equal(2, code);
        Assert.Contains("--states is for --kind ectcq", err);
        (code, _, err) = LtcApp.RunCaptured("train", "--kind", "ttc", "--states", "8", "--trellis-rows", "0", "--lambda", "4", "--out", "/nonexistent-dir/t.ltcm");
        Assert.Equal(2, code);
        Assert.Contains("--trellis-rows", err);
        Assert.Single(err.Trim().Split('\n'));
    }
}
