using System.Text.Json;
using Ltc.Cli;
using Ltc.IO;

namespace Ltc.Cli.Tests.Robustness;

/// <summary>
/// The commands owned here (bounds, bdrate, data export): every numeric option is range-checked before any work, the
/// documented ranges work at their ends, JSON numbers never become "NaN" or "Infinity", and an output may not be an
/// input. Every bad input is one line on stderr, exit code 2, nothing on stdout and nothing written.
/// </summary>
public sealed class BoundsAndDataOptionTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ltc-options-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string P(string name) => Path.Combine(_dir.FullName, name);

    private static void AssertBadInput(string[] args, string? mention = null)
    {
        var (code, stdout, err) = LtcApp.RunCaptured(args);
        string cmd = string.Join(' ', args);
        Assert.True(code == 2, $"{cmd}: exit {code}, stderr {err}");
        Assert.Equal("", stdout);
        Assert.StartsWith("ltc: error: ", err);
        Assert.Single(err.Trim().Split('\n'));
        if (mention != null) Assert.Contains(mention, err);
    }

    [Fact]
    public void OutOfRangeOptionsAreRefusedBeforeAnyWork()
    {
        // Each would otherwise allocate gigabytes or run for hours; all are refused at once (the test is fast).
        var started = DateTime.UtcNow;
        string[] b = ["bounds", "--source", "gaussian", "--kind"];
        AssertBadInput([.. b, "eclq", "--lattice", "E8", "--cell-samples", "2000000000"], "--cell-samples");
        AssertBadInput([.. b, "eclq", "--lattice", "E8", "--cell-samples", "8"], "--cell-samples");
        AssertBadInput([.. b, "ecvq", "--samples", "2000000000"], "--samples");
        AssertBadInput([.. b, "ecvq", "--samples", "50"], "--samples");
        AssertBadInput([.. b, "ecvq", "--dim", "8", "--samples", "9000000"], "--samples");
        AssertBadInput([.. b, "ecvq", "--max-codewords", "1000000"], "--max-codewords");
        AssertBadInput([.. b, "ecvq", "--max-codewords", "0"], "--max-codewords");
        AssertBadInput([.. b, "ecsq", "--max-cells", "1"], "--max-cells");
        AssertBadInput([.. b, "ecsq", "--max-cells", "100000000"], "--max-cells");
        AssertBadInput([.. b, "ba", "--bins", "1"], "--bins");
        AssertBadInput([.. b, "ba", "--bins", "100000"], "--bins");
        AssertBadInput([.. b, "ba", "--points", "0"], "--points");
        AssertBadInput([.. b, "ba", "--points", "2000000000"], "--points");
        AssertBadInput([.. b, "ba", "--max-rate", "17"], "--max-rate");
        AssertBadInput([.. b, "ba", "--max-rate", "0"], "--max-rate");
        AssertBadInput([.. b, "ba", "--max-rate", "NaN"], "--max-rate");
        AssertBadInput([.. b, "rd", "--dim", "0"], "--dim");
        AssertBadInput([.. b, "rd", "--dim", "100000"], "--dim");
        AssertBadInput([.. b, "nosuch"], "--kind");
        AssertBadInput(["bdrate", "a.csv", "b.csv", "--variance", "Infinity"], "--variance");
        AssertBadInput(["bdrate", "a.csv", "b.csv", "--variance", "-1"], "--variance");
        AssertBadInput(["bdrate", "a.csv", "b.csv", "--min-rate", "NaN"], "--min-rate");
        string[] d = ["data", "export", "--source", "gaussian", "--out", P("x.npy")];
        AssertBadInput([.. d, "--count", "0"], "--count");
        AssertBadInput([.. d, "--count", "2000000000"], "--count");
        AssertBadInput([.. d, "--dim", "4096", "--count", "100000"], "--count");
        AssertBadInput([.. d, "--dim", "0"], "--dim");
        AssertBadInput(["data", "export", "--source", "gaussian", "--out", ""], "--out");
        AssertBadInput(["data", "export", "--source", "gaussian", "--out", _dir.FullName], "directory");
        Assert.False(File.Exists(P("x.npy")));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "range checks must come before the work");
    }

    [Fact]
    public void TheDocumentedMaximumRateWorksForBlahutArimoto()
    {
        // --max-rate is documented up to 16; Blahut–Arimoto reaches it (each point on a grid fine enough for it).
        var (code, stdout, err) = LtcApp.RunCaptured("bounds", "--source", "gaussian", "--kind", "ba", "--max-rate", "12", "--points", "3", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        var pts = doc.RootElement.GetProperty("points").EnumerateArray().ToArray();
        Assert.Equal(3, pts.Length);
        double r = pts[^1].GetProperty("rate_bits_per_sample").GetDouble();
        double dist = pts[^1].GetProperty("distortion_mse").GetDouble();
        Assert.Equal(12, r, 2);
        Assert.Equal(0.5 * Math.Log2(1 / dist), r, 2); // on the Gaussian R(D)
    }

    [Fact]
    public void JsonNumbersStayNumbersWhenTheMseReachesZero()
    {
        // Two-valued data: ECVQ reaches D = 0 at a finite rate, where the SNR is infinite; JSON gives null.
        var rng = new Random(4);
        var data = Enumerable.Range(0, 400).Select(_ => (double)rng.Next(2)).ToArray();
        Npy.Write(P("two.npy"), data, 400, 1);
        var (code, stdout, err) = LtcApp.RunCaptured("bounds", "--source", "npy:" + P("two.npy"), "--kind", "ecvq", "--points", "4", "--max-rate", "4", "--json");
        Assert.True(code == 0, err);
        Assert.DoesNotContain("NaN", stdout);
        Assert.DoesNotContain("Infinity", stdout);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Contains(doc.RootElement.GetProperty("points").EnumerateArray(), p => p.GetProperty("snr_db").ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public void AnOutputThatIsAnInputIsRefusedAndTheInputKept()
    {
        Npy.Write(P("self.npy"), [1.0, 2, 3, 4, 5, 6], 3, 2);
        var before = File.ReadAllBytes(P("self.npy"));
        AssertBadInput(["data", "export", "--source", "npy:" + P("self.npy"), "--out", P("self.npy")], "input");
        AssertBadInput(["data", "export", "--source", "npy:" + P("self.npy"), "--out", Path.Combine(_dir.FullName, ".", "self.npy")], "input");
        File.CreateSymbolicLink(P("link.npy"), P("self.npy"));
        AssertBadInput(["data", "export", "--source", "npy:" + P("link.npy"), "--out", P("self.npy")], "input");
        AssertBadInput(["data", "export", "--source", "block:1:npy:" + P("self.npy"), "--out", P("link.npy")], "input");
        Assert.Equal(before, File.ReadAllBytes(P("self.npy")));
        // A recording folder may not receive a .wav output either.
        var speech = _dir.CreateSubdirectory("speech");
        AssertBadInput(["data", "export", "--source", "speech:" + speech.FullName, "--out", Path.Combine(speech.FullName, "0_a_0.wav")], "recordings");
    }

    [Fact]
    public async Task DataExportWritesStandardOutputForADash()
    {
        string file = P("g.npy");
        Assert.Equal(0, LtcApp.RunCaptured("data", "export", "--source", "gaussian", "--dim", "3", "--count", "50", "--out", file).Code);
        var (code, stdout, err) = await LtcProcess.RunAsync([], "data", "export", "--source", "gaussian", "--dim", "3", "--count", "50", "--out", "-");
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllBytes(file), stdout);
        Assert.Contains("wrote 50 × 3 float32", err);
    }
}
