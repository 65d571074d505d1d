using System.Text.Json;
using Ltc.Cli;
using Ltc.Coding;
using Ltc.Tests.Coding;

namespace Ltc.Cli.Tests.Coding;

public class CodingCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => LtcApp.RunCaptured(args);

    [Fact]
    public void InspectPrintsTheHeaderOfAValidFileAndRejectsADamagedOne()
    {
        var dir = Directory.CreateTempSubdirectory("ltc-inspect-");
        try
        {
            var path = Path.Combine(dir.FullName, "x.ltc");
            var bytes = LtcFileSamples.File(2);
            Ltc.IO.AtomicFile.WriteAllBytes(path, bytes);
            var (code, output, err) = Run("inspect", path, "--json");
            Assert.Equal(0, code);
            Assert.Equal("", err);
            using var doc = JsonDocument.Parse(output);
            var root = doc.RootElement;
            Assert.True(root.GetProperty("valid").GetBoolean());
            Assert.Equal("ntc-test", root.GetProperty("model_name").GetString());
            Assert.Equal(LtcFileSamples.Header(2).FingerprintHex, root.GetProperty("model_fingerprint").GetString());
            Assert.Equal(3, root.GetProperty("chunk_count").GetInt32());
            Assert.Equal("E8", root.GetProperty("extra").GetProperty("lattice").GetProperty("value").GetString());

            (code, output, _) = Run("inspect", path);
            Assert.Equal(0, code);
            Assert.Contains("checksums ok", output);
            Assert.Contains("reconstruction  [0.5, -1.25] (the model's parameters)", output);

            bytes[^2] ^= 1;
            File.WriteAllBytes(path, bytes);
            (code, output, err) = Run("inspect", path, "--json");
            Assert.Equal(2, code);
            Assert.Equal("", output);
            Assert.StartsWith($"ltc: error: {path}: chunk 2 checksum mismatch", err);
            Assert.Single(err.TrimEnd().Split('\n'));

            (code, _, err) = Run("inspect", Path.Combine(dir.FullName, "missing.ltc"));
            Assert.Equal(2, code);
            Assert.Contains("not found", err);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void BenchCoderReportsSpeedAndOverheadAsJson()
    {
        var (code, output, err) = Run("bench", "coder", "--symbols", "200000", "--json");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        Assert.True(r.GetProperty("encode_symbols_per_second").GetDouble() > 0);
        Assert.True(r.GetProperty("decode_symbols_per_second").GetDouble() > 0);
        Assert.True(r.GetProperty("round_trip").GetBoolean());
        // Coded size within 0.1% + 16 bytes of the ideal, as the coder promises (20 bytes of framing included).
        double ideal = r.GetProperty("ideal_bytes").GetDouble();
        Assert.True(r.GetProperty("coded_bytes").GetInt64() <= ideal * 1.001 + 16);
        Assert.InRange(r.GetProperty("overhead_percent").GetDouble(), -1e-9, 0.1 + 1600 / ideal);
        Assert.Equal(2, Run("bench", "coder", "--symbols", "0").Code);
    }
}
