using System.Globalization;
using Ltc.Cli.Progress;
using Ltc.Sources;
using Ltc.IO;
using Ltc.Torch;

namespace Ltc.Cli.Commands;

/// <summary>
/// <c>ltc train</c> (TrainCommand.cs), <c>ltc sweep</c> (SweepCommand.cs) and <c>ltc eval</c> (EvalCommand.cs):
/// learned compressors (NTC, LTC, ECLQ); here, how their reports and progress are printed.
/// </summary>
/// <remarks>
/// Option names have one meaning across commands: <c>--model</c> is always a model file (the kind of model to train
/// is <c>--kind</c>), <c>--cell-samples</c> and <c>--cell-sampling</c> are the cell samples of a rate estimate at
/// evaluation (<c>--train-cell-samples</c>, <c>--train-cell-sampling</c> in training; <c>--eval-cell-samples</c> for
/// the evaluation after training), <c>--samples</c> is a count of test vectors. The old spellings <c>--model</c>
/// (train, sweep), <c>--mc-samples</c>, <c>--eval-mc-samples</c> and <c>--mc</c> (eval) still work, with a warning.
/// </remarks>
internal static partial class ModelCommands
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The source a model is evaluated on (<see cref="ModelSources.For"/>).</summary>
    internal static VectorSource SourceFor(string name, ModelConfig cfg) => ModelSources.For(name, cfg);

    /// <summary>The one line printed when a training is interrupted: what the model file of the current run holds now.</summary>
    /// <param name="startedFrom">The model file the interrupted λ of a sweep started from (--init-from, or with
    /// --warm-start the λ before it); its continuation must name it.</param>
    private static string InterruptedMessage(LtcApp.Interruption interruption, TrainingInterruptedException e, bool sweep = false, string? startedFrom = null)
    {
        string head = $"ltc: interrupted by {interruption.SignalName}";
        int finished = e.FinishedModels;
        string done = finished > 0 ? $"; {finished} finished model{(finished == 1 ? "" : "s")} and results.csv kept" : "";
        if (e.ModelPath is not string current) return head + done;
        if (e.Saved is not TrainingState state) return $"{head} before the first checkpoint of {CliOutput.Escape(current)}; nothing written to it{done}";
        if (!state.Unfinished) return $"{head} during the evaluation; the finished model is saved in {CliOutput.Escape(current)}{done}";
        return $"{head}: {CliOutput.Escape(current)} holds the checkpoint of step {state.Step}, marked unfinished; " +
            (sweep ? "run the sweep again for the λ values not finished into the same --out-dir (results.csv keeps the finished ones; that λ starts over" +
                     (startedFrom is null ? "" : $"; --init-from {CliOutput.Escape(startedFrom)} keeps the warm start") +
                     $"), or finish that λ alone with ltc train --resume --out {CliOutput.Escape(current)}, the sweep's options and its --lambda" +
                     (startedFrom is null ? "" : $" and --init-from {CliOutput.Escape(startedFrom)}") + " (its point then comes from ltc eval, not results.csv)"
                   : "continue it with ltc train --resume and the same options") + done;
    }

    /// <summary>The report of one evaluation as text or JSON (a NaN or infinity in JSON is a one-line error).</summary>
    private static string Render(bool json, EvaluationReport r)
    {
        if (json) return CliOutput.ToJson(r) + Environment.NewLine;
        var output = new StringWriter();
        output.WriteLine($"model        {CliOutput.Escape(r.Model)} ({r.Kind}, {CliOutput.Escape(r.Lattice)}, {r.Entropy}, {r.Proxy}, λ = {r.Lambda.ToString("R", Inv)}, fingerprint {r.Fingerprint?[..16]})");
        output.WriteLine($"source       {CliOutput.Escape(r.Source)} (d = {r.Dimension}), {r.TestSet}" +
            (r.Source == r.TrainingSource ? "" : $"; trained on {CliOutput.Escape(r.TrainingSource)}"));
        output.WriteLine($"rate         {r.RateBitsPerSample:F4} {r.RateUnit} ± {r.RateStderr:F4} (Monte Carlo) ± {r.RateSamplingStderr:F4} (test sample)");
        if (r.PayloadRate is double p)
            output.WriteLine($"payload      {p:F4} {r.RateUnit} (the entropy-coded bits of a .ltc file of these vectors, without its header; {p - r.RateBitsPerSample:+0.0000;-0.0000}" +
                (r.RateBitsPerSample >= Ltc.Metrics.Bjontegaard.NearZeroRate ? $", {100 * (p - r.RateBitsPerSample) / r.RateBitsPerSample:+0.00;-0.00} %" : "") + " against the estimate)");
        output.WriteLine($"distortion   MSE {r.DistortionMse:G6}, MAE {r.DistortionMae:G6} per coordinate");
        output.WriteLine($"SNR          {r.SnrDb:F3} dB (σ² = {r.Variance:G4})");
        if (r.GapToRdDb is double g) output.WriteLine($"gap to R(D)  {g:F3} dB");
        output.WriteLine($"time         training {r.TrainSeconds:F1} s, evaluation {r.EvalSeconds:F1} s");
        return output.ToString();
    }

    /// <summary>
    /// The warning for a model written under the name of another kind of file (<c>--out t.npy</c>), which a later command
    /// would take for data, a plot or a compressed file; null for other names, devices and standard output.
    /// </summary>
    internal static string? ModelNameWarning(string path)
    {
        if (!AtomicFile.IsReplaceable(path)) return null;
        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext is ".npy" or ".ltc" or ".csv" or ".png" or ".svg" or ".json" or ".safetensors" or ".wav"
            ? $"{path}: a model file is written under a {ext} name (models are .ltcm files)" : null;
    }

    /// <summary>
    /// Warns when files of the evaluated model cost well above its estimated rate (<see cref="EvaluationReport.PayloadAboveEstimate"/>):
    /// a user comparing curves would otherwise take the estimate for what the model's files cost.
    /// </summary>
    internal static void WarnPayload(EvaluationReport r)
    {
        if (!r.PayloadAboveEstimate) return;
        double p = r.PayloadRate!.Value;
        // A joint prior counts a dependence between latent coordinates that per-coordinate tables cannot (measured:
        // docs/results/codec.md); a factorized prior counts none, and there only the fact is stated: the tables, fitted
        // to the training rows' latents, code these worse than the prior's cell integrals.
        string why = r.Entropy == EntropyModelKind.Flow.Name()
            ? $"its latent coordinates are dependent, which its {r.Entropy} prior counts but the coding tables (one per coordinate) do not; " +
              "with --entropy factorized the estimate counts no dependence the tables miss"
            : "its coding tables (one per latent coordinate, fitted to the training rows' latents) code these vectors' latents worse " +
              "than its prior's cell integrals do";
        LtcApp.Warn($"{CliOutput.Escape(r.Model)}: files cost {p:F3} {r.RateUnit}, {100 * (p - r.RateBitsPerSample) / r.RateBitsPerSample:F0} % above the estimated " +
            $"{r.RateBitsPerSample:F3}: {why} (docs/results/codec.md)");
    }

    /// <summary>The report of a coded evaluation as text or JSON.</summary>
    private static string RenderCoded(bool json, CodedEvaluationReport c)
    {
        if (json) return CliOutput.ToJson(c) + Environment.NewLine;
        var r = c.Estimate;
        return Render(false, r) +
            $"file         {c.FileBytes} bytes for {r.TestSet}: {c.FileRate:F4} {r.RateUnit} " +
            $"({c.DifferenceBits:+0.0000;-0.0000}{Percent(c)} against the estimate; payload alone {c.PayloadRate:F4})" + Environment.NewLine +
            $"decoded      SNR {c.DecodedSnrDb:F3} dB" + (c.DecodedGapToRdDb is double g ? $", gap to R(D) with file bits {g:F3} dB" : "") +
            $", {(c.Exact ? "bit-exact" : "NOT equal")} to the model's reconstruction; compress {c.CompressSeconds:F2} s, decompress {c.DecompressSeconds:F2} s" +
            Environment.NewLine;
    }

    // A percentage of an estimate near zero rate is noise (a file's fixed header over a few bits): there only the
    // difference in bits is shown.
    private static string Percent(CodedEvaluationReport c) =>
        c.EstimatedRate >= Ltc.Metrics.Bjontegaard.NearZeroRate ? $", {c.DifferencePercent:+0.00;-0.00} %" : "";

    /// <summary>
    /// Shows the progress of one training run: the view opens with the first report (so input rejected before training
    /// prints nothing but the error) and closes with the last, before the tables are fitted and the model evaluated.
    /// </summary>
    internal sealed class TrainingView(TextWriter writer, string title) : IProgress<TrainingProgress>, IDisposable
    {
        private ProgressView<TrainingProgress>? _view;
        private bool _ended;

        /// <summary>The view of a run of <paramref name="cfg"/>, titled by its kind, lattice and λ.</summary>
        public static TrainingView For(TextWriter writer, ModelConfig cfg, string titleSuffix = "") =>
            new(writer, CliOutput.Escape($"{cfg.Model.Name()} {cfg.Lattice.Name} λ={cfg.Lambda.ToString("R", Inv)}{titleSuffix}"));

        public void Report(TrainingProgress value)
        {
            if (_ended) return;
            _view ??= ProgressViews.Training(writer, title);
            _view.Report(value);
            if (value.IsLast)
            {
                // A converged run stops short of its steps and is done; an interrupted one ends without claiming so.
                if (value.Interrupted) _view.Dispose();
                else _view.Complete();
                _ended = true;
            }
        }

        public void Dispose() => _view?.Complete();
    }
}
