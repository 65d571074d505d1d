using System.Diagnostics;
using System.Text.Json;
using Ltc.Lattices;
using Ltc.Sources;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ltc.Torch;

/// <summary>Budgets of a training run and its evaluation, chosen by name with <c>--profile</c>.</summary>
/// <param name="Name">quick, standard or paper.</param>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="Batch">Vectors per step.</param>
/// <param name="Lr">Adam learning rate (decayed ×0.1 over the last fifth of the steps, except in the paper profile).</param>
/// <param name="McSamples">Cell samples per step in training.</param>
/// <param name="EvalSamples">Test vectors drawn from synthetic sources at evaluation.</param>
/// <param name="EvalMcSamples">Cell samples per rate estimate at evaluation.</param>
/// <param name="EvalReplicates">Independent cell-sample sets at evaluation (their spread gives the Monte Carlo error).</param>
public sealed record TrainingProfile(string Name, int Steps, int Batch, double Lr, int McSamples, int EvalSamples, int EvalMcSamples, int EvalReplicates)
{
    /// <summary>A minute or two on a 2-core CPU: enough to see the curves take shape.</summary>
    public static TrainingProfile Quick { get; } = new("quick", 600, 256, 2e-3, 64, 4096, 256, 4);

    /// <summary>What docs/results reports: one to five minutes per model on one core (E8: about two).</summary>
    public static TrainingProfile Standard { get; } = new("standard", 2000, 256, 1e-3, 128, 16384, 512, 4);

    /// <summary>The official scripts' settings (batch 200, learning rate 1e-4, N = 2048; hours per point on a CPU).</summary>
    public static TrainingProfile Paper { get; } = new("paper", 50000, 200, 1e-4, 2048, 100000, 4096, 4);

    /// <summary>Looks a profile up by name; unknown names are a one-line error.</summary>
    public static TrainingProfile Parse(string name) =>
        Find(name) ?? throw new LtcException($"unknown profile '{name}' (expected quick, standard or paper)");

    /// <summary>
    /// Whether runs of the named profile decay the learning rate ×0.1 over their last fifth (every profile but
    /// <c>paper</c>: the official code keeps it constant).
    /// </summary>
    public static bool DecaysLearningRate(string profile) => profile != Paper.Name;

    /// <summary>The named profile, or null for names that are not a profile (e.g. "custom").</summary>
    public static TrainingProfile? Find(string name) =>
        name.ToLowerInvariant() switch { "quick" => Quick, "standard" => Standard, "paper" => Paper, _ => null };
}

/// <summary>Where a run stands: saved with every checkpoint so that it can resume.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Seconds">Wall time spent so far.</param>
/// <param name="Loss">Moving average of the training loss at the last step.</param>
/// <param name="Rate">Moving average of the training rate (per rate unit).</param>
/// <param name="Distortion">Moving average of the training distortion.</param>
public sealed record TrainingState(int Step, double Seconds, double Loss, double Rate, double Distortion)
{
    /// <summary>A run not yet started.</summary>
    public static TrainingState Start { get; } = new(0, 0, double.NaN, double.NaN, double.NaN);

    /// <summary>
    /// True in every checkpoint written while a run is in progress (or after it was interrupted): the model is not the
    /// finished result of its configuration (it may lack steps and its coding tables). The finished model of
    /// <see cref="TrainingRun.Train"/> is saved with false. Files written before the flag existed read as false.
    /// </summary>
    public bool Unfinished { get; init; }

    /// <summary>The convergence monitor of a run trained until converged (<see cref="ConvergenceOptions"/>), with its
    /// held-out loss curve; null for a run of a fixed number of steps.</summary>
    public ConvergenceState? Convergence { get; init; }

    /// <summary>For a run that started from the weights of another trained model (a warm start,
    /// <see cref="TrainingRun.Train"/>'s <c>initFrom</c>): that model's fingerprint (<see cref="ModelFile.Fingerprint"/>,
    /// lower-case hex); null for a run from a fresh initialization. Not written when null, so the files of fresh runs
    /// are as before.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? InitializedFrom { get; init; }

    /// <summary>For a finished run that kept its best weights (<see cref="ConvergenceOptions.KeepBest"/>): the step of
    /// the held-out check whose weights the model holds; null otherwise (the model holds its last step's weights).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int? WeightsStep => this is { Unfinished: false, Convergence: { Options.KeepBest: true, Curve.Count: > 0 } c } ? c.BestStep : null;

    /// <summary>JSON text of the state.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    // The moving averages are NaN before the first step.
    private static readonly JsonSerializerOptions Json = new(ModelConfig.Json)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Parses the state saved in a model file (an empty text means a model saved outside training).</summary>
    public static TrainingState FromJson(string json, string origin)
    {
        if (string.IsNullOrWhiteSpace(json)) return Start;
        try { return JsonSerializer.Deserialize<TrainingState>(json, Json) ?? Start; }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new LtcException($"{origin}: bad training state in the model file");
        }
    }
}

/// <summary>One progress report of a running training.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Steps">Steps in all.</param>
/// <param name="Rate">Moving average of the rate (per rate unit).</param>
/// <param name="Distortion">Moving average of the distortion.</param>
/// <param name="Loss">Moving average of the loss R + λ·D.</param>
/// <param name="StepsPerSecond">Recent speed (the last report: the mean speed of this run's steps).</param>
/// <param name="IsLast">True for the one report sent when training stops (finished, converged or cancelled).</param>
/// <param name="Interrupted">On the last report: training stopped because it was cancelled.</param>
public sealed record TrainingProgress(int Step, int Steps, double Rate, double Distortion, double Loss, double StepsPerSecond, bool IsLast = false,
    bool Interrupted = false)
{
    /// <summary>Estimated time to the end.</summary>
    public TimeSpan Eta => !IsLast && StepsPerSecond > 0 ? TimeSpan.FromSeconds((Steps - Step) / StepsPerSecond) : TimeSpan.Zero;
}

/// <summary>
/// Trains a <see cref="CompressionModel"/> on R + λ·D with Adam. Every random draw of step t (data, cell samples,
/// dither, NTC noise) comes from a seed derived from (seed, t), so a run resumed from a checkpoint continues exactly
/// as an uninterrupted one.
/// </summary>
public sealed class Trainer
{
    private readonly CompressionModel _model;
    private readonly VectorSource _source;
    private readonly Adam _optimizer;
    private readonly Adam? _auxOptimizer;
    private readonly Parameter[] _mainParameters;
    // The weights and buffers (Block-LTC's running mean) of the best held-out check so far (ConvergenceOptions.KeepBest),
    // in state_dict order.
    private float[][]? _best;

    /// <summary>Prepares training of <paramref name="model"/> on <paramref name="source"/>.</summary>
    public Trainer(CompressionModel model, VectorSource source)
    {
        ModelSources.CheckDimension(source, model.Config);
        TorchSetup.EnsureConfigured();
        _model = model;
        _source = source;
        var named = model.named_parameters().ToArray();
        _mainParameters = named.Where(p => !p.name.EndsWith("_quantiles", StringComparison.Ordinal)).Select(p => p.parameter).ToArray();
        var aux = named.Where(p => p.name.EndsWith("_quantiles", StringComparison.Ordinal)).Select(p => p.parameter).ToArray();
        _optimizer = optim.Adam(_mainParameters, model.Config.Lr);
        if (aux.Length > 0) _auxOptimizer = optim.Adam(aux, 1e-3);
    }

    /// <summary>
    /// Runs from <paramref name="state"/> to the configured number of steps (or to step <paramref name="stopAt"/> if
    /// that comes first), reporting to <paramref name="progress"/> and calling <paramref name="checkpoint"/> every
    /// <paramref name="checkpointEvery"/> steps (0: never) and at the end.
    /// </summary>
    /// <remarks>With <see cref="TrainingState.Convergence"/> set in <paramref name="state"/> (see
    /// <see cref="ConvergenceOptions"/>), the held-out loss is checked as it says, the learning rate follows its decays
    /// instead of the profile's schedule, and the run stops once converged. With <see cref="ConvergenceOptions.KeepBest"/>,
    /// a run that is over (converged or at its last step) ends with the weights of its best check; an interrupted run
    /// keeps them in its checkpoint's optimizer state (<see cref="OptimizerState"/>), so it resumes exactly.</remarks>
    public TrainingState Run(TrainingState state, IProgress<TrainingProgress>? progress = null,
        Action<TrainingState, byte[]>? checkpoint = null, int checkpointEvery = 0, CancellationToken cancel = default, int? stopAt = null)
    {
        var monitor = state.Convergence is { } cs ? new ConvergenceMonitor(cs, _source, _model.Config) : null;
        if (monitor?.State.Converged == true) return state;
        var cfg = _model.Config;
        int steps = cfg.Steps, batch = cfg.Batch, d = cfg.Dim;
        int last = Math.Min(steps, stopAt ?? steps);
        var lattice = _model.Quantizer?.Lattice;
        var sampling = cfg.Mc;
        var buffer = new double[batch * d];
        var xf = new float[batch * d];
        double emaLoss = state.Loss, emaRate = state.Rate, emaDist = state.Distortion;
        double seconds = state.Seconds;
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        int reportedStep = state.Step;
        double spr = cfg.ScalarsPerSample;
        _model.train();
        int step = state.Step;
        for (; step < last && !cancel.IsCancellationRequested; step++)
        {
            using var scope = NewDisposeScope();
            double lr = SetLearningRate(step, steps, monitor);
            int stepSeed = ModelRandomness.Seed(RandomStream.TrainingStep, cfg.Seed, step);
            manual_seed(stepSeed);
            _source.Draw(buffer, SourceSplit.Train, new Random(stepSeed));
            for (int i = 0; i < buffer.Length; i++) xf[i] = (float)buffer[i];
            var x = tensor(xf, batch, d);
            Tensor? cells = lattice is null ? null : ModelRandomness.CellSamples(RandomStream.TrainingCells, lattice, cfg.McSamples, sampling, cfg.Seed, step);
            Tensor? dither = cfg.Proxy == QuantizationProxy.Dither && lattice is not null ? ModelRandomness.Dither(RandomStream.TrainingDither, lattice, batch, cfg.Seed, step) : null;
            Tensor? noise = lattice is null || cfg.DensitySamples == 0 ? null
                : ModelRandomness.DensityNoise(RandomStream.TrainingDensity, cfg.DensitySamples, lattice.Dimension, cfg.Seed, step);
            var r = _model.Forward(x, train: true, cells, dither, noise);
            var rate = r.BitsPerVector.mean() / spr;
            var dist = _model.Distortion(x, r.Reconstruction).mean();
            var loss = rate + cfg.Lambda * dist;
            _optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(_mainParameters, 100.0);
            _optimizer.step();
            if (_auxOptimizer is not null)
            {
                _auxOptimizer.zero_grad();
                _model.AuxLoss().backward();
                _auxOptimizer.step();
            }
            double l = loss.item<float>(), rv = rate.item<float>(), dv = dist.item<float>();
            if (!double.IsFinite(l)) throw new LtcException($"training diverged at step {step + 1} (loss {l}); try a smaller --lr");
            const double a = 0.02;
            emaLoss = double.IsNaN(emaLoss) ? l : (1 - a) * emaLoss + a * l;
            emaRate = double.IsNaN(emaRate) ? rv : (1 - a) * emaRate + a * rv;
            emaDist = double.IsNaN(emaDist) ? dv : (1 - a) * emaDist + a * dv;
            var now = clock.Elapsed;
            if (progress is not null && (now - lastReport).TotalSeconds >= 0.25)
            {
                double sps = (step + 1 - reportedStep) / Math.Max(1e-9, (now - lastReport).TotalSeconds);
                progress.Report(new TrainingProgress(step + 1, steps, emaRate, emaDist, emaLoss, sps));
                lastReport = now;
                reportedStep = step + 1;
            }
            bool stop = false;
            if (monitor is not null && (step + 1) % monitor.Options.CheckEvery == 0)
            {
                stop = monitor.Check(_model, step + 1, seconds + clock.Elapsed.TotalSeconds, emaLoss, lr);
                if (monitor.Options.KeepBest && monitor.State.BestStep == step + 1) _best = Snapshot();
            }
            if (checkpoint is not null && checkpointEvery > 0 && (step + 1) % checkpointEvery == 0 && step + 1 < steps && !stop)
                checkpoint(state with { Step = step + 1, Seconds = seconds + clock.Elapsed.TotalSeconds, Loss = emaLoss, Rate = emaRate, Distortion = emaDist, Unfinished = true, Convergence = monitor?.State }, OptimizerState());
            if (stop) { step++; break; }
        }
        bool over = monitor?.State.Converged == true || step >= steps;
        if (over && _best is not null && monitor?.Options.KeepBest == true)
        {
            // Early stopping: the run ends with its best check's weights (the moving averages stay the last steps').
            if (monitor!.State.BestStep != step) Restore(_best);
            _best = null;
        }
        // Saved as unfinished: the run's owner (TrainingRun) marks it finished once the coding tables are fitted.
        var final = state with { Step = step, Seconds = seconds + clock.Elapsed.TotalSeconds, Loss = emaLoss, Rate = emaRate, Distortion = emaDist, Unfinished = true, Convergence = monitor?.State };
        double meanSpeed = (step - state.Step) / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
        progress?.Report(new TrainingProgress(step, steps, emaRate, emaDist, emaLoss, meanSpeed, IsLast: true, Interrupted: cancel.IsCancellationRequested));
        checkpoint?.Invoke(final, OptimizerState());
        return final;
    }

    /// <summary>The optimizer's moments, saved in checkpoints so a resumed run continues exactly.</summary>
    public byte[] OptimizerState()
    {
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            _optimizer.save_state_dict(w);
            w.Write(_auxOptimizer is not null);
            _auxOptimizer?.save_state_dict(w);
            // Best weights of a run still under way (KeepBest); files without this tail read as none.
            w.Write(_best is not null);
            if (_best is not null)
            {
                w.Write(_best.Length);
                foreach (var values in _best)
                {
                    w.Write(values.Length);
                    w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
                }
            }
        }
        return ms.ToArray();
    }

    // Every tensor of the model's state: the parameters and the buffers training updates.
    private Tensor[] State() => _model.state_dict().Values.ToArray();

    private float[][] Snapshot()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return State().Select(t => t.detach().cpu().contiguous().data<float>().ToArray()).ToArray();
    }

    private void Restore(float[][] weights)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var state = State();
        for (int i = 0; i < state.Length; i++) state[i].copy_(tensor(weights[i], state[i].shape));
    }

    /// <summary>Restores what <see cref="OptimizerState"/> saved.</summary>
    public void LoadOptimizerState(byte[] bytes, string origin)
    {
        if (bytes.Length == 0) return;
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes));
            _optimizer.load_state_dict(r);
            bool hasAux = r.ReadBoolean();
            if (hasAux && _auxOptimizer is not null) _auxOptimizer.load_state_dict(r);
            _best = null;
            if (r.BaseStream.Position < r.BaseStream.Length && r.ReadBoolean())
            {
                var state = State();
                int count = r.ReadInt32();
                if (count != state.Length) throw new InvalidDataException($"{count} best-weight tensors for {state.Length} in the model");
                var best = new float[count][];
                for (int i = 0; i < count; i++)
                {
                    int length = r.ReadInt32();
                    if (length != state[i].numel()) throw new InvalidDataException($"best weights {i} have {length} values, the model's tensor {state[i].numel()}");
                    best[i] = new float[length];
                    r.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(best[i].AsSpan()));
                }
                _best = best;
            }
        }
        catch (Exception e) when (e is not (OutOfMemoryException or StackOverflowException or AccessViolationException or OperationCanceledException))
        {
            // TorchSharp reports a damaged stream with InvalidDataException, EndOfStreamException, ArgumentException or
            // an exception from libtorch; whatever it is, the block is unusable.
            throw new LtcException($"{origin}: the optimizer state block of the model file is damaged or does not match the model " +
                $"({e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}); train without --resume to start over");
        }
    }

    private double SetLearningRate(int step, int steps, ConvergenceMonitor? monitor)
    {
        var cfg = _model.Config;
        // A run trained until converged decays at its plateaus; a fixed budget over its last fifth (not the paper's).
        double lr = monitor is not null ? cfg.Lr * monitor.State.LearningRateFactor
            : TrainingProfile.DecaysLearningRate(cfg.Profile) && step >= steps - steps / 5 ? cfg.Lr * 0.1 : cfg.Lr;
        foreach (var g in _optimizer.ParamGroups) g.LearningRate = lr;
        return lr;
    }

    internal static Tensor ToTensor(double[] values, long rows, long cols)
    {
        var f = new float[values.Length];
        for (int i = 0; i < f.Length; i++) f[i] = (float)values[i];
        return tensor(f, rows, cols);
    }
}
