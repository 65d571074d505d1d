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
        var cells = model.Quantizer is null ? null : ModelRandomness.CellSamples(model.Quantizer.Lattice, 32, CellSampling.ScrambledSobol, 9);
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
        // A file cut short says so (an interrupted copy), wherever the cut; a byte damaged in place is a checksum mismatch.
        string cut = Path.Combine(_dir, "cut.ltcm");
        foreach (int length in new[] { 3, 6, 20, 100, bytes.Length / 2, bytes.Length - 1 })
        {
            File.WriteAllBytes(cut, bytes[..length]);
            Assert.Contains("truncated model file", Assert.Throws<LtcException>(() => ModelFile.Load(cut)).Message);
        }
        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 1; // inside the weights
        File.WriteAllBytes(cut, flipped);
        Assert.Contains("checksum mismatch", Assert.Throws<LtcException>(() => ModelFile.Load(cut)).Message);
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

    private static CompressionModel CopyOf(CompressionModel model, ModelConfig config)
    {
        var copy = new CompressionModel(config);
        using var _ = no_grad();
        foreach (var (name, t) in model.state_dict()) copy.state_dict()[name].copy_(t);
        return copy;
    }

    [Fact]
    public void TheFingerprintIs32BytesOfArchitectureAndWeightsNotTrainingSettings()
    {
        var cfg = TorchTestSupport.Tiny(steps: 0);
        var model = TorchTestSupport.NewModel(cfg);
        var fingerprint = ModelFile.Fingerprint(model);
        Assert.Equal(ModelFile.FingerprintBytes, fingerprint.Length);
        // Another way of training the same network: same fingerprint.
        var retrained = CopyOf(model, cfg with { Lambda = 99, Steps = 12345, Batch = 3, Lr = 0.5, Seed = 42, McSamples = 7, Mc = CellSampling.Antithetic, Profile = "paper", Source = "banana" });
        Assert.Equal(fingerprint, ModelFile.Fingerprint(retrained));
        // What the model computes: another fingerprint.
        Assert.NotEqual(fingerprint, ModelFile.Fingerprint(CopyOf(model, cfg with { Proxy = QuantizationProxy.Dither })));
        Assert.NotEqual(fingerprint, ModelFile.Fingerprint(CopyOf(model, cfg with { Distortion = DistortionMeasure.L1 })));
        Assert.NotEqual(fingerprint, ModelFile.Fingerprint(CopyOf(model, cfg with { Lattice = "Z2" })));
        using (no_grad()) model.parameters().First().add_(1e-3f);
        Assert.NotEqual(fingerprint, ModelFile.Fingerprint(model));
    }

    [Fact]
    public void AGeneratorLatticeIsStoredWholeAndItsFileIsNeverReadAgain()
    {
        string gen = Path.Combine(_dir, "hex.txt");
        File.WriteAllText(gen, "1 0\n0.5 0.8660254037844386\n");
        var cfg = TorchTestSupport.Tiny(steps: 0) with { Lattice = "G:" + gen };
        var model = TorchTestSupport.NewModel(cfg);
        string path = Path.Combine(_dir, "g.ltcm");
        ModelFile.Save(path, model);
        var fingerprint = ModelFile.Fingerprint(model);
        Assert.Contains("\"generator\":[[1,0],[0.5,0.8660254037844386]]", cfg.ToJson());

        // Edited, then deleted: the saved model is unchanged.
        File.WriteAllText(gen, "2 0\n0 2\n");
        var other = ModelFile.Fingerprint(CopyOf(model, cfg with { Lattice = "G:" + gen }));
        Assert.NotEqual(fingerprint, other); // the fingerprint covers the matrix, not only the path
        File.Delete(gen);
        var loaded = ModelFile.Load(path).Model;
        Assert.Equal(model.Config, loaded.Config);
        Assert.Equal(fingerprint, ModelFile.Fingerprint(loaded));
        Assert.Equal(model.Quantizer!.Lattice.Generator.ToArray(), loaded.Quantizer!.Lattice.Generator.ToArray());
        var x = randn(50, 2);
        using var _ = no_grad();
        model.eval();
        loaded.eval();
        Assert.Equal(TorchTestSupport.Values(model.Latent(x)), TorchTestSupport.Values(loaded.Latent(x)));
        Assert.Equal(TorchTestSupport.Values(model.Quantizer.Quantize(model.Latent(x))), TorchTestSupport.Values(loaded.Quantizer.Quantize(loaded.Latent(x))));
    }

    [Fact]
    public void AGeneratorFileMustBeTheWholeLatticeNameOfAModel()
    {
        string gen = Path.Combine(_dir, "z1.txt");
        File.WriteAllText(gen, "1\n");
        var e = Assert.Throws<LtcException>(() => ModelLattice.Parse("Z1+G:" + gen));
        Assert.Contains("whole lattice name", e.Message);
    }

    [Fact]
    public void KindsAreWrittenByTheirCatalogNamesAndUnknownNamesAreOneLineErrors()
    {
        var cfg = TorchTestSupport.Tiny("block-ltc", "D4*", "flow") with { Source = "block:4:banana", Dim = 8, Block = 4, LatentDim = 2, ScalarsPerSample = 4, Distortion = DistortionMeasure.L1 };
        string json = cfg.ToJson();
        foreach (var text in new[] { "\"model\":\"block-ltc\"", "\"transform\":\"linear\"", "\"lattice\":\"D4*\"", "\"entropy\":\"flow\"", "\"proxy\":\"ste\"", "\"distortion\":\"l1\"", "\"mc\":\"sobol-scrambled\"" })
            Assert.Contains(text, json);
        Assert.Equal(cfg, ModelConfig.FromJson(json, "m"));
        Assert.Contains("\"proxy\":\"dither\"", TorchTestSupport.Tiny("ltc", "A2", "factorized", "dither").ToJson());
        // Block-LTC quantizes with STE only: a dither proxy is refused, not silently ignored.
        Assert.Contains("block-ltc trains with the straight-through estimator", Assert.Throws<LtcException>(() => (cfg with { Proxy = QuantizationProxy.Dither }).Validate("x")).Message);
        // Older spellings of the cell sampling still read.
        Assert.Equal(CellSampling.MonteCarlo, ModelConfig.FromJson(json.Replace("\"sobol-scrambled\"", "\"mc\""), "m").Mc);
        var e = Assert.Throws<LtcException>(() => ModelConfig.FromJson(json.Replace("\"block-ltc\"", "\"blockltc\""), "m.ltcm"));
        Assert.Equal("m.ltcm: unknown model kind 'blockltc' (expected ntc, ltc, eclq, block-ltc or ttc)", e.Message);
        e = Assert.Throws<LtcException>(() => ModelCatalog.Proxies.Parse("noise", "--proxy"));
        Assert.Equal("--proxy: unknown proxy 'noise' (expected ste or dither)", e.Message);
        e = Assert.Throws<LtcException>(() => (cfg with { Model = (ModelKind)17 }).Validate("x"));
        Assert.DoesNotContain('\n', e.Message);
    }
}
