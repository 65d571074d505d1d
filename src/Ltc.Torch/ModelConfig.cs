using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ltc.Torch;

/// <summary>
/// Everything needed to rebuild a model: architecture, quantizer, entropy model and the training settings that
/// produced it. Saved as JSON inside every <c>.ltcm</c> file.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Model family (JSON: <c>ntc</c>, <c>ltc</c>, <c>eclq</c> or <c>block-ltc</c>; see <see cref="ModelCatalog.Kinds"/>).</summary>
    public ModelKind Model { get; init; } = ModelKind.Ltc;
    /// <summary>Source name as given to <see cref="Sources.SourceCatalog.Parse"/>.</summary>
    public string Source { get; init; } = "gaussian";
    /// <summary>Source dimension d.</summary>
    public int Dim { get; init; } = 2;
    /// <summary>Latent dimension dy (equals the lattice dimension for LTC/ECLQ).</summary>
    public int LatentDim { get; init; } = 2;
    /// <summary>How many scalars one rate unit covers (d for i.i.d. sequences, 1 for vector sources).</summary>
    public int ScalarsPerSample { get; init; } = 1;
    /// <summary>Transform: linear (two bias-free linear layers through <see cref="Hidden"/>) or mlp (softplus).</summary>
    public TransformKind Transform { get; init; } = TransformKind.Linear;
    /// <summary>Block length n of Block-LTC (source vectors coded jointly; 1 for one-shot models).</summary>
    public int Block { get; init; } = 1;
    /// <summary>Hidden width of the transforms.</summary>
    public int Hidden { get; init; } = 100;
    /// <summary>The lattice, resolved once and stored whole (ignored by NTC, which rounds each coordinate). A name
    /// converts implicitly: <c>Lattice = "E8"</c>.</summary>
    public ModelLattice Lattice { get; init; } = ModelLattice.Default;
    /// <summary>Entropy model: factorized or flow (RealNVP).</summary>
    public EntropyModelKind Entropy { get; init; } = EntropyModelKind.Factorized;
    /// <summary>Quantization proxy in training: ste or dither (NTC always uses uniform noise).</summary>
    public QuantizationProxy Proxy { get; init; } = QuantizationProxy.Ste;
    /// <summary>Distortion: mse or l1.</summary>
    public DistortionMeasure Distortion { get; init; } = DistortionMeasure.Mse;
    /// <summary>Rate-distortion trade-off λ in R + λ·D.</summary>
    public double Lambda { get; init; } = 1;
    /// <summary>Monte Carlo samples of the Voronoi cell per rate estimate in training.</summary>
    public int McSamples { get; init; } = 256;
    /// <summary>Cell sampling in training (JSON names in <see cref="Lattices.CellSamplingCatalog"/>).</summary>
    public Lattices.CellSampling Mc { get; init; } = Lattices.CellSampling.MonteCarlo;
    /// <summary>Samples M of the learned density that join the N cell samples of each training step's rate estimate
    /// (lattice models; see <see cref="LatticeEntropyModel.LogCellProbability"/>); 0 for the cell samples alone. Not
    /// written when 0, so files trained before it existed read as 0 and resume as they were trained.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int DensitySamples { get; init; }
    /// <summary>Block-LTC without the running mean of its latents (brief section 4 removes one, updated from every
    /// training batch outside the gradient): the mean stays zero. A diagnostic of the training drift; not written when
    /// false, so files written before it existed read as they were trained.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool NoBlockMean { get; init; }
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
    /// <summary>Trellis states of TTC (4, 8, …, 256); 0 for every other kind. Not written when 0, so files of other
    /// kinds are unchanged and older files read as 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int States { get; init; }
    /// <summary>TTC: consecutive rows (vectors) one trellis sequence runs over, each sequence starting in state 0
    /// (1: every vector on its own); 0 for every other kind and means 1 for TTC. Not written when 0.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int TrellisRows { get; init; }

    /// <summary>Rows per trellis sequence of TTC: <see cref="TrellisRows"/>, at least 1.</summary>
    [JsonIgnore]
    public int SequenceRows => Math.Max(1, TrellisRows);

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        NumberHandling = JsonNumberHandling.Strict,
        // Kinds are written by their catalogs' canonical names: the same text as model files have always held.
        Converters =
        {
            ModelCatalog.Kinds.Converter, ModelCatalog.Transforms.Converter, ModelCatalog.EntropyModels.Converter,
            ModelCatalog.Proxies.Converter, ModelCatalog.Distortions.Converter, Lattices.CellSamplingCatalog.Names.Converter,
        },
    };

    /// <summary>The configuration as the JSON text a model file stores (snake_case keys, kinds by their canonical
    /// names, a <c>G:</c> lattice with its generator).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses and validates a configuration; <paramref name="origin"/> prefixes every error message.</summary>
    /// <exception cref="LtcException">Malformed JSON, an unknown name, or an invalid setting (see <see cref="Validate"/>).</exception>
    public static ModelConfig FromJson(string json, string origin)
    {
        ModelConfig? c;
        try { c = JsonSerializer.Deserialize<ModelConfig>(json, Json); }
        catch (JsonException e) { throw new LtcException($"{origin}: bad model configuration ({e.Message.ReplaceLineEndings(" ")})"); }
        catch (LtcException e) { throw new LtcException($"{origin}: {e.Message}"); }
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
    /// <exception cref="LtcException">The first invalid setting.</exception>
    public void Validate(string origin = "model")
    {
        foreach (var (field, text) in new[] { ("source", Source), ("profile", Profile) })
        {
            if (text is null) throw new LtcException($"{origin}: the {field} is missing");
            if (text.Length > MaxNameLength || text.Any(char.IsControl)) throw new LtcException($"{origin}: the {field} name is too long or contains control characters");
        }
        if (Lattice is null) throw new LtcException($"{origin}: the lattice is missing");
        if (Lattice.Name.Length > MaxNameLength || Lattice.Name.Any(char.IsControl)) throw new LtcException($"{origin}: the lattice name is too long or contains control characters");
        CheckDefined(ModelCatalog.Kinds, Model, origin);
        CheckDefined(ModelCatalog.Transforms, Transform, origin);
        CheckDefined(ModelCatalog.EntropyModels, Entropy, origin);
        CheckDefined(ModelCatalog.Proxies, Proxy, origin);
        CheckDefined(ModelCatalog.Distortions, Distortion, origin);
        CheckDefined(Lattices.CellSamplingCatalog.Names, Mc, origin);
        bool block = Model == ModelKind.BlockLtc;
        if (!block && Block != 1) throw new LtcException($"{origin}: --block is for block-ltc only");
        if (!block && NoBlockMean) throw new LtcException($"{origin}: --no-block-mean is for block-ltc only");
        if (Dim < 1 || Dim > MaxDim) throw new LtcException($"{origin}: dimension must be between 1 and {MaxDim}, got {Dim}");
        if (LatentDim < 1 || LatentDim > MaxLatentDim) throw new LtcException($"{origin}: latent dimension must be between 1 and {MaxLatentDim}, got {LatentDim}");
        if (block && (Block < 2 || Block > MaxBlock || Dim % Block != 0))
            throw new LtcException($"{origin}: block-ltc needs a block length n between 2 and {MaxBlock} that divides the dimension {Dim}");
        // Block-LTC's forward pass quantizes with the straight-through estimator only (brief section 4); a dither proxy
        // would be accepted and silently not used.
        if (block && Proxy != QuantizationProxy.Ste)
            throw new LtcException($"{origin}: block-ltc trains with the straight-through estimator (--proxy ste); {Proxy.Name()} is not implemented for it");
        if (ScalarsPerSample < 1 || ScalarsPerSample > Dim) throw new LtcException($"{origin}: scalars per sample must be between 1 and the dimension {Dim}, got {ScalarsPerSample}");
        if (Hidden < 1 || Hidden > MaxHidden) throw new LtcException($"{origin}: hidden width must be between 1 and {MaxHidden}, got {Hidden}");
        if (McSamples < 1 || McSamples > MaxCellSamples) throw new LtcException($"{origin}: training cell samples (--train-cell-samples) must be between 1 and {MaxCellSamples}, got {McSamples}");
        if (DensitySamples < 0 || DensitySamples > MaxCellSamples) throw new LtcException($"{origin}: density samples (--density-samples) must be between 0 and {MaxCellSamples}, got {DensitySamples}");
        if (DensitySamples > 0 && !Model.HasLattice()) throw new LtcException($"{origin}: density samples need a lattice model (ltc, eclq, block-ltc), not {Model.Name()}");
        if (Steps < 0 || Steps > MaxSteps) throw new LtcException($"{origin}: steps must be between 0 and {MaxSteps}, got {Steps}");
        if (Batch < 1 || Batch > MaxBatch) throw new LtcException($"{origin}: batch must be between 1 and {MaxBatch}, got {Batch}");
        if (!(Lambda > 0) || double.IsInfinity(Lambda)) throw new LtcException($"{origin}: lambda must be positive and finite");
        if (!(Lr > 0) || double.IsInfinity(Lr)) throw new LtcException($"{origin}: learning rate must be positive and finite");
        long parameters = ParameterCount();
        if (parameters > MaxParameters)
            throw new LtcException($"{origin}: the model would have {parameters:N0} parameters (dimension {Dim}, hidden {Hidden}, latent {LatentDim}, {Entropy.Name()}); at most {MaxParameters:N0}");
        long latentSize = LatentSize;
        long step = Math.Max((long)Batch * Dim, (long)Batch * Hidden * (block ? Block : 1));
        if (Model.HasLattice()) step = Math.Max(step, (long)Batch * Math.Max(McSamples, DensitySamples) * latentSize);
        if (step > MaxStepValues)
            throw new LtcException($"{origin}: one training step would need tensors of {step:N0} values (batch {Batch} × cell or density samples {Math.Max(McSamples, DensitySamples)} × latent {latentSize}, or batch × dimension/hidden); at most {MaxStepValues:N0}: lower --batch, --train-cell-samples or --density-samples");
        if (Model == ModelKind.Ttc)
        {
            if (!Trellis.TrellisCode.SupportedStates.Contains(States))
                throw new LtcException($"{origin}: ttc needs --states {string.Join(", ", Trellis.TrellisCode.SupportedStates)}, got {States}");
            if (TrellisRows < 0 || (long)SequenceRows * LatentDim > Codec.TrellisLatent.MaxSequenceLength)
                throw new LtcException($"{origin}: trellis rows must be between 1 and {Codec.TrellisLatent.MaxSequenceLength / LatentDim} for latent dimension {LatentDim}, got {TrellisRows}");
            if (Lattice.Lattice is not Lattices.IntegerLattice) throw new LtcException($"{origin}: ttc quantizes with a trellis and takes no lattice, got '{Lattice.Name}'");
            if (Entropy != EntropyModelKind.Factorized) throw new LtcException($"{origin}: ttc uses the factorized entropy model");
            if (Proxy != QuantizationProxy.Ste) throw new LtcException($"{origin}: ttc trains with the straight-through estimator (--proxy ste)");
        }
        else if (States != 0 || TrellisRows != 0) throw new LtcException($"{origin}: --states and trellis rows are for ttc only");
        if (Model == ModelKind.Ntc && Entropy != EntropyModelKind.Factorized) throw new LtcException($"{origin}: ntc uses the factorized entropy model");
        if (Model == ModelKind.Eclq && LatentDim != Dim) throw new LtcException($"{origin}: eclq has no transform, so the lattice dimension must equal --dim {Dim}");
        if (block)
        {
            if (Lattice.Dimension != Block)
                throw new LtcException($"{origin}: lattice '{Lattice.Name}' has dimension {Lattice.Dimension}, but the block length is {Block}");
        }
        else if (Model.HasLattice())
        {
            if (Lattice.Dimension != LatentDim)
                throw new LtcException($"{origin}: lattice '{Lattice.Name}' has dimension {Lattice.Dimension}, but the latent dimension is {LatentDim}");
            if (Entropy == EntropyModelKind.Flow && LatentDim < 2) throw new LtcException($"{origin}: the flow entropy model needs a latent dimension >= 2");
        }
    }

    private static void CheckDefined<T>(NameCatalog<T> catalog, T value, string origin) where T : struct, Enum
    {
        if (!catalog.IsDefined(value)) throw new LtcException($"{origin}: unknown {catalog.What} {value} (expected {catalog.Expected})");
    }

    /// <summary>Size m of the latent a row is quantized to: dy, or dy·n for Block-LTC.</summary>
    [JsonIgnore]
    public int LatentSize => LatentDim * (Model == ModelKind.BlockLtc ? Block : 1);

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
        // TTC has one density shared by all latent coordinates (the trellis's code-length tables are shared too).
        long Density(long n) => Model == ModelKind.Ttc ? Factorized(1) : Entropy == EntropyModelKind.Flow ? Flow(n) : Factorized(n);
        switch (Model)
        {
            case ModelKind.Eclq:
                return 1 + Density(dy);
            case ModelKind.BlockLtc:
            {
                long n = Math.Max(1, Block), dv = d / n;
                long perVector = (dv * h + h) + (h * h + h) + (h * dy + dy) + (dy * h + h) + (h * h + h) + (h * dv + dv);
                return perVector + dy * (4 * n * 100 + Density(n)) + n * dy;
            }
            default:
                long transforms = Transform == TransformKind.Linear
                    ? 2 * (d * h + h * dy)
                    : (d * h + h) + (h * h + h) + (h * dy + dy) + (dy * h + h) + (h * h + h) + (h * d + d);
                return transforms + Density(dy);
        }
    }
}
