using System.Text.Json;
using Ltc.Cli;
using Ltc.Tests;

namespace Ltc.Cli.Tests.RateDistortion;

public class BoundsCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => LtcApp.RunCaptured(args);

    [Theory]
    [InlineData("rd")]
    [InlineData("slb")]
    [InlineData("ecsq")]
    public void BoundsJsonIsOneObjectWithIncreasingRates(string kind)
    {
        var (code, stdout, err) = Run("bounds", "--source", "gaussian", "--kind", kind, "--points", "6", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        var pts = doc.RootElement.GetProperty("points").EnumerateArray().ToArray();
        Assert.Equal(6, pts.Length);
        double prev = -1;
        foreach (var p in pts)
        {
            double r = p.GetProperty("rate_bits_per_sample").GetDouble();
            double d = p.GetProperty("distortion_mse").GetDouble();
            Assert.True(r >= prev);
            prev = r;
            Assert.Equal(10 * Math.Log10(1 / d), p.GetProperty("snr_db").GetDouble(), 9);
            // No curve beats the Gaussian R(D).
            Assert.True(r >= 0.5 * Math.Log2(1 / d) - 1e-9, $"{kind}: rate {r} below R(D) at D {d}");
        }
    }

    [Fact]
    public void EclqCsvWithZ2RunsAndBadInputIsOneLineExit2()
    {
        var (code, stdout, err) = Run("bounds", "--source", "gaussian", "--kind", "eclq", "--lattice", "Z2", "--points", "3", "--samples", "2000", "--cell-samples", "256", "--csv");
        Assert.True(code == 0, err);
        Assert.StartsWith("rate_bits_per_sample,distortion_mse,snr_db", stdout);
        Assert.Equal(4, stdout.Trim().Split('\n').Length);

        foreach (var args in new[]
        {
            new[] { "bounds", "--source", "gaussian", "--kind", "nope" },
            new[] { "bounds", "--source", "nosuch", "--kind", "rd" },
            new[] { "bounds", "--source", "gaussian", "--kind", "eclq" },
            new[] { "bounds", "--source", "gaussian", "--kind", "eclq", "--lattice", "Z3", "--dim", "2" },
            new[] { "bounds", "--source", "gaussian", "--kind", "rd", "--points", "1" },
            new[] { "bounds", "--source", "banana", "--kind", "ecsq", "--lattice", "E8" },
            new[] { "bounds", "--source", "gaussian", "--kind", "gaussian-rd", "--lattice", "E8" },
            new[] { "bdrate", "/nonexistent/a.csv", "/nonexistent/b.csv" },
            new[] { "bounds", "--source", "gaussian", "--dim", "4", "--columns", "0,7", "--kind", "ba" },
            new[] { "bounds", "--source", "gaussian", "--dim", "4", "--columns", "1,1", "--kind", "ba" },
        })
        {
            var (c, o, e) = Run(args);
            Assert.Equal(2, c);
            Assert.Equal("", o);
            Assert.StartsWith("ltc: error: ", e);
            Assert.Single(e.Trim().Split('\n'));
        }
    }

    [Fact]
    public void BdRateOfCurveAgainstItselfIsZeroAndPlotWritesFiles()
    {
        var dir = Directory.CreateTempSubdirectory("ltc-bd-");
        try
        {
            var (code, csv, err) = Run("bounds", "--source", "gaussian", "--kind", "ecsq", "--points", "8", "--csv");
            Assert.True(code == 0, err);
            var a = Path.Combine(dir.FullName, "a.csv");
            File.WriteAllText(a, csv);
            var (c2, json, e2) = Run("bdrate", a, a, "--json");
            Assert.True(c2 == 0, e2);
            using (var doc = JsonDocument.Parse(json))
            {
                Assert.Equal(0, doc.RootElement.GetProperty("bd_rate_percent").GetDouble(), 9);
                Assert.Equal(0, doc.RootElement.GetProperty("bd_snr_db").GetDouble(), 9);
            }
            // --min-rate drops the low-rate points: a curve whose low end alone differs then has zero deltas.
            var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var shifted = Path.Combine(dir.FullName, "shifted.csv");
            File.WriteAllLines(shifted, lines.Select((l, i) => i == 1 ? "0.05,0.99,0" : l));
            var (c6, j6, e6) = Run("bdrate", a, shifted, "--min-rate", "0.5", "--json");
            Assert.True(c6 == 0, e6);
            using (var doc = JsonDocument.Parse(j6))
                Assert.Equal(0, doc.RootElement.GetProperty("bd_rate_percent").GetDouble(), 9);
            var (c7, _, e7) = Run("bdrate", a, a, "--min-rate", "100");
            Assert.Equal(2, c7);
            Assert.Contains("fewer than 2 points", e7);
            var bad = Path.Combine(dir.FullName, "bad.csv");
            File.WriteAllText(bad, "rate,mse\n1,0.5\n");
            var (c3, _, e3) = Run("bdrate", a, bad);
            Assert.Equal(2, c3);
            Assert.Contains("bad.csv", e3);

            foreach (var ext in new[] { ".png", ".svg" })
            {
                var outPath = Path.Combine(dir.FullName, "rd" + ext);
                var (c4, _, e4) = Run("plot", "rd", "--csv", $"ECSQ={a}", "--reference", "gaussian", "--out", outPath);
                Assert.True(c4 == 0, e4);
                Assert.True(new FileInfo(outPath).Length > 1000);
            }
            Assert.Equal(2, Directory.GetFiles(dir.FullName, "rd.*").Length);
            Assert.Empty(Directory.GetFiles(dir.FullName, ".*tmp*"));
            var (c5, _, _) = Run("plot", "rd", "--csv", $"ECSQ={a}", "--out", Path.Combine(dir.FullName, "rd.jpg"));
            Assert.Equal(2, c5);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void BlahutArimotoOnTheTwoDimensionalPhysicsMarginalTracesADecreasingCurve()
    {
        var path = Path.Combine(TestPaths.SharedData, "physics", "ppzee-split=test.npy");
        Assert.True(File.Exists(path), $"missing {path}");
        var (code, stdout, err) = Run("bounds", "--source", $"npy:{path}", "--columns", "0,1", "--kind", "ba", "--points", "4",
            "--max-rate", "4", "--bins", "32", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("bits/vector", doc.RootElement.GetProperty("rate_unit").GetString());
        var pts = doc.RootElement.GetProperty("points").EnumerateArray()
            .Select(p => (R: p.GetProperty("rate_bits_per_sample").GetDouble(), D: p.GetProperty("distortion_mse").GetDouble())).ToArray();
        Assert.Equal(4, pts.Length);
        for (int i = 1; i < pts.Length; i++)
        {
            Assert.True(pts[i].R > pts[i - 1].R);
            Assert.True(pts[i].D < pts[i - 1].D);
        }
        // The 32 × 32 histogram has at most 10 bits of entropy, so no point of its R(D) can need more.
        Assert.True(pts[^1].R <= 10);
    }
}
