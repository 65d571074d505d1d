namespace Ltc.Torch;

/// <summary>The model families of Ltc (names in <see cref="ModelCatalog.Kinds"/>).</summary>
public enum ModelKind
{
    /// <summary>Nonlinear transform coding: learned transforms around scalar rounding (<c>ntc</c>).</summary>
    Ntc,
    /// <summary>Lattice transform coding: a lattice quantizer between learned transforms (<c>ltc</c>).</summary>
    Ltc,
    /// <summary>Entropy-coded lattice quantization: a lattice with a learned scale, no transform (<c>eclq</c>).</summary>
    Eclq,
    /// <summary>Block-LTC: n source vectors coded jointly, a lattice across the block per latent dimension (<c>block-ltc</c>).</summary>
    BlockLtc,
    /// <summary>Trellis transform coding: a trellis-coded quantizer between learned transforms (<c>ttc</c>, with
    /// <see cref="ModelConfig.States"/>).</summary>
    Ttc,
}

/// <summary>The analysis and synthesis transforms (names in <see cref="ModelCatalog.Transforms"/>).</summary>
public enum TransformKind
{
    /// <summary>Two bias-free linear layers through the hidden width (<c>linear</c>), the paper's choice for i.i.d. sources.</summary>
    Linear,
    /// <summary>Three layers with softplus activations (<c>mlp</c>).</summary>
    Mlp,
}

/// <summary>The density of the latent whose cell integrals give the rate (names in <see cref="ModelCatalog.EntropyModels"/>).</summary>
public enum EntropyModelKind
{
    /// <summary>Ballé et al.'s factorized density, one univariate density per coordinate (<c>factorized</c>).</summary>
    Factorized,
    /// <summary>A RealNVP normalizing flow over the whole latent (<c>flow</c>).</summary>
    Flow,
}

/// <summary>How training passes gradients through the lattice quantizer (names in <see cref="ModelCatalog.Proxies"/>).
/// NTC always trains with uniform noise.</summary>
public enum QuantizationProxy
{
    /// <summary>Straight-through estimator: Q(y) forward, identity backward (<c>ste</c>).</summary>
    Ste,
    /// <summary>Dithered quantization: y + u in training, Q(y − u) + u with u shared by both ends in evaluation (<c>dither</c>).</summary>
    Dither,
}

/// <summary>The distortion measure d(x, x̂) per coordinate (names in <see cref="ModelCatalog.Distortions"/>).</summary>
public enum DistortionMeasure
{
    /// <summary>Squared error (<c>mse</c>).</summary>
    Mse,
    /// <summary>Absolute error (<c>l1</c>).</summary>
    L1,
}

/// <summary>
/// The one place model kinds, transforms, entropy models, proxies and distortions are named: the command line parses
/// them here, model files write the canonical names (the same text as every earlier version), and help text comes from
/// here. Cell sampling has its own catalog, <see cref="Lattices.CellSamplingCatalog"/>.
/// </summary>
public static class ModelCatalog
{
    /// <summary>ntc, ltc, eclq, block-ltc, ttc.</summary>
    public static NameCatalog<ModelKind> Kinds { get; } = new("model kind",
        new(ModelKind.Ntc, "ntc", "scalar rounding"),
        new(ModelKind.Ltc, "ltc", "lattice"),
        new(ModelKind.Eclq, "eclq", "lattice, no transform"),
        new(ModelKind.BlockLtc, "block-ltc", "n vectors coded jointly"),
        new(ModelKind.Ttc, "ttc", "trellis-coded quantization"));

    /// <summary>linear, mlp.</summary>
    public static NameCatalog<TransformKind> Transforms { get; } = new("transform",
        new(TransformKind.Linear, "linear", "two bias-free layers, the paper's choice for i.i.d. sources"),
        new(TransformKind.Mlp, "mlp", "softplus"));

    /// <summary>factorized, flow.</summary>
    public static NameCatalog<EntropyModelKind> EntropyModels { get; } = new("entropy model",
        new(EntropyModelKind.Factorized, "factorized", "one density per coordinate"),
        new(EntropyModelKind.Flow, "flow", "RealNVP"));

    /// <summary>ste, dither.</summary>
    public static NameCatalog<QuantizationProxy> Proxies { get; } = new("proxy",
        new(QuantizationProxy.Ste, "ste", "straight-through"),
        new(QuantizationProxy.Dither, "dither", "dithered quantization"));

    /// <summary>mse, l1.</summary>
    public static NameCatalog<DistortionMeasure> Distortions { get; } = new("distortion",
        new(DistortionMeasure.Mse, "mse", "squared error"),
        new(DistortionMeasure.L1, "l1", "absolute error"));

    /// <summary>The canonical name of <paramref name="kind"/> (<c>block-ltc</c>, ...).</summary>
    public static string Name(this ModelKind kind) => Kinds.Name(kind);

    /// <summary>The canonical name of <paramref name="transform"/>.</summary>
    public static string Name(this TransformKind transform) => Transforms.Name(transform);

    /// <summary>The canonical name of <paramref name="entropy"/>.</summary>
    public static string Name(this EntropyModelKind entropy) => EntropyModels.Name(entropy);

    /// <summary>The canonical name of <paramref name="proxy"/>.</summary>
    public static string Name(this QuantizationProxy proxy) => Proxies.Name(proxy);

    /// <summary>The canonical name of <paramref name="distortion"/>.</summary>
    public static string Name(this DistortionMeasure distortion) => Distortions.Name(distortion);

    /// <summary>Whether models of <paramref name="kind"/> quantize with a lattice (all but NTC and TTC).</summary>
    public static bool HasLattice(this ModelKind kind) => kind is not (ModelKind.Ntc or ModelKind.Ttc);
}
