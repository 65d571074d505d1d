using Ltc.Sources;
using static TorchSharp.torch;

namespace Ltc.Torch;

/// <summary>What <see cref="TrainingRun.Train"/> returns.</summary>
/// <param name="Model">The trained model, in evaluation mode, with fitted coding tables (<see cref="CompressionModel.Codec"/>),
/// ready for <see cref="ModelCodec"/>.</param>
/// <param name="Evaluation">Its evaluation on held-out data (<see cref="Evaluator.Evaluate"/>), with the payload rate of a
/// real file of the same vectors (<see cref="EvalResult.PayloadRate"/>).</param>
/// <param name="TrainSeconds">Wall time of training in seconds, summed over every session of a resumed run (fitting
/// the tables and evaluating are not included).</param>
/// <param name="State">Where the training stood at the end (steps done, moving averages of loss, rate, distortion).</param>
public sealed record TrainingRunResult(CompressionModel Model, EvalResult Evaluation, double TrainSeconds, TrainingState State);

/// <summary>
/// One complete training run, as <c>ltc train</c> and <c>ltc sweep</c> do it: create the model (or resume it from its
/// model file), train it with <see cref="Trainer"/>, checkpoint it, fit its coding tables
/// (<see cref="ModelCodec.Fit"/>), save it, and evaluate it.
/// </summary>
/// <remarks>
/// Not for concurrent use from several threads: a fresh run seeds TorchSharp's process-wide generator
/// (<c>manual_seed</c>), and so does every training step. Run models one after another; set the intra-op thread count
/// once with <see cref="TorchSetup.Configure"/>.
/// </remarks>
public static class TrainingRun
{
    /// <summary>
    /// Trains a model of configuration <paramref name="config"/> on the training split of <paramref name="source"/>,
    /// fits its coding tables to <see cref="ModelCodec.DefaultFitSamples"/> training vectors (seed
    /// <see cref="ModelConfig.Seed"/>), and evaluates it on the test split with <paramref name="evaluation"/>.
    /// </summary>
    /// <param name="config">The model and its training budget (<see cref="ModelConfig.Steps"/> steps of
    /// <see cref="ModelConfig.Batch"/> vectors). Its <see cref="ModelConfig.Dim"/> must equal the source's dimension.</param>
    /// <param name="source">Training and test data; vectors of <see cref="VectorSource.Dimension"/> values.</param>
    /// <param name="evaluation">Settings of the evaluation after training (checked before training starts).</param>
    /// <param name="path">The model file (<c>.ltcm</c>): checkpoints (model, training state and optimizer moments) are
    /// written to it atomically every <paramref name="checkpointEvery"/> steps and when training ends, marked unfinished,
    /// and the finished model with its coding tables replaces them. Its folder is checked before anything else. Null: no file is written (and nothing can be resumed).</param>
    /// <param name="resume">Continue the run saved in <paramref name="path"/> instead of starting over. The saved
    /// configuration must equal <paramref name="config"/> except for <see cref="ModelConfig.Steps"/> (a run can be
    /// extended, not cut below the steps it has done); a run resumed from a checkpoint continues exactly as an
    /// uninterrupted one.</param>
    /// <param name="checkpointEvery">Steps between checkpoints (0: only at the end; null: a tenth of the run, at least 1).
    /// Ignored when <paramref name="path"/> is null.</param>
    /// <param name="progress">Receives training progress about four times a second; the last report (sent when
    /// training stops, before the tables are fitted) has <see cref="TrainingProgress.IsLast"/> set. Reports come
    /// on the calling thread.</param>
    /// <param name="cancel">Observed between training steps, after the tables are fitted and during the evaluation. When
    /// it fires during training, the checkpoint of the steps done so far is saved to <paramref name="path"/> (marked
    /// unfinished, <see cref="TrainingState.Unfinished"/>, so the run can be resumed) and
    /// <see cref="OperationCanceledException"/> is thrown; tables are not fitted and nothing is evaluated. When it fires
    /// during the evaluation, the finished model is already saved.</param>
    /// <param name="convergence">Train until the held-out loss stops improving (see <see cref="ConvergenceOptions"/>),
    /// with <see cref="ModelConfig.Steps"/> as the most steps; null: exactly that many steps. The criterion and the
    /// held-out curve are saved in the model file's training state (<see cref="TrainingState.Convergence"/>). With
    /// <see cref="ConvergenceOptions.Validation"/> the model trains on the training rows left after the validation rows
    /// are held out (<see cref="ValidationSplitSource.Carve"/>) and its tables are fitted to them; the evaluation still
    /// uses <paramref name="source"/>'s test split.</param>
    /// <param name="initFrom">A warm start: a fresh run starts from this trained model's weights instead of a random
    /// initialization (the optimizer and the schedule start afresh), e.g. a model of the next larger λ, so that a small
    /// λ begins from a model that codes rather than from one that may collapse to zero rate. It must be the same model
    /// (<see cref="CheckWarmStart"/>); its fingerprint is recorded in the training state
    /// (<see cref="TrainingState.InitializedFrom"/>). A resumed run must name the same model. Null: a random
    /// initialization from <see cref="ModelConfig.Seed"/>.</param>
    /// <returns>The model, its evaluation and the training time.</returns>
    /// <exception cref="LtcException">An invalid configuration or evaluation setting, a source of another dimension,
    /// an <paramref name="initFrom"/> that is not the same model, or one other than the resumed run's,
    /// <paramref name="resume"/> with a missing, malformed or differently configured model file, a negative
    /// <paramref name="checkpointEvery"/>, a diverged training, or a <paramref name="path"/> whose folder does not exist.</exception>
    /// <exception cref="IOException">The model file cannot be written.</exception>
    /// <exception cref="ArgumentException"><paramref name="resume"/> without a <paramref name="path"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> fired during training.</exception>
    public static TrainingRunResult Train(ModelConfig config, VectorSource source, EvalOptions evaluation, string? path = null,
        bool resume = false, int? checkpointEvery = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default,
        ConvergenceOptions? convergence = null, CompressionModel? initFrom = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(evaluation);
        if (resume && path is null) throw new ArgumentException("resuming needs the path of the saved run", nameof(path));
        if (checkpointEvery < 0) throw new LtcException($"--checkpoint-every must be >= 0, got {checkpointEvery}");
        config.Validate("configuration");
        ModelSources.CheckDimension(source, config);
        evaluation.Validated(source, config.LatentSize);
        convergence?.Validated();
        if (convergence is { Validation: > 0 } && source.IsSynthetic)
            throw new LtcException($"--validation is for data sets: source '{source.Name}' is synthetic, and its held-out checks already draw fresh vectors of their own");
        if (convergence is { KeepBest: true, Validation: 0 } && !source.IsSynthetic)
            throw new LtcException($"keeping the best weights of source '{source.Name}' would choose them on its test split: hold out a validation share of its training rows (--validation)");
        if (convergence is not null && convergence.CheckEvery > config.Steps)
            throw new LtcException($"--check-every {convergence.CheckEvery} is more than the {config.Steps} steps of the run: no held-out check would run (raise --steps, the most steps the run may take)");
        if (initFrom is not null) CheckWarmStart(initFrom, config);
        string? initFingerprint = initFrom is null ? null : Convert.ToHexStringLower(ModelFile.Fingerprint(initFrom));
        if (path is not null) Ltc.IO.AtomicFile.CheckOutput(path);
        cancel.ThrowIfCancellationRequested();

        CompressionModel model;
        TrainingState state = TrainingState.Start;
        byte[] optimizerState = [];
        if (resume && File.Exists(path))
        {
            var loaded = ModelFile.Load(path);
            if (loaded.Model.Config with { Steps = config.Steps } != config)
                throw new LtcException($"{path}: --resume needs the same configuration as the saved run ({Differences(loaded.Model.Config, config with { Steps = loaded.Model.Config.Steps })})");
            model = new CompressionModel(loaded.Model.Config with { Steps = config.Steps });
            using (no_grad())
                foreach (var (name, t) in loaded.Model.state_dict()) model.state_dict()[name].copy_(t);
            state = loaded.State;
            if (config.Steps < state.Step)
                throw new LtcException($"{path}: the saved run has done {state.Step} steps, more than the {config.Steps} given to --resume (--steps is the run's total, not the steps to add)");
            if (state.Convergence?.Options != convergence)
                throw new LtcException($"{path}: --resume needs the same convergence criterion as the saved run (saved: {Describe(state.Convergence?.Options)}; given: {Describe(convergence)})");
            if (state.InitializedFrom != initFingerprint)
                throw new LtcException($"{path}: --resume needs the same warm start as the saved run (saved: {state.InitializedFrom ?? "a random initialization"}; given: {initFingerprint ?? "a random initialization"}; " +
                    (state.InitializedFrom is null ? "leave out --init-from)" : "give --init-from the model of that fingerprint, e.g. the λ before it in a --warm-start sweep; ltc inspect shows a model's)"));
            optimizerState = loaded.OptimizerState;
        }
        else
        {
            if (resume) throw new LtcException($"{path}: nothing to resume (file not found)");
            manual_seed(config.Seed);
            // Built from the seed either way, so the random stream after it is that of a fresh run.
            model = new CompressionModel(config);
            if (initFrom is not null)
            {
                CopyWeights(initFrom, model);
                state = state with { InitializedFrom = initFingerprint };
            }
            if (convergence is not null) state = state with { Convergence = ConvergenceState.Start(convergence) };
        }
        // With a validation split the model trains, and its tables are fitted, on the training rows left.
        var training = convergence is { Validation: > 0 } c ? ValidationSplitSource.Carve(source, c.Validation) : source;
        var trainer = new Trainer(model, training);
        trainer.LoadOptimizerState(optimizerState, path ?? "<model>");
        int every = checkpointEvery ?? Math.Max(1, config.Steps / 10);
        // Checkpoints replace a regular file; a device or FIFO (e.g. /dev/stdout) gets only the finished model.
        Action<TrainingState, byte[]>? checkpoint = path is null || !Ltc.IO.AtomicFile.IsReplaceable(path) ? null : (s, opt) => ModelFile.Save(path, model, s, opt);
        // Every checkpoint, including the one at the end of training, is marked unfinished (see TrainingState.Unfinished).
        var final = trainer.Run(state, progress, checkpoint, checkpoint is null ? 0 : every, cancel);
        cancel.ThrowIfCancellationRequested();
        // The coding tables make the model a file codec; they are fitted to the finished model's training latents.
        ModelCodec.Fit(model, training, seed: config.Seed);
        cancel.ThrowIfCancellationRequested();
        final = final with { Unfinished = false };
        if (path is not null) ModelFile.Save(path, model, final, trainer.OptimizerState());
        var result = Evaluator.Evaluate(model, source, evaluation, cancel);
        // What files of the model cost, next to the estimate: a gap between them is the model's, not the report's.
        result = result with { PayloadRate = CodedEvaluator.PayloadRate(new ModelCodec(model), source, evaluation, cancel: cancel) };
        return new TrainingRunResult(model, result, final.Seconds, final);
    }

    /// <summary>
    /// Checks that a training of <paramref name="config"/> can start from the weights of <paramref name="init"/>: the
    /// same kind of model, dimensions, block length, transform, hidden width, lattice, entropy model and running mean
    /// (<see cref="Train"/> also checks each weight's name and shape as it copies them). λ, the seed and the training
    /// settings may differ.
    /// </summary>
    /// <exception cref="LtcException">The models differ; the message names every difference.</exception>
    public static void CheckWarmStart(CompressionModel init, ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(init);
        ArgumentNullException.ThrowIfNull(config);
        var c = init.Config;
        (string What, object Init, object Given)[] parts =
        [
            ("kind", c.Model.Name(), config.Model.Name()), ("lattice", c.Lattice.Name, config.Lattice.Name),
            ("input dimension", c.Dim, config.Dim), ("latent dimension", c.LatentDim, config.LatentDim), ("block length", c.Block, config.Block),
            ("transform", c.Transform.Name(), config.Transform.Name()), ("hidden width", c.Hidden, config.Hidden),
            ("entropy model", c.Entropy.Name(), config.Entropy.Name()),
            ("running mean of the latents", c.NoBlockMean ? "off" : "on", config.NoBlockMean ? "off" : "on"),
        ];
        var differ = parts.Where(p => !Equals(p.Init, p.Given)).Select(p => $"{p.What} {p.Init}, the run {p.Given}").ToArray();
        if (differ.Length > 0)
            throw new LtcException($"--init-from: the model has {string.Join("; ", differ)}: a warm start needs the same model (give the run the model's options)");
    }

    // The weights of a warm start, copied into the run's fresh model; a weight of another name or shape (a setting
    // CheckWarmStart does not compare) is refused.
    private static void CopyWeights(CompressionModel from, CompressionModel into)
    {
        var given = from.state_dict();
        using (no_grad())
            foreach (var (name, t) in into.state_dict())
            {
                if (!given.TryGetValue(name, out var w) || !w.shape.SequenceEqual(t.shape))
                    throw new LtcException($"--init-from: the model's weight '{name}' is {(w is null ? "missing" : $"[{string.Join(", ", w.shape)}]")}, the run needs [{string.Join(", ", t.shape)}]");
                t.copy_(w);
            }
    }

    /// <summary>
    /// <see cref="Train"/> into the model file <paramref name="path"/>, all or nothing: if the run fails (or
    /// <paramref name="accept"/> throws), <paramref name="path"/> is put back as it was; if <paramref name="cancel"/>
    /// fires, the checkpoint written so far is kept (marked unfinished, so the run can be resumed) and a
    /// <see cref="TrainingInterruptedException"/> says what the file holds.
    /// </summary>
    /// <param name="config">As for <see cref="Train"/>.</param>
    /// <param name="source">As for <see cref="Train"/>.</param>
    /// <param name="evaluation">As for <see cref="Train"/>.</param>
    /// <param name="path">The model file: checkpoints, then the finished model.</param>
    /// <param name="resume">Continue the run saved in <paramref name="path"/>.</param>
    /// <param name="checkpointEvery">As for <see cref="Train"/>.</param>
    /// <param name="progress">As for <see cref="Train"/>.</param>
    /// <param name="accept">Called with the result before the file is kept (e.g. to render a report that must not
    /// fail after the file is written); an exception from it restores <paramref name="path"/>.</param>
    /// <param name="cancel">As for <see cref="Train"/>.</param>
    /// <param name="convergence">As for <see cref="Train"/>.</param>
    /// <param name="initFrom">As for <see cref="Train"/>.</param>
    /// <exception cref="TrainingInterruptedException"><paramref name="cancel"/> fired.</exception>
    /// <exception cref="LtcException">As for <see cref="Train"/>.</exception>
    public static TrainingRunResult TrainToFile(ModelConfig config, VectorSource source, EvalOptions evaluation, string path, bool resume = false,
        int? checkpointEvery = null, IProgress<TrainingProgress>? progress = null, Action<TrainingRunResult>? accept = null, CancellationToken cancel = default,
        ConvergenceOptions? convergence = null, CompressionModel? initFrom = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var restore = new Ltc.IO.FileRestorePoint(path);
        TrainingRunResult run;
        try
        {
            run = Train(config, source, evaluation, path, resume, checkpointEvery, progress, cancel, convergence, initFrom);
        }
        catch (OperationCanceledException e) when (cancel.IsCancellationRequested)
        {
            bool written = restore.Changed;
            restore.Keep(); // the checkpoint, marked unfinished, is what an interrupted run leaves
            throw new TrainingInterruptedException(path, written ? ModelFile.TryReadState(path) : null, 0, e);
        }
        accept?.Invoke(run);
        restore.Keep();
        return run;
    }

    // The settings in which two configurations differ, as "lambda: saved 4, given 2; seed: saved 1, given 3".
    internal static string Differences(ModelConfig saved, ModelConfig given, string givenName = "given")
    {
        var a = System.Text.Json.Nodes.JsonNode.Parse(saved.ToJson())!.AsObject();
        var b = System.Text.Json.Nodes.JsonNode.Parse(given.ToJson())!.AsObject();
        var keys = a.Select(p => p.Key).Union(b.Select(p => p.Key));
        var differ = keys.Where(k => !System.Text.Json.Nodes.JsonNode.DeepEquals(a[k], b[k]))
            .Select(k => $"{k}: saved {a[k]?.ToJsonString() ?? "none"}, {givenName} {b[k]?.ToJsonString() ?? "none"}").ToArray();
        return differ.Length > 0 ? string.Join("; ", differ) : "saved: " + saved.ToJson();
    }

    internal static string Describe(ConvergenceOptions? o) => o is null ? "a fixed number of steps" :
        $"check every {o.CheckEvery} steps, patience {o.Patience}, tolerance {o.Tolerance}, {o.Vectors} vectors, N = {o.CellSamples}, {o.Decays} decays" +
        (o.Validation > 0 ? $", validation {o.Validation} of the training rows" : "") + (o.KeepBest ? ", best weights kept" : "");
}

/// <summary>
/// A training (<see cref="TrainingRun.TrainToFile"/>) or sweep (<see cref="ModelSweep.Run"/>) stopped by its
/// cancellation token, with what its files hold now.
/// </summary>
public sealed class TrainingInterruptedException : OperationCanceledException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelPath">The model file of the run that was interrupted; null when no run was under way.</param>
    /// <param name="saved">The training state saved in <paramref name="modelPath"/>, or null when nothing was written to it.</param>
    /// <param name="finishedModels">Models of a sweep finished (and kept) before the interruption.</param>
    /// <param name="inner">The cancellation.</param>
    public TrainingInterruptedException(string? modelPath, TrainingState? saved, int finishedModels, Exception? inner = null)
        : base("training interrupted", inner)
    {
        ModelPath = modelPath;
        Saved = saved;
        FinishedModels = finishedModels;
    }

    /// <summary>The model file of the interrupted run; null when no run was under way.</summary>
    public string? ModelPath { get; }

    /// <summary>
    /// What <see cref="ModelPath"/> holds: null when nothing was written to it (interrupted before the first
    /// checkpoint); a checkpoint marked <see cref="TrainingState.Unfinished"/> (resume it); or, when interrupted during
    /// the evaluation, the finished model's state.
    /// </summary>
    public TrainingState? Saved { get; }

    /// <summary>Models of a sweep finished before the interruption; they and the results file are kept.</summary>
    public int FinishedModels { get; }
}
