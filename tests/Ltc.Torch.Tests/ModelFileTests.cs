using Ltc.Lattices;
using static TorchSharp.torch;

namespace Ltc.Torch.Tests;

public class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private void AssertOneLineError(byte[] content)
    {
        string p = Path.Combine(_dir, "bad.ltcm");
        File.WriteAllBytes(p, content);
        var e = Assert.Throws<LtcException>(() => ModelFile.Load(p));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("bad.ltcm", e.Message);
    }

    [Theory]
    [InlineData("ltc", "A2", "flow")]
    [InlineData("ltc", "A2", "factorized")]
    [InlineData("ntc", "Z2", "factorized")]
    [InlineData("eclq", "A2", "flow")]
    [InlineData("block-ltc", "D4*", "flow")]
    public void SaveAndLoadReproduceOutputsBitForBit(string kind, string lattice, string entropy)
    {
        var cfg = TorchTestSupport.Tiny(kind, lattice, entropy, steps: 5);
        if (kind == "block-ltc") cfg = cfg with { Source = "block:4:banana", Dim = 8, Block = 4, LatentDim = 2, ScalarsPerSample = 4 };
        var model = TorchTestSupport.NewModel(cfg);
        new Trainer(model, Sources.SourceCatalog.Parse(cfg.Source, kind == "block-ltc" ? null : 2)).Run(TrainingState.Start);
        string path = Path.Combine(_dir, $"{kind}-{entropy}.ltcm");
        ModelFile.Save(path, model);
        var loaded = ModelFile.Load(path).Model;
        Assert.Equal(ModelFile.Fingerprint(model), ModelFile.Fingerprint(loaded));
        Assert.Equal(model.Config, loaded.Config);
        model.eval();
        loaded.eval();
        var x = randn(40, cfg.Dim);
        var cells = model.Quantizer is null ? null : Trainer.CellSamples(model.Quantizer.Lattice, 32, CellSampling.ScrambledSobol, 9);
        using var _ = no_grad();
        var a = model.Forward(x, false, cells);
        var b = loaded.Forward(x, false, cells);
        Assert.Equal(TorchTestSupport.Values(a.Reconstruction), TorchTestSupport.Values(b.Reconstruction));
        Assert.Equal(TorchTestSupport.Values(a.BitsPerVector), TorchTestSupport.Values(b.BitsPerVector));
    }

    [Fact]
    public void DamagedFilesAreOneLineErrors()
    {
        var model = TorchTestSupport.NewModel(TorchTestSupport.Tiny(steps: 0));
        string path = Path.Combine(_dir, "m.ltcm");
        ModelFile.Save(path, model);
        var bytes = File.ReadAllBytes(path);
        var badMagic = (byte[])bytes.Clone();
        badMagic[0] ^= 0xff;
        // Truncations, an extension and a bad magic must each be rejected with a one-line error naming the file.
        foreach (var c in new[] { bytes[..3], bytes[..(bytes.Length / 2)], bytes[..^1], bytes.Append((byte)0).ToArray(), badMagic })
            AssertOneLineError(c);
        // A flipped byte in the header, configuration or block lengths is either rejected the same way or, inside a
        // JSON number or a weight, loads as another valid model; nothing else (no other exception) may happen.
        var rng = new Random(5);
        for (int i = 0; i < 40; i++)
        {
            var m = (byte[])bytes.Clone();
            m[rng.Next(Math.Min(m.Length, 600))] ^= (byte)(1 + rng.Next(255));
            string p = Path.Combine(_dir, "bad.ltcm");
            File.WriteAllBytes(p, m);
            try { ModelFile.Load(p); }
            catch (LtcException e) { Assert.DoesNotContain('\n', e.Message); }
        }
        Assert.Throws<LtcException>(() => ModelFile.Load(Path.Combine(_dir, "missing.ltcm")));
    }
}
