using Ltc.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Ltc.Torch.Tests;

/// <summary>An isotropic Gaussian density with a fixed σ: a known density whose cell integrals can be computed independently.</summary>
internal sealed class IsotropicGaussianDensity(int n, double sigma) : LatentDensity("IsotropicGaussian")
{
    public override int Dimension => n;

    public override Tensor LogDensity(Tensor t) =>
        -0.5 * (t * t).sum(1) / (sigma * sigma) - n * Math.Log(sigma * Math.Sqrt(2 * Math.PI));
}

internal static class TorchTestSupport
{
    /// <summary>A small, fully specified configuration for fast tests.</summary>
    public static ModelConfig Tiny(string model = "ltc", string lattice = "A2", string entropy = "flow", string proxy = "ste", int steps = 60) => new()
    {
        Model = ModelCatalog.Kinds.Parse(model),
        Source = "gaussian",
        Dim = 2,
        LatentDim = 2,
        ScalarsPerSample = 2,
        Transform = TransformKind.Linear,
        Hidden = 16,
        Lattice = lattice,
        Entropy = ModelCatalog.EntropyModels.Parse(entropy),
        Proxy = ModelCatalog.Proxies.Parse(proxy),
        Lambda = 4,
        McSamples = 32,
        Mc = Lattices.CellSampling.ScrambledSobol,
        Steps = steps,
        Batch = 64,
        Lr = 3e-3,
        Seed = 7,
        Profile = "quick",
    };

    public static CompressionModel NewModel(ModelConfig cfg)
    {
        torch.manual_seed(cfg.Seed);
        return new CompressionModel(cfg);
    }

    public static float[] Values(Tensor t) => t.detach().to(float32).contiguous().data<float>().ToArray();
}
