using Ltc.Cli;

namespace Ltc.Cli.Tests.Cli;

/// <summary>
/// Tests that train TorchSharp models in this process run alone: under the allocation pressure of the parallel tests,
/// TorchSharp 0.107's optimizer step was seen to fail with a corrupted scalar (a native value finalized while in use,
/// we believe), which a single training process never shows.
/// </summary>
[CollectionDefinition("torch-serial", DisableParallelization = true)]
public sealed class TorchSerialCollection;

[Collection("torch-serial")]
public class DemoTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => LtcApp.RunCaptured(args);

    [Fact]
    public void DemoCompressesHeldOutDataWithEveryModelAndDecodesItExactly()
    {
        var (code, o, e) = Run("demo");
        Assert.True(code == 0, e);
        var rows = o.Split('\n').Where(l => l.TrimStart().StartsWith("NTC (rounding)", StringComparison.Ordinal)
            || l.TrimStart().StartsWith("LTC ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, rows.Count);
        // Every file decodes to the model's own reconstruction, bit for bit.
        Assert.All(rows, r => Assert.Contains("bit-exact", r));
        // On Gaussian data both gaps (file bits and estimate) are positive: no real system beats R(D).
        foreach (var r in rows.Where(r => r.Contains("gaussian", StringComparison.Ordinal)))
        {
            var gaps = System.Text.RegularExpressions.Regex.Match(r, @"([-0-9.]+) / ([-0-9.]+)");
            Assert.True(gaps.Success, r);
            Assert.True(double.Parse(gaps.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, r);
            Assert.True(double.Parse(gaps.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, r);
        }
    }
}
