using System.CommandLine;
using Ltc.Lattices;
using Ltc.Sources;
using Ltc.Torch;

namespace Ltc.Cli.Commands;

/// <summary>The options shared by <c>ltc train</c> and <c>ltc sweep</c>, and the <see cref="ModelSpec"/> they give.</summary>
internal sealed class ModelOptions
{
    /// <summary>Largest learning rate accepted.</summary>
    private const double MaxLr = 100;

    public const string ThreadsHelp = "Torch intra-op threads (default 1: torch's threads spin-wait, so more than one slows " +
        "everything down as soon as another process uses a core; 0: one per core). The fused density kernels, which do " +
        "not spin, use every core the runtime sees: DOTNET_PROCESSOR_COUNT=1 keeps them to one, e.g. for runs side by side.";

    public readonly Option<string> Source = new("--source", "-s") { Description = $"Source: {SourceCatalog.Help}.", DefaultValueFactory = _ => "gaussian" };
    public readonly Option<int?> Dim = new Option<int?>("--dim", "-d") { Description = $"Dimension (length of an i.i.d. sequence; data sets know theirs; at most {ModelConfig.MaxDim})." }.Range(1, ModelConfig.MaxDim);
    public readonly Option<string> Kind = new Option<string>("--kind") { Description = $"Kind of model: {ModelCatalog.Kinds.Help}. (--model is a deprecated spelling.)", DefaultValueFactory = _ => "ltc" }.DeprecatedAlias("--model");
    public readonly Option<int?> Block = new Option<int?>("--block") { Description = $"Block-LTC: source vectors per block n (the lattice's dimension, e.g. 8 for E8, 24 for Leech; 2..{ModelConfig.MaxBlock})." }.Range(2, ModelConfig.MaxBlock);
    public readonly Option<int?> States = new Option<int?>("--states") { Description = "TTC: trellis states (4, 8, 16, 32, 64, 128 or 256)." };
    public readonly Option<int?> TrellisRows = new Option<int?>("--trellis-rows") { Description = "TTC: consecutive vectors one trellis sequence runs over (default 1: every vector on its own)." }.Range(1, Ltc.Codec.TrellisLatent.MaxSequenceLength);
    public readonly Option<string?> Lattice = new("--lattice", "-l") { Description = "Lattice of the latent (LTC, ECLQ): A2, D4*, E8, BW16, Leech, E8^2, ... Default: Z of the latent dimension." };
    public readonly Option<int?> LatentDim = new Option<int?>("--latent-dim") { Description = $"Latent dimension dy (default: the lattice's, else --dim; at most {ModelConfig.MaxLatentDim})." }.Range(1, ModelConfig.MaxLatentDim);
    public readonly Option<string?> Transform = new("--transform") { Description = "linear (two bias-free layers, the paper's choice for i.i.d. sources) or mlp (softplus). Default: linear for i.i.d. sequences, mlp otherwise." };
    public readonly Option<int> Hidden = new Option<int>("--hidden") { Description = $"Hidden width of the transforms (1..{ModelConfig.MaxHidden}; the whole model has at most {ModelConfig.MaxParameters:N0} parameters).", DefaultValueFactory = _ => 100 }.Range(1, ModelConfig.MaxHidden);
    public readonly Option<string?> Entropy = new("--entropy") { Description = "factorized or flow (RealNVP). Default: flow for LTC/ECLQ with a latent of dimension >= 2, else factorized." };
    public readonly Option<string> Proxy = new("--proxy") { Description = $"Training proxy of the lattice quantizer: {ModelCatalog.Proxies.Expected}.", DefaultValueFactory = _ => "ste" };
    public readonly Option<string> Distortion = new("--distortion") { Description = $"{ModelCatalog.Distortions.Expected}.", DefaultValueFactory = _ => "mse" };
    public readonly Option<string> Profile = new("--profile") { Description = "Budget: quick (a minute or two), standard (docs/results), paper (the official settings).", DefaultValueFactory = _ => "quick" };
    public readonly Option<int?> Steps = new Option<int?>("--steps") { Description = $"Training steps (default: the profile's; 0..{ModelConfig.MaxSteps})." }.Range(0, ModelConfig.MaxSteps);
    public readonly Option<int?> Batch = new Option<int?>("--batch") { Description = $"Batch size (default: the profile's; 1..{ModelConfig.MaxBatch}, and batch × cell samples × latent size at most {ModelConfig.MaxStepValues:N0})." }.Range(1, ModelConfig.MaxBatch);
    public readonly Option<double?> Lr = new Option<double?>("--lr") { Description = $"Adam learning rate (default: the profile's; at most {MaxLr})." }.Positive(MaxLr);
    public readonly Option<int?> TrainCellSamples = new Option<int?>("--train-cell-samples") { Description = $"Cell samples N per training step (default: the profile's; 1..{ModelConfig.MaxCellSamples}). (--mc-samples is a deprecated spelling.)" }.Range(1, ModelConfig.MaxCellSamples).DeprecatedAlias("--mc-samples");
    public readonly Option<int?> DensitySamples = new Option<int?>("--density-samples") { Description = $"Samples M of the learned density that join the N cell samples of each rate estimate in training (lattice models; default N/8; 0: cell samples alone, the estimator before 2026-11-30, whose floor keeps dithered models from zero rate; 0..{ModelConfig.MaxCellSamples})." }.Range(0, ModelConfig.MaxCellSamples);
    public readonly Option<string> TrainCellSampling = new("--train-cell-sampling") { Description = $"Cell sampling in training: {CellSamplingCatalog.Names.Expected}.", DefaultValueFactory = _ => "sobol-scrambled" };
    public readonly Option<int> Seed = new("--seed") { Description = "Seed of initialization, data and cell samples.", DefaultValueFactory = _ => 1 };
    public readonly Option<string> Device = new("--device") { Description = "cpu or cuda (this build is CPU-only; CUDA is untested).", DefaultValueFactory = _ => "cpu" };
    public readonly Option<int> Threads = new Option<int>("--threads") { Description = ThreadsHelp, DefaultValueFactory = _ => TorchSetup.DefaultThreads }.Range(0, TorchSetup.MaxThreads);
    public readonly Option<int?> EvalSamples = new Option<int?>("--eval-samples") { Description = $"Test vectors for the evaluation after training (default: the profile's; 1..{EvalOptions.MaxSamples})." }.Range(1, EvalOptions.MaxSamples);
    public readonly Option<int?> EvalCellSamples = new Option<int?>("--eval-cell-samples") { Description = $"Cell samples per rate estimate in the evaluation after training (default: the profile's; 1..{ModelConfig.MaxCellSamples}). (--eval-mc-samples is a deprecated spelling.)" }.Range(1, ModelConfig.MaxCellSamples).DeprecatedAlias("--eval-mc-samples");
    public readonly Option<bool> NoBlockMean = new("--no-block-mean") { Description = "Block-LTC: do not remove a running mean of the latents (the paper's " +
        "architecture removes one, updated from every training batch outside the gradient); a diagnostic of the training drift." };
    public readonly Option<bool> Json = new("--json") { Description = "Print one JSON object on stdout and nothing else (progress still goes to stderr)." };
    public readonly Option<bool> UntilConverged = new("--until-converged") { Description = "Train until the held-out loss R + λ·D stops improving: checked every --check-every " +
        "steps on 4096 held-out vectors (test rows of a data set, or its --validation rows); after --patience checks without a 0.2 % improvement the learning rate drops ×0.1 once, after the next such plateau " +
        "the run stops (--steps is the most steps). The curve is saved in the model file (ltc train --loss-curve; ltc sweep writes each model's beside it, e.g. ltc-E8-lambda4.curve.csv)." };
    public readonly Option<int?> CheckEvery = new Option<int?>("--check-every") { Description = "With --until-converged: steps between held-out checks (default 250)." }.Range(1, ModelConfig.MaxSteps);
    public readonly Option<int?> Patience = new Option<int?>("--patience") { Description = "With --until-converged: checks without improvement that make a plateau (default 6)." }.Range(1, 1000);
    public readonly Option<double?> Validation = new("--validation") { Description = "With --until-converged: hold out this share of a data set's training rows " +
        $"(0 < f ≤ {ValidationSplitSource.MaxFraction}, at least {ValidationSplitSource.MinVectors} vectors or blocks; 0: none) for the held-out checks and train on the rest, so the test split is left to the final evaluation " +
        "(default: the checks use test rows). Synthetic sources need none: their checks draw fresh vectors." };
    public readonly Option<bool> KeepBest = new("--keep-best") { Description = "With --until-converged: end with the weights of the best held-out check instead of the " +
        "last step's (early stopping). On a data set it needs --validation, so that the weights are not chosen on the test split." };

    public readonly Option<string?> InitFrom = new Option<string?>("--init-from") { Description = "Warm start: begin from the weights of this trained model (.ltcm; the same kind, " +
        "dimensions, transform, lattice and entropy model; λ and the training settings may differ) instead of a random initialization, e.g. a model of a larger λ " +
        "for a small λ that collapses to zero rate. A new run (fresh optimizer and schedule; --resume continues a saved one). With ltc sweep every λ starts from it, " +
        "or with --warm-start only the first. Its fingerprint is kept in the model file (ltc inspect shows it)." }.FileOnly(input: true);

    /// <summary>The λ of one model (train).</summary>
    public static Option<double> Lambda() => new Option<double>("--lambda") { Description = "Trade-off λ in R + λ·D (R in bits per rate unit, D per coordinate); positive.", Required = true }.Positive(ModelSweep.MaxLambda);

    /// <summary>Adds the shared options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Source, Dim, Kind, Block, States, TrellisRows, Lattice, LatentDim, Transform, Hidden, Entropy, Proxy, Distortion,
            Profile, Steps, Batch, Lr, TrainCellSamples, DensitySamples, NoBlockMean, TrainCellSampling, Seed, Device, Threads, EvalSamples, EvalCellSamples, Json, UntilConverged, CheckEvery, Patience, Validation, KeepBest, InitFrom })
            command.Options.Add(o);
    }

    /// <summary>The files the options read (data of the source, a G: lattice, the model of --init-from), which no output may replace.</summary>
    public string[] InputFiles(ParseResult pr) => [.. DataFiles(pr), .. pr.GetValue(InitFrom) is string init ? new[] { init } : []];

    private string[] DataFiles(ParseResult pr) => [.. ModelSources.Files(pr.GetValue(Source) ?? "", pr.GetValue(Lattice))];

    /// <summary>The model of --init-from, read (with a warning if it is an unfinished checkpoint), or null.</summary>
    /// <exception cref="LtcException">A missing or malformed model file.</exception>
    public CompressionModel? InitialModel(ParseResult pr)
    {
        if (pr.GetValue(InitFrom) is not string path) return null;
        if (path.Length == 0) throw new LtcException("--init-from is empty: name a model file (.ltcm)");
        Ltc.IO.AtomicFile.CheckInput(path);
        var loaded = ModelFile.Load(path);
        // Starting from a checkpoint is allowed (its weights are weights), but seldom meant.
        if (loaded.Unfinished)
            LtcApp.Warn($"--init-from: {path} is an unfinished training checkpoint (step {loaded.State.Step}); the run starts from its weights as they are");
        return loaded.Model;
    }

    /// <summary>The spec the options describe; names are parsed here, so an unknown one is an error naming its option.</summary>
    public ModelSpec Spec(ParseResult pr)
    {
        ModelSources.CheckDataFiles(DataFiles(pr)); // a device or FIFO is refused before anything else
        return new ModelSpec
        {
            Profile = TrainingProfile.Parse(pr.GetValue(Profile)!),
            // Everywhere else --model names a model file, so a path given to train's old spelling of --kind is a slip.
            Kind = ModelCatalog.Kinds.Parse(pr.GetValue(Kind), CliOptions.SpellingUsed(pr, Kind) == "--model"
                ? "--model (the old spelling of --kind: a kind of model, not a file; the model file is --out)" : "--kind"),
            Transform = pr.GetValue(Transform) is string t ? ModelCatalog.Transforms.Parse(t, "--transform") : null,
            Entropy = pr.GetValue(Entropy) is string e ? ModelCatalog.EntropyModels.Parse(e, "--entropy") : null,
            Proxy = ModelCatalog.Proxies.Parse(pr.GetValue(Proxy), "--proxy"),
            Distortion = ModelCatalog.Distortions.Parse(pr.GetValue(Distortion), "--distortion"),
            TrainCellSampling = CellSamplingCatalog.Names.Parse(pr.GetValue(TrainCellSampling), "--train-cell-sampling"),
            Source = pr.GetValue(Source)!,
            Dim = pr.GetValue(Dim),
            Block = pr.GetValue(Block),
            States = pr.GetValue(States),
            TrellisRows = pr.GetValue(TrellisRows),
            Lattice = pr.GetValue(Lattice),
            LatentDim = pr.GetValue(LatentDim),
            Hidden = pr.GetValue(Hidden),
            Steps = pr.GetValue(Steps),
            Batch = pr.GetValue(Batch),
            Lr = pr.GetValue(Lr),
            TrainCellSamples = pr.GetValue(TrainCellSamples),
            DensitySamples = pr.GetValue(DensitySamples),
            NoBlockMean = pr.GetValue(NoBlockMean),
            Seed = pr.GetValue(Seed),
            EvalSamples = pr.GetValue(EvalSamples),
            EvalCellSamples = pr.GetValue(EvalCellSamples),
            Convergence = Convergence(pr),
        };
    }

    private ConvergenceOptions? Convergence(ParseResult pr)
    {
        int? every = pr.GetValue(CheckEvery), patience = pr.GetValue(Patience);
        double? validation = pr.GetValue(Validation);
        bool keepBest = pr.GetValue(KeepBest);
        if (!pr.GetValue(UntilConverged))
            return every is null && patience is null && validation is null && !keepBest ? null
                : throw new LtcException("--check-every, --patience, --validation and --keep-best are for --until-converged");
        var d = new ConvergenceOptions();
        return (d with { CheckEvery = every ?? d.CheckEvery, Patience = patience ?? d.Patience, Validation = validation ?? 0, KeepBest = keepBest }).Validated();
    }
}
