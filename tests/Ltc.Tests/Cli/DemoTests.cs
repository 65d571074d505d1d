using Ltc.Cli;
using Ltc.Lattices;

namespace Ltc.Tests.Cli;

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
    public void DemoListsLatticesEstimatesTheNsmOfE8AndComparesNtcWithLtc()
    {
        var (code, o, e) = Run("demo");
        Assert.True(code == 0, e);
        Assert.Contains("E8 (n = 8): G = 0.07", o);
        foreach (var name in LatticeCatalog.ListedNames) Assert.Contains(LatticeCatalog.Parse(name).Name, o);
        // The three trained models, each with a positive gap to R(D) (no real system beats R(D)).
        foreach (var label in new[] { "NTC (n = 2, rounding)", "LTC A2 (n = 2)", "LTC E8 (n = 8)" })
        {
            var line = o.Split('\n').Single(l => l.TrimStart().StartsWith(label, StringComparison.Ordinal));
            var fields = line[(line.IndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            double gap = double.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(gap > 0, line);
        }
    }
}
