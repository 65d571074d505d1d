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

    /// <summary>Largest source dimension d.</summary>
    public const int MaxDim = 65536;
    /// <summary>Largest latent dimension dy.</summary>
    public const int MaxLatentDim = 4096;
    /// <summary>Largest hidden width of the transforms.</summary>
    public const int MaxHidden = 4096;
    /// <summary>Largest Block-LTC block length n.</summary>
    public const int MaxBlock = 256;
    /// <summary>Largest batch.</summary>
    public const int MaxBatch = 1 << 20;
    /// <summary>Largest number of cell samples per rate estimate (training and evaluation).</summary>
    public const int MaxCellSamples = 1 << 20;
    /// <summary>Most training steps.</summary>
    public const int MaxSteps = 100_000_000;
    /// <summary>Most parameters of a model (2^26: 256 MiB of float32, about 1.3 GiB in training with Adam).</summary>
    public const long MaxParameters = 1L << 26;
    /// <summary>Most values in one training step's largest tensors: batch × cell samples × latent size, batch × d and
    /// batch × hidden (2^25 float32 values, 128 MiB each).</summary>
    public const long MaxStepValues = 1L << 25;
    /// <summary>Longest text field (source, lattice, profile names).</summary>
    public const int MaxNameLength = 4096;

    /// <summary>Throws an <see cref="LtcException"/> naming the first inconsistent or out-of-range setting.</summary>
    /// <remarks>Every numeric field has a documented range (the <c>Max*</c> constants), and the network and per-step
    /// tensors the configuration implies are bounded, so that neither a command line nor a model file can make Ltc
    /// allocate more than a few GiB before anything else is checked.</remarks>
    public void Validate(string origin = "model")
    {
        string[] models = ["ntc", "ltc", "eclq", "block-ltc"];
        foreach (var (field, text) in new[] { ("model", Model), ("source", Source), ("lattice", Lattice), ("transform", Transform), ("entropy", Entropy),
            ("proxy", Proxy), ("distortion", Distortion), ("mc", Mc), ("profile", Profile) })
        {
            if (text is null) throw new LtcException($"{origin}: the {field} is missing");
            if (text.Length > MaxNameLength || text.Any(char.IsControl)) throw new LtcException($"{origin}: the {field} name is too long or contains control characters");
        }
        if (!models.Contains(Model)) throw new LtcException($"{origin}: unknown model '{Model}' (expected ntc, ltc, eclq or block-ltc)");
        if (Model != "block-ltc" && Block != 1) throw new LtcException($"{origin}: --block is for block-ltc only");
        if (Dim < 1 || Dim > MaxDim) throw new LtcException($"{origin}: dimension must be between 1 and {MaxDim}, got {Dim}");
        if (LatentDim < 1 || LatentDim > MaxLatentDim) throw new LtcException($"{origin}: latent dimension must be between 1 and {MaxLatentDim}, got {LatentDim}");
        if (Model == "block-ltc" && (Block < 2 || Block > MaxBlock || Dim % Block != 0))
            throw new LtcException($"{origin}: block-ltc needs a block length n between 2 and {MaxBlock} that divides the dimension {Dim}");
        if (ScalarsPerSample < 1 || ScalarsPerSample > Dim) throw new LtcException($"{origin}: scalars per sample must be between 1 and the dimension {Dim}, got {ScalarsPerSample}");
        if (Transform is not ("linear" or "mlp")) throw new LtcException($"{origin}: unknown transform '{Transform}' (expected linear or mlp)");
        if (Entropy is not ("factorized" or "flow")) throw new LtcException($"{origin}: unknown entropy model '{Entropy}' (expected factorized or flow)");
        if (Proxy is not ("ste" or "dither")) throw new LtcException($"{origin}: unknown proxy '{Proxy}' (expected ste or dither)");
        if (Distortion is not ("mse" or "l1")) throw new LtcException($"{origin}: unknown distortion '{Distortion}' (expected mse or l1)");
        if (Hidden < 1 || Hidden > MaxHidden) throw new LtcException($"{origin}: hidden width must be between 1 and {MaxHidden}, got {Hidden}");
        if (McSamples < 1 || McSamples > MaxCellSamples) throw new LtcException($"{origin}: training cell samples (--train-cell-samples) must be between 1 and {MaxCellSamples}, got {McSamples}");
        ParseSampling(Mc, origin);
        if (Steps < 0 || Steps > MaxSteps) throw new LtcException($"{origin}: steps must be between 0 and {MaxSteps}, got {Steps}");
        if (Batch < 1 || Batch > MaxBatch) throw new LtcException($"{origin}: batch must be between 1 and {MaxBatch}, got {Batch}");
        if (!(Lambda > 0) || double.IsInfinity(Lambda)) throw new LtcException($"{origin}: lambda must be positive and finite");
        if (!(Lr > 0) || double.IsInfinity(Lr)) throw new LtcException($"{origin}: learning rate must be positive and finite");
        long parameters = ParameterCount();
        if (parameters > MaxParameters)
            throw new LtcException($"{origin}: the model would have {parameters:N0} parameters (dimension {Dim}, hidden {Hidden}, latent {LatentDim}, {Entropy}); at most {MaxParameters:N0}");
        long latentSize = (long)LatentDim * (Model == "block-ltc" ? Block : 1);
        long step = Math.Max((long)Batch * Dim, (long)Batch * Hidden * (Model == "block-ltc" ? Block : 1));
        if (Model != "ntc") step = Math.Max(step, (long)Batch * McSamples * latentSize);
        if (step > MaxStepValues)
            throw new LtcException($"{origin}: one training step would need tensors of {step:N0} values (batch {Batch} × cell samples {McSamples} × latent {latentSize}, or batch × dimension/hidden); at most {MaxStepValues:N0}: lower --batch or --train-cell-samples");
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

    /// <summary>
    /// The number of float32 values in the state (parameters and buffers) of the model this configuration builds:
    /// transforms, entropy models and Block-LTC's running mean. Computed without building anything, so that a model
    /// file's weights block can be checked against it before any memory is allocated for the network.
    /// </summary>
    public long ParameterCount()
    {
        long d = Dim, dy = LatentDim, h = Hidden;
        static long Factorized(long c) => 61 * c; // Ballé's density, filters 3,3,3,3: 33 + 13 + 12 weights and 3 quantiles per channel
        static long Flow(long n) => 30 * (n * n + n); // RealNVP: 5 layers × (scale, shift) × 3 linear n → n
        long Density(long n) => Entropy == "flow" ? Flow(n) : Factorized(n);
        switch (Model)
        {
            case "eclq":
                return 1 + Density(dy);
            case "block-ltc":
            {
                long n = Math.Max(1, Block), dv = d / n;
                long perVector = (dv * h + h) + (h * h + h) + (h * dy + dy) + (dy * h + h) + (h * h + h) + (h * dv + dv);
                return perVector + dy * (4 * n * 100 + Density(n)) + n * dy;
            }
            default:
                long transforms = Transform == "linear"
                    ? 2 * (d * h + h * dy)
                    : (d * h + h) + (h * h + h) + (h * dy + dy) + (dy * h + h) + (h * h + h) + (h * d + d);
                return transforms + Density(dy);
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
