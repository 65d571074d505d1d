using System.Text.Json;
using Ltc.Torch;
using Ltc.Torch.Tests;

namespace Ltc.Cli.Tests.Models;

/// <summary><c>ltc export</c> and <c>ltc import</c>: safetensors files from and to model files (<see cref="SafetensorsFile"/>).</summary>
[Collection("torch-serial")]
public class SafetensorsCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-safetensors-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);

    [Fact]
    public void ExportAndImportCommandsRoundTripAndRejectBadInput()
    {
        string model = P("m.ltcm"), weights = P("w.safetensors"), back = P("back.ltcm");
        var original = CodecTestSupport.NewFittedModel(CodecTestSupport.Config("ltc", "A2", 2, "flow"), 1000);
        ModelFile.Save(model, original, new TrainingState(3, 1, 1, 1, 1));
        var (code, stdout, stderr) = LtcApp.RunCaptured("export", "--model", model, "--out", weights, "--json");
        Assert.True(code == 0, stderr);
        using (var doc = JsonDocument.Parse(stdout))
        {
            Assert.Equal(new FileInfo(weights).Length, doc.RootElement.GetProperty("file_bytes").GetInt64());
            Assert.True(doc.RootElement.GetProperty("coding_tables").GetBoolean());
            Assert.Equal("ltc", doc.RootElement.GetProperty("model").GetString()); // the kind's name, not the enum's number
        }
        (code, stdout, stderr) = LtcApp.RunCaptured("import", "--in", weights, "--out", back);
        Assert.True(code == 0, stderr);
        Assert.Single(stdout.TrimEnd().Split('\n'));
        Assert.StartsWith("imported ltc model ", stdout, StringComparison.Ordinal);
        var loaded = ModelFile.Load(back);
        Assert.Equal(ModelFile.Fingerprint(original), ModelFile.Fingerprint(loaded.Model));
        Assert.Equal(3, loaded.State.Step);

        File.WriteAllBytes(P("cut.safetensors"), File.ReadAllBytes(weights)[..100]);
        foreach (var args in new string[][]
        {
            ["import", "--in", P("cut.safetensors"), "--out", P("x.ltcm")],
            ["import", "--in", model, "--out", P("x.ltcm")], // a model file is not a safetensors file
            ["import", "--in", P("missing.safetensors"), "--out", P("x.ltcm")],
            ["import", "--in", weights, "--out", weights],
            ["import", "--in", weights],
            ["export", "--model", weights, "--out", P("x.safetensors")],
            ["export", "--model", model, "--out", model],
            ["export", "--model", model, "--out", Path.Combine(P("no-such-dir"), "x.safetensors")],
        })
        {
            (code, stdout, stderr) = LtcApp.RunCaptured(args);
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}");
            Assert.StartsWith("ltc: error: ", stderr);
            Assert.Single(stderr.TrimEnd().Split('\n'));
            Assert.False(File.Exists(P("x.ltcm")) || File.Exists(P("x.safetensors")), string.Join(' ', args));
        }
        Assert.Equal(ModelFile.Fingerprint(original), ModelFile.Fingerprint(ModelFile.Load(model).Model)); // inputs untouched
    }
}
