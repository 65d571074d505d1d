using System.Text.Json;
using Ltc.Cli;
using Ltc.IO;
using Ltc.Lattices;

namespace Ltc.Cli.Tests.Cli;

public sealed class LatticeCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-lattice-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => LtcApp.RunCaptured(args);

    /// <summary>Runs with --json and checks stdout is exactly one JSON object and stderr is empty.</summary>
    private static JsonElement RunJson(params string[] args)
    {
        var (code, o, e) = Run([.. args, "--json"]);
        Assert.True(code == 0, $"exit {code}: {e}");
        Assert.Equal("", e);
        using var doc = JsonDocument.Parse(o); // throws on anything but one JSON value
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        return doc.RootElement.Clone();
    }

    private static void AssertBadInput((int Code, string Out, string Err) r, string? mention = null)
    {
        Assert.Equal(2, r.Code);
        Assert.Equal("", r.Out);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("ltc: error: ", lines[0]);
        if (mention != null) Assert.Contains(mention, lines[0]);
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void ListShowsEveryListedLattice()
    {
        var j = RunJson("lattice", "list");
        var rows = j.GetProperty("lattices").EnumerateArray().ToList();
        Assert.Equal(LatticeCatalog.ListedNames.Count, rows.Count);
        foreach (var (row, name) in rows.Zip(LatticeCatalog.ListedNames))
        {
            var l = LatticeCatalog.Parse(name);
            Assert.Equal(l.Name, row.GetProperty("name").GetString());
            Assert.Equal(l.Dimension, row.GetProperty("dimension").GetInt32());
            Assert.Equal(l.Decoder, row.GetProperty("decoder").GetString());
            if (l.PublishedNsm is double g)
            {
                Assert.Equal(g, row.GetProperty("published_nsm").GetDouble());
                Assert.Equal(10 * Math.Log10(1.0 / 12 / g), row.GetProperty("granular_gain_db").GetDouble(), 1e-12);
            }
        }
        var (code, text, err) = Run("lattice", "list");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        foreach (var name in LatticeCatalog.ListedNames) Assert.Contains(LatticeCatalog.Parse(name).Name, text);
    }

    [Theory]
    [InlineData("Z3")]
    [InlineData("E8")]
    [InlineData("D4*")]
    public void InfoGivesGeneratorVolumeAndPublishedNsm(string name)
    {
        var l = LatticeCatalog.Parse(name);
        var j = RunJson("lattice", "info", "--lattice", name);
        Assert.Equal(l.Name, j.GetProperty("lattice").GetString());
        Assert.Equal(l.Dimension, j.GetProperty("dimension").GetInt32());
        var g = j.GetProperty("generator").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        Assert.Equal(l.Dimension, g.Length);
        Assert.All(g, r => Assert.Equal(l.Dimension, r.Length));
        Assert.Equal(l.Generator.ToArray(), g.SelectMany(r => r).ToArray());
        Assert.Equal(l.Volume, j.GetProperty("volume").GetDouble(), 1e-12);
        Assert.Equal(l.PublishedNsm!.Value, j.GetProperty("published_nsm").GetDouble());

        var u = RunJson("lattice", "info", "--lattice", name, "--unit-volume");
        Assert.Equal(1.0, u.GetProperty("volume").GetDouble(), 1e-9);
        var (code, text, _) = Run("lattice", "info", "--lattice", name);
        Assert.Equal(0, code);
        Assert.Contains("volume", text);
    }

    [Fact]
    public void NsmReportsEstimateStandardErrorAndPublishedValue()
    {
        var j = RunJson("lattice", "nsm", "--lattice", "Z4", "--samples", "100000", "--seed", "3", "--threads", "1");
        Assert.Equal("Z4", j.GetProperty("lattice").GetString());
        Assert.Equal(4, j.GetProperty("dimension").GetInt32());
        Assert.Equal(100000, j.GetProperty("samples").GetInt64());
        double g = j.GetProperty("nsm").GetDouble(), se = j.GetProperty("stderr").GetDouble();
        Assert.Equal(1.0 / 12, j.GetProperty("published_nsm").GetDouble());
        Assert.InRange(se, 1e-6, 1e-3);
        Assert.InRange(g, 1.0 / 12 - 4 * se, 1.0 / 12 + 4 * se);
        Assert.Equal((g - 1.0 / 12) / se, j.GetProperty("difference_in_stderr").GetDouble(), 1e-9);
        // Deterministic from the seed, whatever the thread count.
        var j2 = RunJson("lattice", "nsm", "--lattice", "Z4", "--samples", "100000", "--seed", "3", "--threads", "2");
        Assert.Equal(g, j2.GetProperty("nsm").GetDouble());

        var s = RunJson("lattice", "nsm", "--lattice", "Z4", "--samples", "65536", "--sobol");
        Assert.Equal("scrambled-sobol", s.GetProperty("sampling").GetString());
        Assert.Equal(16, s.GetProperty("replicates").GetInt32());

        var (code, text, _) = Run("lattice", "nsm", "--lattice", "Z4", "--samples", "20000");
        Assert.Equal(0, code);
        Assert.Contains("G = 0.08", text);
        Assert.Contains("standard errors", text);
    }

    [Fact]
    public void NsmForLeechReportsTheCorrectedAndTheSplagValue()
    {
        var j = RunJson("lattice", "nsm", "--lattice", "Leech", "--samples", "2000");
        Assert.Equal(0.065754, j.GetProperty("published_nsm").GetDouble(), 1e-9);
        Assert.Equal(0.0657710, j.GetProperty("splag_nsm").GetDouble(), 1e-9);
    }

    [Theory]
    [InlineData("Z3", false)]
    [InlineData("E8", true)]
    [InlineData("D4*", false)]
    [InlineData("A2", true)]
    public void QuantizeRoundTripsThroughLatticePointsAndCoordinates(string name, bool float32)
    {
        var l = LatticeCatalog.Parse(name).WithUnitVolume();
        int n = l.Dimension, count = 500;
        var rnd = new Random(1);
        var x = new double[count * n];
        for (int i = 0; i < x.Length; i++) x[i] = 3 * (rnd.NextDouble() - 0.5);
        string input = PathOf("in.npy"), output = PathOf("out.npy"), coords = PathOf("k.npy");
        if (float32) Npy.Write(input, x.Select(v => (float)v).ToArray(), count, n);
        else Npy.Write(input, x, count, n);
        if (float32) for (int i = 0; i < x.Length; i++) x[i] = (float)x[i];

        var (code, _, err) = Run("lattice", "quantize", "--lattice", name, "--unit-volume", input, output, "--coords", coords);
        Assert.True(code == 0, err);
        var y = Npy.Read(output);
        Assert.Equal(float32 ? NpyType.Float32 : NpyType.Float64, y.Type);
        Assert.Equal(new long[] { count, n }, y.Shape);
        var k = Npy.Read(coords);
        Assert.Equal(NpyType.Int64, k.Type);
        Assert.Equal(new long[] { count, n }, k.Shape);

        // The same scaling as 'info --unit-volume': points are integer combinations of its generator rows.
        var info = RunJson("lattice", "info", "--lattice", name, "--unit-volume");
        var g = info.GetProperty("generator").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetDouble())).ToArray();
        double tol = float32 ? 1e-5 : 1e-9;
        var p = new double[n];
        for (int i = 0; i < count; i++)
        {
            for (int c = 0; c < n; c++)
            {
                double s = 0;
                for (int r = 0; r < n; r++) s += k.Data[i * n + r] * g[r * n + c];
                p[c] = s;
                Assert.Equal(s, y.Data[i * n + c], tol * Math.Max(1, Math.Abs(s)));
            }
            // No point one basis vector away is closer to the input.
            double d0 = Dist2(x, i * n, p);
            for (int r = 0; r < n; r++)
                foreach (int sign in new[] { -1, 1 })
                {
                    var q = p.Select((v, c) => v + sign * g[r * n + c]).ToArray();
                    Assert.True(Dist2(x, i * n, q) >= d0 - 1e-9, $"row {i}: a neighbour is closer than the output");
                }
        }
    }

    private static double Dist2(double[] x, int o, double[] p)
    {
        double s = 0;
        for (int j = 0; j < p.Length; j++) s += (x[o + j] - p[j]) * (x[o + j] - p[j]);
        return s;
    }

    [Fact]
    public void QuantizeRejectsBadInputWithOneLine()
    {
        string output = PathOf("out.npy");
        string wide = PathOf("wide.npy");
        Npy.Write(wide, new double[12], 4, 3);
        AssertBadInput(Run("lattice", "quantize", "--lattice", "Z4", wide, output), "dimension 3");

        string nan = PathOf("nan.npy");
        Npy.Write(nan, new[] { 0.0, double.NaN, 1, 2 }, 1, 4);
        AssertBadInput(Run("lattice", "quantize", "--lattice", "Z4", nan, output), "NaN");

        AssertBadInput(Run("lattice", "quantize", "--lattice", "Z4", PathOf("missing.npy"), output), "missing.npy");

        string ints = PathOf("ints.npy");
        Npy.Write(ints, new long[8], 2, 4);
        AssertBadInput(Run("lattice", "quantize", "--lattice", "Z4", ints, output), "float32 or float64");

        string junk = PathOf("junk.npy");
        File.WriteAllText(junk, "not an npy file");
        AssertBadInput(Run("lattice", "quantize", "--lattice", "Z4", junk, output), "junk.npy");

        string ok = PathOf("ok.npy");
        Npy.Write(ok, new double[8], 2, 4);
        AssertBadInput(Run("lattice", "quantize", "--lattice", "Nope7", ok, output), "Nope7");
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("lattice", "info", "--lattice", "Nope7")]
    [InlineData("lattice", "nsm", "--lattice", "Nope7")]
    [InlineData("lattice", "bench", "--lattice", "Nope7")]
    [InlineData("lattice", "nsm", "--lattice", "Z2", "--samples", "0")]
    [InlineData("lattice", "nsm", "--lattice", "Z2", "--samples", "many")]
    [InlineData("lattice", "nsm", "--lattice", "Z2", "--threads", "-1")]
    [InlineData("lattice", "bench", "--lattice", "Z2", "--points", "0")]
    [InlineData("lattice", "info")]
    public void BadArgumentsExitTwoWithOneLine(params string[] args)
    {
        AssertBadInput(Run(args));
        AssertBadInput(Run([.. args, "--json"]));
    }

    [Fact]
    public void BenchReportsPointsPerSecondPerThreadCount()
    {
        var j = RunJson("lattice", "bench", "--lattice", "Z8", "--points", "2000", "--seconds", "0");
        var rows = j.GetProperty("results").EnumerateArray().ToList();
        int[] expected = Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];
        Assert.Equal(expected, rows.Select(r => r.GetProperty("threads").GetInt32()));
        Assert.All(rows, r =>
        {
            Assert.Equal("Z8", r.GetProperty("lattice").GetString());
            Assert.Equal(8, r.GetProperty("dimension").GetInt32());
            Assert.True(r.GetProperty("points_per_second").GetDouble() > 0);
        });
        var one = RunJson("lattice", "bench", "--lattice", "E8", "--threads", "1", "--points", "1000", "--seconds", "0");
        Assert.Single(one.GetProperty("results").EnumerateArray());
    }
}
