using System.Text.Json;

namespace Ltc.Cli.Tests.Models;

// Trains in this process: alone, as every test that trains (see Cli/DemoTests.cs on TorchSharp 0.107 under load).
[Collection("torch-serial")]
public class BenchTrainCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => LtcApp.RunCaptured(args);

    [Fact]
    public void BenchTrainTimesBothVariantsOfACaseAndNamesTheMachine()
    {
        var (code, output, err) = Run("bench", "train", "--case", "ltc-a2", "--rounds", "1", "--steps-per-round", "1", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        var machine = root.GetProperty("machine");
        Assert.Contains(machine.GetProperty("path").GetString(), new[] { "avx512", "avx2", "vector128", "scalar" });
        Assert.True(machine.GetProperty("logical_cores").GetInt32() >= 1);
        var results = root.GetProperty("results");
        Assert.Equal(1, results.GetArrayLength());
        var r = results[0];
        Assert.Equal("LTC-A2", r.GetProperty("name").GetString());
        double reference = r.GetProperty("reference_ms").GetDouble(), fused = r.GetProperty("fused_ms").GetDouble();
        Assert.True(reference > 0 && fused > 0);
        Assert.Equal(reference / fused, r.GetProperty("speedup").GetDouble(), 9);
        Assert.Equal(reference / r.GetProperty("fused_one_thread_ms").GetDouble(), r.GetProperty("speedup_one_thread").GetDouble(), 9);
    }

    [Fact]
    public void BenchTrainRejectsAnUnknownCaseInOneLine()
    {
        var (code, _, err) = Run("bench", "train", "--case", "ltc-z9");
        Assert.Equal(2, code);
        Assert.Contains("unknown case 'ltc-z9'", err);
        Assert.Single(err.Trim().Split('\n'));
    }
}
