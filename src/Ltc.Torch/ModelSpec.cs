using Ltc.Lattices;
using Ltc.Sources;

namespace Ltc.Torch;

/// <summary>A configuration ready to train: the model, the source it is trained on and the evaluation after training.</summary>
/// <param name="Config">The validated model configuration.</param>
/// <param name="Source">The training and test data; a <see cref="BlockSource"/> for Block-LTC.</param>
/// <param name="Evaluation">The evaluation after training, checked (ranges and memory) against the source.</param>
public sealed record ModelSetup(ModelConfig Config, VectorSource Source, EvalOptions Evaluation)
{
    /// <summary>Train until converged with this criterion (<see cref="ModelSpec.Convergence"/>); null: a fixed number of steps.</summary>
    public ConvergenceOptions? Convergence { get; init; }
}

/// <summary>
/// What a user asks for when training a model, with everything else left to defaults, and the rules that turn it into
/// a <see cref="ModelConfig"/> (what <c>ltc train</c> and <c>ltc sweep</c> do with their options).
/// </summary>
/// <remarks>
/// The defaults follow the paper's setups: the latent dimension is the lattice's (Block-LTC: 1 per vector; ECLQ: the
/// source dimension, as it has no transform), the transform is linear for i.i.d. sequences (two bias-free layers, as
/// the paper uses for them) and an MLP otherwise, and the entropy model is a RealNVP flow for lattice latents of
/// dimension 2 or more (and always for Block-LTC), the factorized density otherwise. Block-LTC groups n vectors of the
/// source into one row (<see cref="BlockSource"/>), n being the lattice's dimension. Training settings left null come
/// from <see cref="Profile"/>.
/// </remarks>
public sealed record ModelSpec
{
    /// <summary>The source, as <see cref="SourceCatalog.Parse"/> reads it (<c>gaussian</c>, <c>banana</c>, <c>npy:x.npy</c>, ...).</summary>
    public string Source { get; init; } = "gaussian";
    /// <summary>Length of an i.i.d. sequence (data sets know their dimension); null: the source's default.</summary>
    public int? Dim { get; init; }
    /// <summary>The kind of model.</summary>
    public ModelKind Kind { get; init; } = ModelKind.Ltc;
    /// <summary>Block-LTC's block length n (null: the lattice's dimension); only for <see cref="ModelKind.BlockLtc"/>.</summary>
    public int? Block { get; init; }
    /// <summary>The lattice name (<see cref="ModelLattice.Parse"/>); null: Z of the latent dimension.</summary>
    public string? Lattice { get; init; }
    /// <summary>Latent dimension dy; null: the default described in the remarks.</summary>
    public int? LatentDim { get; init; }
    /// <summary>The transform; null: linear for i.i.d. sequences, MLP otherwise.</summary>
    public TransformKind? Transform { get; init; }
    /// <summary>Hidden width of the transforms.</summary>
    public int Hidden { get; init; } = 100;
    /// <summary>The entropy model; null: the default described in the remarks.</summary>
    public EntropyModelKind? Entropy { get; init; }
    /// <summary>Training proxy of the lattice quantizer.</summary>
    public QuantizationProxy Proxy { get; init; } = QuantizationProxy.Ste;
    /// <summary>The distortion measure.</summary>
    public DistortionMeasure Distortion { get; init; } = DistortionMeasure.Mse;
    /// <summary>The budget the settings left null come from.</summary>
    public TrainingProfile Profile { get; init; } = TrainingProfile.Quick;
    /// <summary>Training steps; null: the profile's.</summary>
    public int? Steps { get; init; }
    /// <summary>Batch size; null: the profile's.</summary>
    public int? Batch { get; init; }
    /// <summary>Adam learning rate; null: the profile's.</summary>
    public double? Lr { get; init; }
    /// <summary>Cell samples per training step; null: the profile's.</summary>
    public int? TrainCellSamples { get; init; }
    /// <summary>Cell sampling in training.</summary>
    public CellSampling TrainCellSampling { get; init; } = CellSampling.ScrambledSobol;
    /// <summary>Density samples M per training step of lattice models (<see cref="ModelConfig.DensitySamples"/>); null:
    /// N/8 (<see cref="LatticeEntropyModel.DensitySampleCount"/>) for lattice models, 0 for the others.</summary>
    public int? DensitySamples { get; init; }
    /// <summary>Block-LTC without the running mean of its latents (<see cref="ModelConfig.NoBlockMean"/>).</summary>
    public bool NoBlockMean { get; init; }
    /// <summary>Seed of initialization, data and cell samples (the evaluation after training uses seed + 1000).</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Test vectors of the evaluation after training; null: the profile's.</summary>
    public int? EvalSamples { get; init; }
    /// <summary>Cell samples per rate estimate in the evaluation after training; null: the profile's.</summary>
    public int? EvalCellSamples { get; init; }

    /// <summary>TTC: trellis states (4, 8, 16, 32, 64, 128 or 256); null for the other kinds.</summary>
    public int? States { get; init; }

    /// <summary>TTC: consecutive vectors one trellis sequence runs over (null: 1, every vector on its own).</summary>
    public int? TrellisRows { get; init; }

    /// <summary>
    /// Train until the held-out loss stops improving (<see cref="ConvergenceOptions"/>), with <see cref="Steps"/> (or
    /// the profile's) as the most steps; null: exactly that many steps.
    /// </summary>
    public ConvergenceOptions? Convergence { get; init; }

    /// <summary>The files the spec reads (a source's data, a <c>G:</c> lattice's generator); see <see cref="ModelSources.Files"/>.</summary>
    public IReadOnlyList<string> InputFiles => [.. ModelSources.Files(Source, Lattice)];

    /// <summary>
    /// Resolves the spec for trade-off <paramref name="lambda"/>: reads the source and the lattice (a <c>G:</c>
    /// generator file once; its matrix goes into the configuration), applies the defaults, and validates everything,
    /// the evaluation after training included, before anything is trained.
    /// </summary>
    /// <param name="lambda">λ in R + λ·D; positive and finite.</param>
    /// <exception cref="LtcException">An input file that is not a regular file, an unknown source or lattice, an
    /// inconsistent combination (Block-LTC without a lattice or with a block source, a block length other than the
    /// lattice's dimension, <c>--block</c> for another kind, NTC with a non-integer lattice), or a setting out of range
    /// (<see cref="ModelConfig.Validate"/>, <see cref="EvalOptions.Validated(VectorSource, int)"/>).</exception>
    public ModelSetup Build(double lambda)
    {
        ModelSources.CheckDataFiles(InputFiles);
        var source = SourceCatalog.Parse(Source, Dim);
        // Resolved once: a G: generator file is read here and its matrix goes into the model file.
        ModelLattice? modelLattice = Lattice is null ? null : ModelLattice.Parse(Lattice);
        Lattices.Lattice? lattice = modelLattice?.Lattice;
        int block = 1;
        if (Kind == ModelKind.BlockLtc)
        {
            block = Block ?? lattice?.Dimension ?? throw new LtcException("block-ltc needs --lattice (E8 for n = 8, Leech for n = 24) or --block");
            if (lattice is null) throw new LtcException("block-ltc needs --lattice (E8 for n = 8, Leech for n = 24)");
            if (lattice.Dimension != block) throw new LtcException($"--lattice {Lattice} has dimension {lattice.Dimension}, but --block is {block}");
            if (source is BlockSource) throw new LtcException($"block-ltc groups vectors into blocks itself; give the plain source, not '{source.Name}'");
            if ((long)source.Dimension * block > ModelConfig.MaxDim) throw new LtcException($"a block of {block} vectors of dimension {source.Dimension} exceeds {ModelConfig.MaxDim} values");
            source = new BlockSource(source, block);
        }
        else if (Block is not null) throw new LtcException("--block is for --kind block-ltc");
        if (Kind != ModelKind.Ttc && (States is not null || TrellisRows is not null)) throw new LtcException("--states and --trellis-rows are for --kind ttc");
        if (Kind == ModelKind.Ttc && States is null) throw new LtcException($"ttc needs --states ({string.Join(", ", Trellis.TrellisCode.SupportedStates)})");
        int d = source.Dimension;
        if (Kind == ModelKind.Ntc && lattice is not null && lattice is not IntegerLattice)
            throw new LtcException($"ntc rounds to integers; --lattice {Lattice} needs --kind ltc");
        int dy = LatentDim ?? (Kind == ModelKind.BlockLtc ? 1 : Kind == ModelKind.Eclq ? d : lattice?.Dimension ?? d);
        if (dy < 1 || dy > ModelConfig.MaxLatentDim) throw new LtcException($"--latent-dim must be between 1 and {ModelConfig.MaxLatentDim}, got {dy}");
        modelLattice ??= ModelLattice.Parse($"Z{dy}");
        var config = new ModelConfig
        {
            Model = Kind,
            Source = Kind == ModelKind.BlockLtc ? source.Name : Source,
            Dim = d,
            Block = block,
            LatentDim = dy,
            ScalarsPerSample = source.ScalarsPerSample,
            Transform = Transform ?? (source is IidSource ? TransformKind.Linear : TransformKind.Mlp),
            Hidden = Hidden,
            Lattice = modelLattice,
            Entropy = Entropy ?? (Kind == ModelKind.BlockLtc || (Kind.HasLattice() && dy >= 2) ? EntropyModelKind.Flow : EntropyModelKind.Factorized),
            Proxy = Proxy,
            Distortion = Distortion,
            Lambda = lambda,
            McSamples = TrainCellSamples ?? Profile.McSamples,
            Mc = TrainCellSampling,
            DensitySamples = DensitySamples ?? (Kind.HasLattice() ? LatticeEntropyModel.DensitySampleCount(TrainCellSamples ?? Profile.McSamples) : 0),
            NoBlockMean = NoBlockMean,
            Steps = Steps ?? Profile.Steps,
            Batch = Batch ?? Profile.Batch,
            Lr = Lr ?? Profile.Lr,
            Seed = Seed,
            Profile = Profile.Name,
            States = States ?? 0,
            TrellisRows = TrellisRows ?? 0,
        };
        config.Validate("options");
        return new ModelSetup(config, source, EvalOptions.For(config, source, EvalSamples, EvalCellSamples, profile: Profile))
        {
            Convergence = Convergence?.Validated(),
        };
    }
}
