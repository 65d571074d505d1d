using Ltc.Codec;
using Ltc.Trellis;
using static TorchSharp.torch;

namespace Ltc.Torch.Tests;

/// <summary>Trellis transform coding (TTC): the Viterbi quantizer between learned transforms, its codec and model file.</summary>
public sealed class TrellisTransformTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-ttc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ModelConfig Ttc(int states = 8, int dim = 4, int rows = 3) =>
        TorchTestSupport.Tiny("ttc", "Z2", "factorized", steps: 0) with
        {
            Dim = dim, LatentDim = dim, ScalarsPerSample = dim, Lattice = "Z" + dim, States = states, TrellisRows = rows,
        };

    [Theory]
    [InlineData(8, 1)]
    [InlineData(8, 5)]
    [InlineData(256, 4)]
    public void TheStraightThroughForwardIsTheViterbiOutputAndTheBackwardIsTheIdentity(int states, int rows)
    {
        var cfg = Ttc(states, dim: 6, rows: rows);
        var model = TorchTestSupport.NewModel(cfg);
        // σ = 3 spreads the untrained model's latents over several union indices.
        var x = (randn(37, 6, generator: new TorchSharp.torch.Generator(11)) * 3);
        var y = model.Latent(x).detach().requires_grad_(true);
        var yd = y.detach().to(float64).contiguous().data<double>().ToArray();

        // The reference: the classical Viterbi search with the model's tables, one sequence per `rows` vectors.
        var search = model.DensityTrellis();
        Assert.Equal(states, search.Code.States);
        Assert.Equal(TrellisLatent.SearchLambda, search.Lambda);
        var idx = new long[yd.Length];
        search.QuantizeSequences(yd, idx, rows * 6, threads: 1);
        var expected = new double[yd.Length];
        search.Reconstruct(idx, expected, rows * 6);

        model.train();
        var r = model.Forward(x, train: true, cellSamples: null);
        var forward = TorchTestSupport.Values(r.QuantizedLatent);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(forward[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"coordinate {i}: forward {forward[i]}, Viterbi {expected[i]}");
        // Not plain rounding: somewhere the trellis picks a level that is not the nearest integer.
        Assert.Contains(Enumerable.Range(0, yd.Length), i => Math.Round(yd[i]) != expected[i]);
        // The reconstructions are the levels of the union codebooks: integers (Δ = 1).
        Assert.All(expected, v => Assert.Equal(Math.Round(v), v));

        // Evaluation mode quantizes the same way (no codec yet: the density's tables).
        model.eval();
        var (q, _) = model.Quantize(x);
        Assert.Equal(expected.Select(v => (float)v), TorchTestSupport.Values(q));

        // Backward: the straight-through estimator passes the gradient of ŷ to y unchanged.
        model.train();
        var yhat = y + (model.Quantize(x).QuantizedLatent - y).detach();
        var weights = arange(yd.Length, dtype: float32).reshape(37, 6);
        (yhat * weights).sum().backward();
        Assert.Equal(TorchTestSupport.Values(weights), TorchTestSupport.Values(y.grad!));

        // The rate is finite and positive for every vector, and has a gradient into the density.
        var bits = TorchTestSupport.Values(r.BitsPerVector);
        Assert.All(bits, b => Assert.True(b > 0 && float.IsFinite(b), $"bits {b}"));
    }

    [Theory]
    [InlineData(8, 1)]
    [InlineData(8, 3)]
    [InlineData(256, 7)]
    public void ATinyModelRoundTripsThroughTheFileCodecBitExactly(int states, int rows)
    {
        var codec = CodecTestSupport.NewCodec(Ttc(states, dim: 4, rows: rows));
        Assert.Equal("ttc", codec.Kind);
        Assert.Equal(LatentForm.Trellis, codec.Latent.Quantizer.Form);
        Assert.Equal(rows, codec.Latent.Quantizer.SequenceRows);
        Assert.Equal(2, codec.Latent.TableCount);
        const int count = 500;
        var x = CodecTestSupport.Gaussian(count, 4, 3, seed: 21 + rows);
        // 128 rows per chunk: sequences of `rows` vectors restart at every chunk, and 128 is not a multiple of 3 or 7.
        var options = new CodecOptions(Threads: 2, ChunkRows: 128);
        var file = FileCodec.Compress(codec, x, options);
        var back = FileCodec.Decompress(codec, file, options);
        CodecTestSupport.AssertSameBits(FileCodec.Reconstruct(codec, x, 128), back, $"ttc {states}");
        Assert.Equal(CodecTestSupport.ExpectedIntegers(codec, x, 128), CodecTestSupport.StoredIntegers(codec, file));
        Assert.True(CodecTestSupport.DistinctRows(back, 4) >= 8, $"only {CodecTestSupport.DistinctRows(back, 4)} distinct reconstructions");
        // The same bytes with one thread (the file does not depend on the thread count).
        Assert.Equal(file, FileCodec.Compress(codec, x, options with { Threads = 1 }));
        // The chunks cost their ideal code length plus a few bytes each.
        var t = CodecTestSupport.ExpectedIntegers(codec, x, 128);
        double ideal = 0;
        for (int start = 0; start < t.Length; start += 128 * 4)
            ideal += codec.Latent.CodeLength(t.AsSpan(start, Math.Min(128 * 4, t.Length - start)));
        var h = CodecTestSupport.Header(codec, file);
        Assert.Equal(4, h.ChunkCount);
        Assert.InRange(file.Length * 8.0, ideal, ideal + 8 * (1024 + 4 * 40));
    }

    [Fact]
    public void TheModelFileSavesAndLoadsWithTheSameFingerprintAndDecodesTheSameFiles()
    {
        var model = CodecTestSupport.NewFittedModel(Ttc(16, dim: 4, rows: 2));
        string path = Path.Combine(_dir, "ttc.ltcm");
        ModelFile.Save(path, model);
        var loaded = ModelFile.Load(path).Model;
        Assert.Equal(model.Config, loaded.Config);
        Assert.Equal(16, loaded.Config.States);
        Assert.Equal(ModelFile.Fingerprint(model), ModelFile.Fingerprint(loaded));
        Assert.Equal(model.Codec!.ToBytes(), loaded.Codec!.ToBytes());
        var x = CodecTestSupport.Gaussian(300, 4, 2, seed: 5);
        var file = FileCodec.Compress(new ModelCodec(model), x);
        CodecTestSupport.AssertSameBits(FileCodec.Decompress(new ModelCodec(model), file), FileCodec.Decompress(new ModelCodec(loaded), file), "loaded");

        // The trellis is part of the architecture: another state count or sequence length is another model.
        var arch = ModelFile.ArchitectureBytes(model.Config);
        Assert.NotEqual(arch, ModelFile.ArchitectureBytes(model.Config with { States = 32 }));
        Assert.NotEqual(arch, ModelFile.ArchitectureBytes(model.Config with { TrellisRows = 3 }));
        // TrellisRows 0 means one row per sequence, as 1 does.
        Assert.Equal(ModelFile.ArchitectureBytes(model.Config with { TrellisRows = 0 }), ModelFile.ArchitectureBytes(model.Config with { TrellisRows = 1 }));
    }

    [Fact]
    public void OtherKindsKeepTheirConfigurationTextAndTtcRoundTripsThroughJson()
    {
        var ltc = TorchTestSupport.Tiny();
        Assert.DoesNotContain("states", ltc.ToJson());
        Assert.DoesNotContain("trellis_rows", ltc.ToJson());
        var ttc = Ttc(64, rows: 5);
        var json = ttc.ToJson();
        Assert.Contains("\"model\":\"ttc\"", json);
        Assert.Contains("\"states\":64", json);
        Assert.Contains("\"trellis_rows\":5", json);
        Assert.Equal(ttc, ModelConfig.FromJson(json, "test"));
    }

    [Fact]
    public void BadSettingsAreOneLineErrors()
    {
        Assert.Contains("--states", Assert.Throws<LtcException>(() => Ttc(states: 5).Validate()).Message);
        Assert.Contains("--states", Assert.Throws<LtcException>(() => Ttc(states: 0).Validate()).Message);
        Assert.Contains("--states", Assert.Throws<LtcException>(() => Ttc(states: 512).Validate()).Message);
        Assert.Contains("lattice", Assert.Throws<LtcException>(() => (Ttc(dim: 8) with { Lattice = "E8" }).Validate()).Message);
        Assert.Contains("lattice", Assert.Throws<LtcException>(() => (Ttc(dim: 2) with { Lattice = "A2" }).Validate()).Message);
        Assert.Contains("factorized", Assert.Throws<LtcException>(() => (Ttc() with { Entropy = EntropyModelKind.Flow }).Validate()).Message);
        Assert.Contains("ste", Assert.Throws<LtcException>(() => (Ttc() with { Proxy = QuantizationProxy.Dither }).Validate()).Message);
        Assert.Throws<LtcException>(() => (Ttc() with { TrellisRows = -1 }).Validate());
        Assert.Throws<LtcException>(() => (Ttc() with { TrellisRows = TrellisLatent.MaxSequenceLength }).Validate());
        Assert.Contains("ttc only", Assert.Throws<LtcException>(() => (TorchTestSupport.Tiny() with { States = 8 }).Validate()).Message);
        Assert.Contains("ttc only", Assert.Throws<LtcException>(() => (TorchTestSupport.Tiny("ntc", "Z2", "factorized") with { TrellisRows = 4 }).Validate()).Message);
        Assert.Throws<LtcException>(() => new CompressionModel(Ttc(states: 3)));
        Assert.Throws<LtcException>(() => ModelConfig.FromJson(Ttc().ToJson().Replace("\"states\":8", "\"states\":6"), "test"));
    }

    [Fact]
    public void CorruptTrellisCodecBytesAreOneLineErrors()
    {
        var model = CodecTestSupport.NewFittedModel(Ttc(8));
        var bytes = model.Codec!.ToBytes();
        Assert.Equal(LatentForm.Trellis, LatentCodec.Read(bytes, "ok").Quantizer.Form);
        // Layout: magic 4, version 2, form 1, m 2, states 2, rows 4, then the two tables.
        var states = (byte[])bytes.Clone();
        states[9] = 9;
        Assert.Contains("states", Assert.Throws<LtcException>(() => LatentCodec.Read(states, "x")).Message);
        var rows = (byte[])bytes.Clone();
        rows[11] = 0; rows[12] = 0; rows[13] = 0; rows[14] = 0;
        Assert.Contains("sequence", Assert.Throws<LtcException>(() => LatentCodec.Read(rows, "x")).Message);
        Assert.Throws<LtcException>(() => LatentCodec.Read(bytes.AsSpan(0, bytes.Length - 1), "x"));
        Assert.Throws<LtcException>(() => LatentCodec.Read([.. bytes, 0], "x"));
    }
}
