using System.Text.Json;
using Ltc.Cli;
using Ltc.IO;
using Ltc.RateDistortion;
using Ltc.Sources;

namespace Ltc.Tests.Robustness;

/// <summary>
/// Kind 3, degenerate data: constant, zero-variance, single-row, two-valued and partly constant data sets, drawn at
/// random, through every bound of <c>ltc bounds</c> and through the library's bounds and sources. Each gives a
/// one-line error or a degenerate but finite answer; no crash, no NaN or infinity in the output.
/// </summary>
public sealed class DegenerateDataTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ltc-degenerate-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static readonly string[] Kinds = ["rd", "slb", "ba", "ecsq", "ecvq", "eclq"];

    /// <summary>A random degenerate data set: (rows, dim, values), and whether it has zero variance overall.</summary>
    private static (int Rows, int Dim, double[] Data, string What) Draw(Random rng, int k)
    {
        int dim = 1 + rng.Next(2);
        double c = Math.Round((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-3, 6)), 3);
        switch (k % 5)
        {
            case 0:
            {
                int rows = 2 + rng.Next(200);
                return (rows, dim, Enumerable.Repeat(c, rows * dim).ToArray(), "constant");
            }
            case 1:
                return (2, dim, Enumerable.Repeat(c, 2 * dim).ToArray(), "two equal rows");
            case 2:
                return (1, dim, Enumerable.Repeat(c, dim).ToArray(), "single row");
            case 3:
            {
                int rows = 10 + rng.Next(100);
                var d = new double[rows * dim];
                for (int i = 0; i < d.Length; i++) d[i] = rng.Next(2) == 0 ? c : c + 1;
                return (rows, dim, d, "two-valued");
            }
            default:
            {
                int rows = 20 + rng.Next(100);
                var d = new double[rows * 2];
                for (int i = 0; i < rows; i++) { d[2 * i] = c; d[2 * i + 1] = rng.NextDouble(); }
                return (rows, 2, d, "one constant coordinate");
            }
        }
    }

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
    public void TheLibraryBoundsGiveTheDegenerateAnswer()
    {
        // R(D) and the SLB of a zero-variance source: R = 0 at D = 0; a point mass has differential entropy −∞.
        Assert.Equal(0, TheoreticalRd.GaussianRate(0, variance: 0));
        Assert.Equal(0, TheoreticalRd.GaussianVectorRate([0.0, 0.0], 0));
        var rng = new Random(5);
        for (int k = 0; k < 30; k++)
        {
            var (rows, dim, data, what) = Draw(rng, k);
            double h = TheoreticalRd.HistogramDifferentialEntropy(data, dim, 16);
            if (what is "constant" or "two equal rows" or "single row" or "one constant coordinate")
            {
                Assert.Equal(double.NegativeInfinity, h);
                Assert.Equal(0, TheoreticalRd.ShannonLowerBound(h, dim, 0));
                Assert.Equal(0, TheoreticalRd.ShannonLowerBound(h, dim, 0.5));
            }
            else Assert.True(double.IsFinite(h), what);

            // Blahut–Arimoto on the histogram: finite, and R = 0, D = 0 for a point mass.
            var ba = BlahutArimoto.ForHistogram(Histogram.Build(data, dim, 8));
            foreach (var r in ba.Sweep([0.5, 5, 500], 1e-9, 5000))
            {
                Assert.True(double.IsFinite(r.Point.Rate) && double.IsFinite(r.Point.Distortion), what);
                if (what is "constant" or "two equal rows" or "single row")
                    Assert.True(r.Point.Rate < 1e-9 && r.Point.Distortion < 1e-20 * (1 + data[0] * data[0]), $"{what}: {r.Point}");
            }

            // ECVQ on the rows: constant data is one codeword, R = 0, D = 0.
            var res = Ecvq.Design(data, data, dim, 0.1, 1, new EcvqOptions(MaxCodewords: 16));
            Assert.True(double.IsFinite(res.Test.Rate) && double.IsFinite(res.Test.Distortion), what);
            if (what is "constant" or "two equal rows" or "single row")
                Assert.True(res.Test.Rate == 0 && res.Test.Distortion < 1e-20 * (1 + data[0] * data[0]), $"{what}: {res.Test}");
        }
        Assert.Throws<LtcException>(() => Ecvq.Design([1.0, 1.0], [1.0], 1, 0, 1));
        // The variance of a single row is 0 (population variance), not NaN.
        Assert.Equal(0, SourceStatistics.MeanCoordinateVariance([3.0, 4.0], 2));
    }

    [Fact]
    public void SourcesRefuseDataTheyCannotSplitOrNormalize()
    {
        string P(string n) => Path.Combine(_dir.FullName, n);
        Npy.Write(P("single.npy"), [1.0, 2.0], 1, 2);
        var e = Assert.Throws<LtcException>(() => SourceCatalog.Parse("npy:" + P("single.npy"), null));
        Assert.Contains("at least 2 rows", e.Message);
        Npy.Write(P("pair.npy"), [1.0, 2.0, 1.0, 2.0], 2, 2);
        var pair = SourceCatalog.Parse("npy:" + P("pair.npy"), null);
        Assert.Equal(0, pair.Variance(SourceSplit.Train));
        Assert.Equal(0, pair.Variance(SourceSplit.Test));
        // Physics data is divided by its standard deviation: a constant file is a one-line error, not NaN rows.
        Npy.Write(P("phys.npy"), new double[16 * 8200], 8200, 16);
        Assert.Contains("zero variance", Assert.Throws<LtcException>(() => SourceCatalog.Parse("physics:" + P("phys.npy"), null)).Message);
        // Exporting a zero-variance data set works (its variance is 0, a finite number).
        var (code, stdout, err) = LtcApp.RunCaptured("data", "export", "--source", "npy:" + P("pair.npy"), "--out", P("pair-out.npy"), "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(0, doc.RootElement.GetProperty("variance").GetDouble());
    }
}
