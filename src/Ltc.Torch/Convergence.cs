using Ltc.Lattices;
using Ltc.Sources;

namespace Ltc.Torch;

/// <summary>
/// When a training run counts as converged: every <see cref="CheckEvery"/> steps the held-out loss R + λ·D of the
/// model, quantized for real, is measured on <see cref="Vectors"/> fixed test vectors with <see cref="CellSamples"/>
/// fixed cell samples (so two checks differ only by the weights). A plateau is <see cref="Patience"/> checks in a row
/// without a new best lower than the previous best by more than <see cref="Tolerance"/> (relative). At a plateau the
/// learning rate is multiplied by 0.1, up to <see cref="Decays"/> times; the next plateau ends the run. The run also
/// ends at its step budget (<see cref="ModelConfig.Steps"/>), unconverged.
/// </summary>
/// <remarks>
/// Where the held-out vectors come from: synthetic sources draw them fresh with a seed of their own (never the final
/// evaluation's vectors). Data sets use evenly spaced rows of the test split by default, so the stopping rule picks
/// one number, the step, from data the reported figures are also measured on; with <see cref="Validation"/> they come
/// instead from a share of the training rows held out of training (<see cref="ValidationSplitSource"/>), and the test
/// split is left to the final evaluation alone. <see cref="KeepBest"/> ends the run with the weights of its best
/// check rather than its last step (early stopping); with test rows as held-out data that would choose the weights on
/// the test split, so pair it with <see cref="Validation"/> for data sets.
/// </remarks>
/// <param name="CheckEvery">Steps between checks (1..10^8).</param>
/// <param name="Patience">Checks without improvement that make a plateau (1..1000).</param>
/// <param name="Tolerance">Relative improvement of the best held-out loss that counts (0..1).</param>
/// <param name="Vectors">Held-out vectors per check (1..2^20).</param>
/// <param name="CellSamples">Cell samples per rate estimate of a check (lattice models; 1..2^20).</param>
/// <param name="Decays">Learning-rate decays ×0.1 before the run stops (0..10).</param>
/// <param name="Validation">Share of a data set's training rows held out for the checks and not trained on
/// (0: none, the checks use test rows; at most <see cref="ValidationSplitSource.MaxFraction"/>). No effect on synthetic
/// sources.</param>
/// <param name="KeepBest">End with the weights of the check with the lowest held-out loss instead of the last step's.</param>
public sealed record ConvergenceOptions(int CheckEvery = 250, int Patience = 6, double Tolerance = 0.002, int Vectors = 4096,
    int CellSamples = 256, int Decays = 1, double Validation = 0, bool KeepBest = false)
{
    /// <summary>Throws a one-line error for a setting out of range.</summary>
    /// <exception cref="LtcException">A setting out of range.</exception>
    public ConvergenceOptions Validated()
    {
        if (CheckEvery < 1 || CheckEvery > ModelConfig.MaxSteps) throw new LtcException($"convergence checks need 1..{ModelConfig.MaxSteps} steps between them, got {CheckEvery}");
        if (Patience < 1 || Patience > 1000) throw new LtcException($"convergence patience must be 1..1000 checks, got {Patience}");
        if (!(Tolerance >= 0 && Tolerance < 1)) throw new LtcException($"convergence tolerance must be in [0, 1), got {Tolerance}");
        if (Vectors < 1 || Vectors > 1 << 20) throw new LtcException($"convergence checks need 1..{1 << 20} held-out vectors, got {Vectors}");
        if (CellSamples < 1 || CellSamples > 1 << 20) throw new LtcException($"convergence checks need 1..{1 << 20} cell samples, got {CellSamples}");
        if (Decays < 0 || Decays > 10) throw new LtcException($"convergence allows 0..10 learning-rate decays, got {Decays}");
        if (!(Validation == 0 || Validation > 0 && Validation <= ValidationSplitSource.MaxFraction))
            throw new LtcException($"the validation fraction must be 0 (none) or in (0, {ValidationSplitSource.MaxFraction}], got {Validation}");
        return this;
    }
}

/// <summary>One check of the held-out loss.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Seconds">Training wall time so far.</param>
/// <param name="TrainLoss">Moving average of the training loss.</param>
/// <param name="Loss">Held-out R + λ·D.</param>
/// <param name="Rate">Held-out rate (per rate unit).</param>
/// <param name="Distortion">Held-out distortion (the configured measure, per coordinate).</param>
/// <param name="LearningRate">The learning rate in effect.</param>
public sealed record ConvergencePoint(int Step, double Seconds, double TrainLoss, double Loss, double Rate, double Distortion, double LearningRate);

/// <summary>Where the convergence monitor of a run stands; saved with every checkpoint so a run resumes exactly.</summary>
/// <param name="Options">The criterion.</param>
/// <param name="Best">Lowest held-out loss so far (NaN before the first check).</param>
/// <param name="BestStep">Step of <see cref="Best"/>.</param>
/// <param name="SinceBest">Checks since the last improvement by more than the tolerance.</param>
/// <param name="DecaysDone">Learning-rate decays made.</param>
/// <param name="Converged">True once the final plateau is reached.</param>
/// <param name="Curve">Every check so far, in order.</param>
public sealed record ConvergenceState(ConvergenceOptions Options, double Best, int BestStep, int SinceBest, int DecaysDone, bool Converged,
    IReadOnlyList<ConvergencePoint> Curve)
{
    /// <summary>A monitor before its first check.</summary>
    public static ConvergenceState Start(ConvergenceOptions options) => new(options, double.NaN, 0, 0, 0, false, []);

    /// <summary>The learning-rate factor in effect (0.1 per decay).</summary>
    public double LearningRateFactor => Math.Pow(0.1, DecaysDone);

    /// <summary>The header line of <see cref="ToCsv"/>.</summary>
    public const string CsvHeader = "step,seconds,train_loss,heldout_loss,heldout_rate,heldout_distortion,lr";

    /// <summary>The curve as CSV (<see cref="CsvHeader"/>, then one line per check).</summary>
    public string ToCsv()
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder(CsvHeader + "\n");
        foreach (var p in Curve)
            sb.Append(string.Create(inv, $"{p.Step},{p.Seconds:F2},{p.TrainLoss:R},{p.Loss:R},{p.Rate:R},{p.Distortion:R},{p.LearningRate:R}\n"));
        return sb.ToString();
    }
}

/// <summary>Reads the curves <see cref="ConvergenceState.ToCsv"/> writes.</summary>
public static class ConvergenceCurve
{
    /// <summary>The points of a curve file, in file order.</summary>
    /// <exception cref="LtcException">The file is missing or a directory, has another header, or a row that is not 7 finite numbers.</exception>
    public static ConvergencePoint[] Read(string path)
    {
        string[] lines;
        Ltc.IO.AtomicFile.CheckInput(path);
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new LtcException($"{path}: cannot read ({e.Message})"); }
        const string header = ConvergenceState.CsvHeader;
        if (lines.Length == 0 || lines[0].Trim() != header) throw new LtcException($"{path}: not a loss curve (expected the header '{header}')");
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var points = new List<ConvergencePoint>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            var f = lines[i].Split(',');
            var v = new double[f.Length];
            bool ok = f.Length == 7;
            for (int k = 0; ok && k < 7; k++) ok = double.TryParse(f[k], System.Globalization.NumberStyles.Float, inv, out v[k]) && double.IsFinite(v[k]);
            if (!ok || v[0] != Math.Floor(v[0]) || v[0] < 0 || v[0] > int.MaxValue) throw new LtcException($"{path}: line {i + 1} is not a curve point (7 finite numbers, the first a step)");
            points.Add(new ConvergencePoint((int)v[0], v[1], v[2], v[3], v[4], v[5], v[6]));
        }
        return [.. points];
    }
}

/// <summary>Measures the held-out loss of a training model and applies <see cref="ConvergenceOptions"/>.</summary>
internal sealed class ConvergenceMonitor
{
    private readonly VectorSource _heldOut;
    private readonly EvalOptions _eval;

    public ConvergenceMonitor(ConvergenceState state, VectorSource source, ModelConfig config)
    {
        State = state;
        var o = state.Options.Validated();
        // Data sets: evenly spaced test rows; synthetic sources: their own test draws (seed below).
        _heldOut = source.IsSynthetic || source.Rows(SourceSplit.Test) is null ? source : new TestSubsetSource(source, o.Vectors);
        _eval = new EvalOptions(o.Vectors, o.CellSamples, 1, CellSampling.ScrambledSobol, ModelRandomness.Seed(RandomStream.ConvergenceCheck, config.Seed, 0))
            .Validated(_heldOut, config.LatentSize);
    }

    public ConvergenceState State { get; private set; }

    public ConvergenceOptions Options => State.Options;

    /// <summary>
    /// Checks the model after <paramref name="step"/> steps; returns true when the run should stop. The model is left
    /// in training mode.
    /// </summary>
    public bool Check(CompressionModel model, int step, double seconds, double trainLoss, double learningRate)
    {
        var r = Evaluator.Evaluate(model, _heldOut, _eval);
        model.train();
        double distortion = model.Config.Distortion == DistortionMeasure.L1 ? r.DistortionMae : r.DistortionMse;
        double loss = r.Rate + model.Config.Lambda * distortion;
        var s = State;
        var curve = s.Curve.Append(new ConvergencePoint(step, seconds, trainLoss, loss, r.Rate, distortion, learningRate)).ToArray();
        bool improved = double.IsNaN(s.Best) || loss < s.Best - Options.Tolerance * Math.Abs(s.Best);
        s = improved
            ? s with { Best = loss, BestStep = step, SinceBest = 0, Curve = curve }
            : s with { Best = Math.Min(s.Best, loss), BestStep = loss < s.Best ? step : s.BestStep, SinceBest = s.SinceBest + 1, Curve = curve };
        if (s.SinceBest >= Options.Patience)
            s = s.DecaysDone < Options.Decays ? s with { DecaysDone = s.DecaysDone + 1, SinceBest = 0 } : s with { Converged = true };
        State = s;
        return s.Converged;
    }
}
