using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ltc.Torch;

/// <summary>
/// Everything needed to rebuild a model: architecture, quantizer, entropy model and the training settings that
/// produced it. Saved as JSON inside every <c>.ltcm</c> file.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Model family: <c>ntc</c> (scalar rounding), <c>ltc</c> (lattice), <c>eclq</c> (lattice, no transform) or
    /// <c>block-ltc</c> (n vectors coded jointly, a lattice across the block per latent dimension).</summary>
    public string Model { get; init; } = "ltc";
    /// <summary>Source name as given to <see cref="Sources.SourceCatalog.Parse"/>.</summary>
    public string Source { get; init; } = "gaussian";
    /// <summary>Source dimension d.</summary>
    public int Dim { get; init; } = 2;
    /// <summary>Latent dimension dy (equals the lattice dimension for LTC/ECLQ).</summary>
    public int LatentDim { get; init; } = 2;
    /// <summary>How many scalars one rate unit covers (d for i.i.d. sequences, 1 for vector sources).</summary>
    public int ScalarsPerSample { get; init; } = 1;
    /// <summary>Transform: <c>linear</c> (two bias-free linear layers through <see cref="Hidden"/>) or <c>mlp</c> (softplus).</summary>
    public string Transform { get; init; } = "linear";
    /// <summary>Block length n of Block-LTC (source vectors coded jointly; 1 for one-shot models).</summary>
    public int Block { get; init; } = 1;
    /// <summary>Hidden width of the transforms.</summary>
    public int Hidden { get; init; } = 100;
    /// <summary>Lattice name (ignored by NTC, which rounds each coordinate).</summary>
    public string Lattice { get; init; } = "Z2";
    /// <summary>Entropy model: <c>factorized</c> or <c>flow</c> (RealNVP).</summary>
    public string Entropy { get; init; } = "factorized";
    /// <summary>Quantization proxy in training: <c>ste</c> or <c>dither</c> (NTC always uses uniform noise).</summary>
    public string Proxy { get; init; } = "ste";
    /// <summary>Distortion: <c>mse</c> or <c>l1</c>.</summary>
    public string Distortion { get; init; } = "mse";
    /// <summary>Rate-distortion trade-off λ in R + λ·D.</summary>
    public double Lambda { get; init; } = 1;
    /// <summary>Monte Carlo samples of the Voronoi cell per rate estimate in training.</summary>
    public int McSamples { get; init; } = 256;
    /// <summary>Cell sampling: montecarlo, antithetic, sobol, sobol-scrambled.</summary>
    public string Mc { get; init; } = "montecarlo";
    /// <summary>Training steps.</summary>
    public int Steps { get; init; } = 1000;
    /// <summary>Batch size.</summary>
    public int Batch { get; init; } = 64;
    /// <summary>Adam learning rate.</summary>
    public double Lr { get; init; } = 1e-3;
    /// <summary>Seed of initialization, data and cell samples.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Training profile name, for the record.</summary>
    public string Profile { get; init; } = "custom";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>The canonical JSON text (what the fingerprint covers).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses and validates a configuration.</summary>
    public static ModelConfig FromJson(string json, string origin)
    {
        ModelConfig? c;
        try { c = JsonSerializer.Deserialize<ModelConfig>(json, Json); }
        catch (JsonException e) { throw new LtcException($"{origin}: bad model configuration ({e.Message.ReplaceLineEndings(" ")})"); }
        if (c == null) throw new LtcException($"{origin}: empty model configuration");
        c.Validate(origin);
        return c;
    }

    /// <summary>Throws an <see cref="LtcException"/> naming the first inconsistent setting.</summary>
    public void Validate(string origin = "model")
    {
        string[] models = ["ntc", "ltc", "eclq", "block-ltc"];
        if (!models.Contains(Model)) throw new LtcException($"{origin}: unknown model '{Model}' (expected ntc, ltc, eclq or block-ltc)");
        if (Model != "block-ltc" && Block != 1) throw new LtcException($"{origin}: --block is for block-ltc only");
        if (Model == "block-ltc" && (Block < 2 || Dim % Block != 0))
            throw new LtcException($"{origin}: block-ltc needs a block length n >= 2 that divides the dimension {Dim}");
        if (Dim < 1 || LatentDim < 1) throw new LtcException($"{origin}: dimensions must be positive (dim {Dim}, latent {LatentDim})");
        if (Transform is not ("linear" or "mlp")) throw new LtcException($"{origin}: unknown transform '{Transform}' (expected linear or mlp)");
        if (Entropy is not ("factorized" or "flow")) throw new LtcException($"{origin}: unknown entropy model '{Entropy}' (expected factorized or flow)");
        if (Proxy is not ("ste" or "dither")) throw new LtcException($"{origin}: unknown proxy '{Proxy}' (expected ste or dither)");
        if (Distortion is not ("mse" or "l1")) throw new LtcException($"{origin}: unknown distortion '{Distortion}' (expected mse or l1)");
        if (Hidden < 1) throw new LtcException($"{origin}: hidden width must be positive");
        if (McSamples < 1) throw new LtcException($"{origin}: --mc-samples must be positive");
        ParseSampling(Mc, origin);
        if (Steps < 0 || Batch < 1) throw new LtcException($"{origin}: steps must be >= 0 and batch >= 1");
        if (!(Lambda > 0) || double.IsInfinity(Lambda)) throw new LtcException($"{origin}: lambda must be positive and finite");
        if (!(Lr > 0) || double.IsInfinity(Lr)) throw new LtcException($"{origin}: learning rate must be positive and finite");
        if (Model == "ntc" && Entropy != "factorized") throw new LtcException($"{origin}: ntc uses the factorized entropy model");
        if (Model == "eclq" && LatentDim != Dim) throw new LtcException($"{origin}: eclq has no transform, so the lattice dimension must equal --dim {Dim}");
        if (Model == "block-ltc")
        {
            var lat = LatticeOrThrow(origin);
            if (lat.Dimension != Block)
                throw new LtcException($"{origin}: lattice '{Lattice}' has dimension {lat.Dimension}, but the block length is {Block}");
        }
        else if (Model != "ntc")
        {
            var lat = LatticeOrThrow(origin);
            if (lat.Dimension != LatentDim)
                throw new LtcException($"{origin}: lattice '{Lattice}' has dimension {lat.Dimension}, but the latent dimension is {LatentDim}");
            if (Entropy == "flow" && LatentDim < 2) throw new LtcException($"{origin}: the flow entropy model needs a latent dimension >= 2");
        }
    }

    internal Lattices.Lattice LatticeOrThrow(string origin)
    {
        try { return Lattices.LatticeCatalog.Parse(Lattice); }
        catch (LtcException e) { throw new LtcException($"{origin}: {e.Message}"); }
    }

    /// <summary>Parses a cell-sampling name.</summary>
    public static Lattices.CellSampling ParseSampling(string name, string origin = "--mc") => name.ToLowerInvariant() switch
    {
        "montecarlo" or "mc" => Lattices.CellSampling.MonteCarlo,
        "antithetic" => Lattices.CellSampling.Antithetic,
        "sobol" => Lattices.CellSampling.Sobol,
        "sobol-scrambled" or "scrambledsobol" => Lattices.CellSampling.ScrambledSobol,
        _ => throw new LtcException($"{origin}: unknown cell sampling '{name}' (expected montecarlo, antithetic, sobol, sobol-scrambled)"),
    };
}
