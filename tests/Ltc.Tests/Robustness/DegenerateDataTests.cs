using Ltc.IO;
using Ltc.RateDistortion;
using Ltc.Sources;
using static Ltc.Tests.Robustness.DegenerateData;

namespace Ltc.Tests.Robustness;

/// <summary>
/// Kind 3, degenerate data: constant, zero-variance, single-row, two-valued and partly constant data sets, drawn at
/// random, through the library's bounds and sources (and, in Ltc.Cli.Tests' DegenerateDataCliTests, through every
/// bound of <c>ltc bounds</c>). Each gives a one-line error or a degenerate but finite answer; no crash, no NaN.
/// </summary>
public sealed class DegenerateDataTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ltc-degenerate-");

    public void Dispose() => _dir.Delete(recursive: true);

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
    }
}
