using System.Text.Json;
using Ltc.IO;
using static Ltc.Tests.Robustness.DegenerateData;

namespace Ltc.Cli.Tests.Robustness;

/// <summary>
/// Kind 3, degenerate data through the commands: every bound of <c>ltc bounds</c> on constant, zero-variance,
/// single-row, two-valued and partly constant data sets drawn at random, and <c>ltc data export</c> of a zero-variance
/// set (the library's side is tests/Ltc.Tests' DegenerateDataTests). Each gives a one-line error or a degenerate but
/// finite answer; no crash, no NaN or infinity in the output.
/// </summary>
public sealed class DegenerateDataCliTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ltc-degenerate-cli-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static readonly string[] Kinds = ["rd", "slb", "ba", "ecsq", "ecvq", "eclq"];

    [Fact]
    public void EveryBoundGivesAOneLineErrorOrAFiniteAnswerOnDegenerateData()
    {
        var rng = new Random(99);
        for (int k = 0; k < 15; k++)
        {
            var (rows, dim, data, what) = Draw(rng, k);
            string path = Path.Combine(_dir.FullName, $"d{k}.npy");
            Npy.Write(path, data, rows, dim);
            foreach (var kind in Kinds)
            {
                string[] args = ["bounds", "--source", "npy:" + path, "--kind", kind, "--points", "3", "--json", "--max-codewords", "64"];
                if (kind == "eclq") args = [.. args, "--lattice", dim == 1 ? "Z1" : "A2"];
                var (code, stdout, err) = LtcApp.RunCaptured(args);
                string context = $"{what} data ({rows}×{dim}), --kind {kind}: exit {code}, {err}";
                Assert.True(code is 0 or 2, context);
                if (code == 2)
                {
                    Assert.Equal("", stdout);
                    Assert.StartsWith("ltc: error: ", err);
                    Assert.Single(err.Trim().Split('\n'));
                    if (what is "constant" or "two equal rows") Assert.True(err.Contains("zero variance"), context);
                    continue;
                }
                Assert.DoesNotContain("NaN", stdout);
                Assert.DoesNotContain("Infinity", stdout);
                using var doc = JsonDocument.Parse(stdout);
                Assert.True(doc.RootElement.GetProperty("variance").GetDouble() > 0, context);
                foreach (var p in doc.RootElement.GetProperty("points").EnumerateArray())
                {
                    Assert.True(p.GetProperty("rate_bits_per_sample").GetDouble() >= 0, context);
                    Assert.True(p.GetProperty("distortion_mse").GetDouble() >= 0, context);
                    var snr = p.GetProperty("snr_db");
                    Assert.True(snr.ValueKind is JsonValueKind.Number or JsonValueKind.Null, context);
                }
            }
        }
    }

    [Fact]
    public void ExportingAZeroVarianceDataSetWorks()
    {
        // Its variance is 0, a finite number.
        string P(string n) => Path.Combine(_dir.FullName, n);
        Npy.Write(P("pair.npy"), [1.0, 2.0, 1.0, 2.0], 2, 2);
        var (code, stdout, err) = LtcApp.RunCaptured("data", "export", "--source", "npy:" + P("pair.npy"), "--out", P("pair-out.npy"), "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(0, doc.RootElement.GetProperty("variance").GetDouble());
    }
}
