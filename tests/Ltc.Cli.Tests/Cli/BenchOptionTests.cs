using System.Text.Json;
using Ltc.Cli;
using Ltc.Simd;

namespace Ltc.Cli.Tests.Cli;

/// <summary>
/// <c>ltc lattice ...</c> and <c>ltc bench coder</c>: numeric options out of range are one-line errors (exit 2) before any
/// work, and both benchmarks report the vector path that ran, in their table and in their JSON.
/// </summary>
public sealed class BenchOptionTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => LtcApp.RunCaptured(args);

    [Theory]
    [InlineData("--points", "2147483647")]
    [InlineData("--points", "2147483648")]
    [InlineData("--points", "0")]
    [InlineData("--points", "-5")]
    [InlineData("--points", "1048577")]
    [InlineData("--seconds", "-1")]
    [InlineData("--seconds", "1e9")]
    [InlineData("--seconds", "NaN")]
    [InlineData("--seconds", "Infinity")]
    [InlineData("--threads", "0")]
    [InlineData("--threads", "-1")]
    [InlineData("--threads", "1025")]
    [InlineData("--threads", "x")]
    public void LatticeBenchRejectsOutOfRangeOptionsInOneLine(string option, string value) =>
        AssertBadInput(Run("lattice", "bench", option, value), option);

    [Fact]
    public void LatticeBenchChecksPointsTimesDimensionBeforeAnyWork()
    {
        // 2^20 points of a 64-dimensional lattice would be 2^26 values per array.
        var r = Run("lattice", "bench", "--lattice", "Z64", "--points", "1048576");
        AssertBadInput(r, "--points");
        Assert.DoesNotContain("points/s", r.Out);
    }

    [Theory]
    [InlineData("nsm", "--samples", "1")]
    [InlineData("nsm", "--samples", "17179869185")]
    [InlineData("nsm", "--samples", "99999999999999999999")]
    [InlineData("nsm", "--replicates", "1")]
    [InlineData("nsm", "--replicates", "100000")]
    [InlineData("nsm", "--threads", "-1")]
    [InlineData("nsm", "--threads", "100000")]
    public void LatticeNsmRejectsOutOfRangeOptionsInOneLine(string sub, string option, string value) =>
        AssertBadInput(Run("lattice", sub, "--lattice", "E8", option, value), option);

    [Fact]
    public void LatticeQuantizeRejectsOutOfRangeThreadsBeforeReadingInput() =>
        AssertBadInput(Run("lattice", "quantize", "--lattice", "E8", "/nonexistent/in.npy", "/nonexistent/out.npy", "--threads", "5000"), "--threads");

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("200000001")]
    [InlineData("2147483648")]
    public void BenchCoderRejectsOutOfRangeSymbolsInOneLine(string value) =>
        AssertBadInput(Run("bench", "coder", "--symbols", value), "--symbols");

    [Fact]
    public void LatticeBenchNamesThePathInTableAndJson()
    {
        var (code, text, err) = Run("lattice", "bench", "--lattice", "E8", "--points", "500", "--seconds", "0", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains($"path {SimdPath.Name}", text);
        var row = text.Split('\n').Single(l => l.StartsWith("E8 ", StringComparison.Ordinal));
        Assert.Contains($"path {SimdPath.Name}", row);

        var j = Json("lattice", "bench", "--lattice", "BW16", "--points", "300", "--seconds", "0");
        Assert.Equal(SimdPath.Name, j.GetProperty("path").GetString());
        Assert.Equal(SimdPath.NameOf(SimdPath.Hardware), j.GetProperty("hardware_path").GetString());
        foreach (var r in j.GetProperty("results").EnumerateArray())
        {
            Assert.Equal(SimdPath.Name, r.GetProperty("path").GetString());
            Assert.True(r.GetProperty("points_per_second").GetDouble() > 0);
        }
    }

    [Fact]
    public void BenchCoderNamesThePathInTableAndJson()
    {
        var (code, text, err) = Run("bench", "coder", "--symbols", "100000");
        Assert.True(code == 0, err);
        Assert.Contains($"path           {SimdPath.Name}", text);
        var j = Json("bench", "coder", "--symbols", "100000");
        Assert.Equal(SimdPath.Name, j.GetProperty("path").GetString());
        Assert.True(j.GetProperty("round_trip").GetBoolean());
    }

    private static JsonElement Json(params string[] args)
    {
        var (code, o, e) = Run([.. args, "--json"]);
        Assert.True(code == 0, $"exit {code}: {e}");
        Assert.Equal("", e);
        using var doc = JsonDocument.Parse(o);
        return doc.RootElement.Clone();
    }

    private static void AssertBadInput((int Code, string Out, string Err) r, string mention)
    {
        Assert.Equal(2, r.Code);
        Assert.Equal("", r.Out);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("ltc: error: ", lines[0]);
        Assert.Contains(mention, lines[0]);
    }
}
