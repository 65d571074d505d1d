using System.CommandLine;
using Ltc.IO;
using Ltc.Torch;

namespace Ltc.Cli.Commands;

internal static partial class ModelCommands
{
    /// <summary><c>ltc train</c>: one model, <see cref="TrainingRun.TrainToFile"/>.</summary>
    public static Command CreateTrain()
    {
        var o = new ModelOptions();
        var lambda = ModelOptions.Lambda();
        var output = new Option<string>("--out", "-o") { Description = "Model file to write (.ltcm). Checkpoints go to the same file, marked unfinished until the run completes " +
            "(eval and compress warn when given one); - (standard output), a device or a FIFO gets only the finished model.", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run saved in --out (same configuration) instead of starting over." };
        var curve = new Option<string?>("--loss-curve") { Description = "With --until-converged: write the held-out loss curve as CSV (step, seconds, train_loss, heldout_loss, heldout_rate, heldout_distortion, lr)." }.FileOnly();
        var every = new Option<int?>("--checkpoint-every") { Description = "Steps between checkpoints (default: a tenth of the run; 0: only at the end)." }.Range(0, ModelConfig.MaxSteps);
        var cmd = new Command("train", "Train one NTC, LTC, ECLQ or Block-LTC model, save it, and evaluate it on held-out data. " +
            "Ctrl-C (SIGINT) or SIGTERM stops at the next step and leaves a checkpoint in --out, marked unfinished, to continue with --resume. " +
            "If training fails, --out is left as it was.");
        o.AddTo(cmd);
        cmd.Options.Add(lambda);
        cmd.Options.Add(output);
        cmd.Options.Add(resume);
        cmd.Options.Add(every);
        cmd.Options.Add(curve);
        cmd.SetAction(pr =>
        {
            string path = CliOptions.StandardStream(pr.GetValue(output)!, write: true);
            AtomicFile.CheckOutput(path, o.InputFiles(pr));
            TorchSetup.Configure(pr.GetValue(o.Device)!, pr.GetValue(o.Threads));
            var setup = o.Spec(pr).Build(pr.GetValue(lambda));
            var (cfg, source, eval) = setup;
            var init = o.InitialModel(pr);
            bool json = pr.GetValue(o.Json);
            string? curvePath = pr.GetValue(curve);
            if (curvePath is not null && setup.Convergence is null) throw new LtcException("--loss-curve needs --until-converged");
            if (curvePath is not null)
            {
                if (Path.GetFullPath(curvePath) == Path.GetFullPath(path)) throw new LtcException($"--loss-curve and --out are the same file ({curvePath})");
                if (json && AtomicFile.IsStandardOutput(curvePath)) throw new LtcException("--loss-curve to standard output would mix CSV into --json's one JSON object");
                AtomicFile.CheckOutput(curvePath, [.. o.InputFiles(pr), path]);
            }
            var err = pr.InvocationConfiguration.Error;
            // Before the training, which may be long: at its end the warning would come too late.
            if (ModelNameWarning(path) is string misnamed) LtcApp.WarnNow(err, misnamed);
            // A model written to standard output leaves it to the model: the report goes to stderr.
            var report = CliOptions.ReportWriter(pr, path);
            using var interruption = LtcApp.Interruption.Begin();
            // Progress goes to stderr with --json too (stdout holds the JSON alone): a long run is never silent. Not
            // when the model itself is on stdout: then the JSON is on stderr and must stay alone there.
            bool quiet = json && report == err;
            string text = "";
            ConvergenceState? convergence = null;
            try
            {
                using var view = quiet ? null : TrainingView.For(err, cfg);
                // Rendered before the model is kept: a report that cannot be printed (NaN in JSON) fails the command whole.
                TrainingRun.TrainToFile(cfg, source, eval, path, pr.GetValue(resume), pr.GetValue(every), view, run =>
                {
                    var r = EvaluationReport.Of(cfg, cfg.Source, run.Evaluation, run.TrainSeconds, path, Convert.ToHexStringLower(ModelFile.Fingerprint(run.Model)))
                        .WithTraining(run.State);
                    text = Render(json, r);
                    WarnPayload(r);
                    convergence = run.State.Convergence;
                    if (curvePath is not null && convergence is not null) AtomicFile.WriteAllText(curvePath, convergence.ToCsv());
                }, interruption.Token, setup.Convergence, init);
            }
            catch (TrainingInterruptedException e) when (interruption.Fired)
            {
                err.WriteLine(InterruptedMessage(interruption, e));
                return interruption.ExitCode;
            }
            CliOptions.WarnDeprecated(pr);
            if (convergence is { } c && !quiet) err.WriteLine(ConvergenceLine(c, cfg.Steps));
            report.Write(text);
            return 0;
        });
        return cmd;
    }

    /// <summary>One line on how a run trained until converged ended.</summary>
    internal static string ConvergenceLine(ConvergenceState c, int maxSteps)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        int last = c.Curve.Count > 0 ? c.Curve[^1].Step : 0;
        string kept = c.Options.KeepBest ? string.Format(inv, "; the weights of step {0} kept", c.BestStep) : "";
        string heldOut = c.Options.Validation > 0 ? "validation" : "held-out";
        return c.Converged
            ? string.Format(inv, "converged at step {0}: best {1} loss {2:F4} at step {3}, {4} learning-rate decay(s), {5} checks{6}", last, heldOut, c.Best, c.BestStep, c.DecaysDone, c.Curve.Count, kept)
            : string.Format(inv, "NOT converged within {0} steps: best {1} loss {2:F4} at step {3}, {4} learning-rate decay(s){5}; raise --steps", maxSteps, heldOut, c.Best, c.BestStep, c.DecaysDone, kept);
    }
}
