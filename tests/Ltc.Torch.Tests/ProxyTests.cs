using Ltc.Lattices;
using static TorchSharp.torch;

namespace Ltc.Torch.Tests;

public class ProxyTests
{
    [Theory]
    [InlineData("ste")]
    [InlineData("dither")]
    public void RateAndDistortionGradientsReachTheAnalysisTransform(string proxy)
    {
        var cfg = TorchTestSupport.Tiny(proxy: proxy) with { Lattice = "E8", Dim = 8, LatentDim = 8, ScalarsPerSample = 8 };
        var model = TorchTestSupport.NewModel(cfg);
        var lattice = model.Quantizer!.Lattice;
        var x = randn(32, 8);
        var cells = ModelRandomness.CellSamples(lattice, 64, CellSampling.ScrambledSobol, 1);
        var dither = cfg.Proxy == QuantizationProxy.Dither ? ModelRandomness.Dither(RandomStream.TrainingDither, lattice, 32, cfg.Seed, 0) : null;
        var r = model.Forward(x, train: true, cells, dither);
        var analysis = model.named_parameters().Where(p => p.name.StartsWith("_analysis", StringComparison.Ordinal)).Select(p => p.parameter).ToArray();
        Assert.NotEmpty(analysis);
        foreach (var (name, term) in new[] { ("rate", r.BitsPerVector.mean()), ("distortion", model.Distortion(x, r.Reconstruction).mean()) })
        {
            foreach (var p in analysis) p.grad?.zero_();
            term.backward(retain_graph: true);
            double norm = analysis.Sum(p => p.grad is null ? 0 : p.grad.square().sum().item<float>());
            Assert.True(double.IsFinite(norm) && norm > 0, $"{proxy}: the {name} gives no gradient to g_a (|grad|² = {norm})");
        }
    }

    [Fact]
    public void EvaluationQuantizesToLatticePoints()
    {
        var cfg = TorchTestSupport.Tiny() with { Lattice = "D4*", Dim = 4, LatentDim = 4, ScalarsPerSample = 4 };
        var model = TorchTestSupport.NewModel(cfg);
        var lattice = model.Quantizer!.Lattice;
        var cells = ModelRandomness.CellSamples(lattice, 16, CellSampling.MonteCarlo, 1);
        var r = model.Forward(randn(50, 4) * 3, train: false, cells);
        var q = TorchTestSupport.Values(r.QuantizedLatent);
        var y = TorchTestSupport.Values(r.Latent);
        var point = new double[4];
        var best = new double[4];
        for (int i = 0; i < 50; i++)
        {
            lattice.ClosestPoint(y.AsSpan(i * 4, 4).ToArray().Select(v => (double)v).ToArray(), best);
            for (int k = 0; k < 4; k++) point[k] = q[i * 4 + k];
            for (int k = 0; k < 4; k++) Assert.Equal(best[k], point[k], 4);
        }
    }
}
