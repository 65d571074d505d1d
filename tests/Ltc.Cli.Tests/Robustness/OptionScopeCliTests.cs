namespace Ltc.Cli.Tests.Robustness;

/// <summary>Options that belong to one kind are refused with another, and counts out of range are refused, each in one line.</summary>
// Trains in this process: alone, as every test that trains (see Cli/DemoTests.cs on TorchSharp 0.107 under load).
[Collection("torch-serial")]
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

    [Fact]
    public void DensitySamplesAreBoundedAndBelongToLatticeModels()
    {
        // 262,144 density samples × batch 256 × 2 latents is 134 M values a step: refused before any training, nothing
        // written.
        string outPath = Path.Combine(Path.GetTempPath(), $"ltc-density-{Guid.NewGuid():N}.ltcm");
        var (code, _, err) = LtcApp.RunCaptured("train", "--kind", "ltc", "--lattice", "A2", "--proxy", "dither", "--entropy", "factorized",
            "--lambda", "4", "--steps", "2", "--density-samples", "262144", "--out", outPath);
        Assert.Equal(2, code);
        Assert.Contains("--density-samples", err);
        Assert.Single(err.Trim().Split('\n'));
        (code, _, err) = LtcApp.RunCaptured("train", "--kind", "ntc", "--lambda", "4", "--density-samples", "4", "--out", outPath);
        Assert.Equal(2, code);
        Assert.Contains("density samples need a lattice model", err);
        Assert.False(File.Exists(outPath));
    }

    [Fact]
    public void GaussianRdNeedsMoreRowsThanDimensions()
    {
        var (code, _, err) = LtcApp.RunCaptured("bounds", "--source", "gaussian", "--dim", "64", "--kind", "gaussian-rd", "--samples", "50", "--points", "3");
        Assert.Equal(2, code);
        Assert.Contains("more than 64 rows", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void GaussianRdRatesArePerVectorUpTo16BitsPerCoordinate()
    {
        // Blocks of two 2-d banana vectors: rates are per banana vector, so up to 32 bits; other kinds stay at 16.
        string[] b = ["bounds", "--source", "block:2:banana", "--kind", "gaussian-rd", "--points", "3", "--samples", "2000", "--csv"];
        var (code, stdout, err) = LtcApp.RunCaptured([.. b, "--max-rate", "32"]);
        Assert.True(code == 0, err);
        var last = stdout.Trim().Split('\n')[^1].Split(',');
        Assert.Equal(32, double.Parse(last[0], System.Globalization.CultureInfo.InvariantCulture), 6);
        (code, _, err) = LtcApp.RunCaptured([.. b, "--max-rate", "33"]);
        Assert.Equal(2, code);
        Assert.Contains("--max-rate must be in (0, 32] for gaussian-rd", err);
        Assert.Single(err.Trim().Split('\n'));
        foreach (var huge in new[] { "1e9", "33" }) // however far out, the message names this source's range
        {
            (code, _, err) = LtcApp.RunCaptured([.. b, "--max-rate", huge]);
            Assert.Contains("--max-rate must be in (0, 32] for gaussian-rd", err);
        }
        (code, _, err) = LtcApp.RunCaptured([.. b, "--max-rate", "NaN"]);
        Assert.Equal(2, code);
        Assert.Contains("--max-rate must be positive", err);
        (code, _, err) = LtcApp.RunCaptured("bounds", "--source", "gaussian", "--kind", "ba", "--max-rate", "17");
        Assert.Equal(2, code);
        Assert.Contains("--max-rate must be in (0, 16]", err);
    }
}
