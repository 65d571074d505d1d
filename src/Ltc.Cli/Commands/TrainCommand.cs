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
            "(eval and compress warn when given one); a device or FIFO (e.g. /dev/stdout) gets only the finished model.", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run saved in --out (same configuration) instead of starting over." };
        var every = new Option<int?>("--checkpoint-every") { Description = "Steps between checkpoints (default: a tenth of the run; 0: only at the end)." }.Range(0, ModelConfig.MaxSteps);
        var cmd = new Command("train", "Train one NTC, LTC, ECLQ or Block-LTC model, save it, and evaluate it on held-out data. " +
            "Ctrl-C (SIGINT) or SIGTERM stops at the next step and leaves a checkpoint in --out, marked unfinished, to continue with --resume. " +
            "If training fails, --out is left as it was.");
        o.AddTo(cmd);
        cmd.Options.Add(lambda);
        cmd.Options.Add(output);
        cmd.Options.Add(resume);
        cmd.Options.Add(every);
        cmd.SetAction(pr =>
        {
            string path = pr.GetValue(output)!;
            AtomicFile.CheckOutput(path, o.InputFiles(pr));
            TorchSetup.Configure(pr.GetValue(o.Device)!, pr.GetValue(o.Threads));
            var (cfg, source, eval) = o.Spec(pr).Build(pr.GetValue(lambda));
            bool json = pr.GetValue(o.Json);
            var err = pr.InvocationConfiguration.Error;
            // A model written to standard output leaves it to the model: the report goes to stderr.
            var report = AtomicFile.IsStandardOutput(path) ? err : pr.InvocationConfiguration.Output;
            using var interruption = LtcApp.Interruption.Begin();
            string text = "";
            try
            {
                using var view = json ? null : TrainingView.For(err, cfg);
                // Rendered before the model is kept: a report that cannot be printed (NaN in JSON) fails the command whole.
                TrainingRun.TrainToFile(cfg, source, eval, path, pr.GetValue(resume), pr.GetValue(every), view, run => text = Render(json,
                    EvaluationReport.Of(cfg, cfg.Source, run.Evaluation, run.TrainSeconds, path, Convert.ToHexStringLower(ModelFile.Fingerprint(run.Model)))),
                    interruption.Token);
            }
            catch (TrainingInterruptedException e) when (interruption.Fired)
            {
                err.WriteLine(InterruptedMessage(interruption, e));
                return interruption.ExitCode;
            }
            CliOptions.WarnDeprecated(pr);
            report.Write(text);
            return 0;
        });
        return cmd;
    }
}
