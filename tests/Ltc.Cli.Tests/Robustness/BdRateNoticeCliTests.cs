using System.Globalization;
using System.Text.Json;

namespace Ltc.Cli.Tests.Robustness;

/// <summary>
/// Kind 5, silent choices in results: <c>ltc bdrate</c> says on stderr which points it left out and why, warns when
/// the curves barely overlap or their rate ranges do not overlap, and documents both in its help.
/// </summary>
public sealed class BdRateNoticeCliTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ltc-bdrate-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Csv(string name, params (double Rate, double Mse)[] points)
    {
        string p = Path.Combine(_dir.FullName, name);
        File.WriteAllText(p, "rate_bits_per_sample,distortion_mse\n" + string.Concat(points.Select(q =>
            string.Create(CultureInfo.InvariantCulture, $"{q.Rate:R},{q.Mse:R}\n"))));
        return p;
    }

    private static (double, double) G(double r) => (r, Math.Pow(2, -2 * r));

    [Fact]
    public void DroppedPointsAreNamedWithTheirReasonOnStderr()
    {
        // The curves: a test point dominated by a cheaper, better one.
        var anchor = Csv("a.csv", (0.25, 0.7071067811865476), (0.5, 0.5), (1.0, 0.25), (2.0, 0.0625));
        var test = Csv("t.csv", (0.25, 0.7071067811865476), (0.5, 0.5), (0.7, 0.5358867312681466), (2.0, 0.05440941020600775));
        var (code, stdout, err) = LtcApp.RunCaptured("bdrate", anchor, test);
        Assert.True(code == 0, err);
        var line = Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith($"ltc: warning: {test}: ", line);
        Assert.Contains("0.7", line);
        Assert.Contains("dominated by (rate 0.5, mse 0.5)", line);
        Assert.Contains("BD-rate", stdout);
        Assert.StartsWith($"{test} against the anchor {anchor} ", stdout);

        // Rate-0 points and repeats are named too, and the JSON lists every dropped point.
        var a2 = Csv("a2.csv", (0, 1), G(0.5), G(1), G(1), G(2));
        var (c2, json, e2) = LtcApp.RunCaptured("bdrate", a2, a2, "--json");
        Assert.True(c2 == 0, e2);
        Assert.Equal(4, e2.Trim().Split('\n').Length); // two points × two curves
        Assert.Contains("rate 0 has no logarithm", e2);
        Assert.Contains("repeats an earlier point", e2);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(2, doc.RootElement.GetProperty("dropped_anchor").GetArrayLength());
        Assert.Equal(0, doc.RootElement.GetProperty("bd_rate_percent").GetDouble(), 9);
    }

    [Fact]
    public void BarelyOverlappingCurvesAndDisjointRateRangesAreWarnedAbout()
    {
        // SNR ranges share 1 dB of 12: a warning; the deltas are still given.
        var a = Csv("a.csv", G(0.5), G(1), G(1.5), G(2.5));
        var t = Csv("t.csv", G(2.3), G(3), G(4));
        var (code, _, err) = LtcApp.RunCaptured("bdrate", a, t);
        Assert.True(code == 0, err);
        Assert.Contains("share only", err);
        Assert.StartsWith("ltc: warning: ", err);

        // Same SNRs reached at disjoint rates: BD-rate exists, BD-SNR does not; JSON gives null, not "NaN".
        var far = Csv("far.csv", (5, 0.5), (6, 0.25), (7, 0.125));
        var near = Csv("near.csv", (1, 0.4), (2, 0.2), (3, 0.1));
        var (c2, json, e2) = LtcApp.RunCaptured("bdrate", near, far, "--json");
        Assert.True(c2 == 0, e2);
        Assert.Contains("no BD-SNR", e2);
        Assert.DoesNotContain("NaN", json);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("bd_snr_db").ValueKind);

        // Well-overlapping curves give no warning at all.
        var (c3, _, e3) = LtcApp.RunCaptured("bdrate", a, a);
        Assert.True(c3 == 0, e3);
        Assert.Equal("", e3);
    }

    [Fact]
    public void TheHelpSaysWhatIsLeftOutAndWhenItWarns()
    {
        var (_, help, _) = LtcApp.RunCaptured("bdrate", "--help");
        Assert.Contains("left out", help);
        Assert.Contains("rate 0", help);
        Assert.Contains("stderr", help);
        Assert.Contains("overlap", help);
    }

    [Fact]
    public void PairedCurvesGiveTheMeanAndSpreadOfTheirDeltas()
    {
        // Test curves 5 % and 15 % cheaper than their anchors at every SNR: BD-rates −5 and −15, mean −10, sd √50.
        (double, double) Cheaper(double r, double f) => (r * f, Math.Pow(2, -2 * r));
        double[] rates = [0.5, 1, 1.5, 2];
        var a1 = Csv("a1.csv", [.. rates.Select(G)]);
        var a2 = Csv("a2.csv", [.. rates.Select(G)]);
        var t1 = Csv("t1.csv", [.. rates.Select(r => Cheaper(r, 0.95))]);
        var t2 = Csv("t2.csv", [.. rates.Select(r => Cheaper(r, 0.85))]);
        var (code, stdout, err) = LtcApp.RunCaptured("bdrate", $"{a1},{a2}", $"{t1},{t2}", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        var r = doc.RootElement;
        Assert.Equal(2, r.GetProperty("pairs").GetInt32());
        Assert.Equal(-10, r.GetProperty("bd_rate_percent_mean").GetDouble(), 6);
        Assert.Equal(Math.Sqrt(50), r.GetProperty("bd_rate_percent_sd").GetDouble(), 6);
        Assert.Equal(-5, r.GetProperty("per_pair")[0].GetProperty("bd_rate_percent").GetDouble(), 6);
        Assert.True(r.GetProperty("bd_snr_db_mean").GetDouble() > 0);
        (code, _, err) = LtcApp.RunCaptured("bdrate", $"{a1},{a2}", t1);
        Assert.Equal(2, code);
        Assert.Contains("as many test curves as anchor curves (2 anchor, 1 test)", err);
        (code, _, err) = LtcApp.RunCaptured("bdrate", $"{a1},,{a2}", $"{t1},,{t2}");
        Assert.Equal(2, code);
        Assert.Contains("empty entry", err);
    }
}
