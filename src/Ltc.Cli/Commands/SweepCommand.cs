using System.CommandLine;
using System.Globalization;
using Ltc.Torch;

namespace Ltc.Cli.Commands;

internal static partial class ModelCommands
{
    /// <summary><c>ltc sweep</c>: one model per λ and results.csv, <see cref="ModelSweep.Run"/>.</summary>
    public static Command CreateSweep()
    {
        var o = new ModelOptions();
        var lambdas = new Option<string>("--lambdas") { Description = "Comma-separated λ values, e.g. 0.5,1,2,4,8 (positive, distinct).", Required = true };
        var outDir = new Option<string>("--out-dir", "-o") { Description = "Folder for one model per λ and results.csv (created if missing). " +
            "An earlier sweep's rows of other λ stay in results.csv while their models are there, finished and intact, with the same settings but λ " +
            "(every training option and the convergence criterion; not the warm start, not the evaluation options).", Required = true }.FileOnly();
        var warmStart = new Option<bool>("--warm-start") { Description = "Start each λ from the finished model of the λ before it (in the order of --lambdas, " +
            "e.g. 64,32,16,8 from high to low rate; the first from --init-from or a random initialization)." };
        var cmd = new Command("sweep", "Train one model per λ and write their evaluations to results.csv (columns rate_bits_per_sample, distortion_mse, ...). " +
            "All or none: if one model fails, the sweep leaves the folder as it was. Ctrl-C (SIGINT) or SIGTERM keeps the finished models, " +
            "results.csv and the current model's checkpoint (marked unfinished).");
        o.AddTo(cmd);
        cmd.Options.Add(lambdas);
        cmd.Options.Add(outDir);
        cmd.Options.Add(warmStart);
        cmd.SetAction(pr =>
        {
            var values = ModelSweep.ParseLambdas(pr.GetValue(lambdas)!);
            if (pr.GetValue(warmStart) && values.Length == 1) LtcApp.Warn("--warm-start with one λ changes nothing: it starts from --init-from or a random initialization");
            string dir = pr.GetValue(outDir)!;
            ModelSweep.CheckFolder(dir);
            var inputs = o.InputFiles(pr);
            TorchSetup.Configure(pr.GetValue(o.Device)!, pr.GetValue(o.Threads));
            // Every model is checked before anything is trained or written.
            var plan = ModelSweep.Plan(o.Spec(pr), values, dir, o.InitialModel(pr), pr.GetValue(warmStart));
            bool json = pr.GetValue(o.Json);
            var err = pr.InvocationConfiguration.Error;
            string results = CliOutput.Escape(plan.ResultsPath);
            if (plan.Kept.Count > 0)
                err.WriteLine($"{results} keeps the rows of an earlier sweep of these settings: λ = {string.Join(", ", plan.Kept.Select(k => k.Lambda.ToString("R", CultureInfo.InvariantCulture)))}");
            // At once: the rows go with the first model finished (or an interruption), long before the command ends.
            if (plan.Dropped.Count > 0)
                LtcApp.WarnNow(err, $"{plan.ResultsPath} will lose rows of an earlier sweep: {string.Join(", ", plan.Dropped)}");
            using var interruption = LtcApp.Interruption.Begin();
            string text = "";
            try
            {
                ModelSweep.Run(plan, inputs,
                    // Progress and the per-model lines go to stderr with --json too: a long run is never silent.
                    item => TrainingView.For(err, item.Config, $" → {Path.GetFileName(item.Path)}"),
                    entry =>
                    {
                        var r = entry.Result.Evaluation;
                        err.WriteLine($"  rate {r.Rate:F4} ± {r.RateStderr:F4} {r.RateUnit}, MSE {r.DistortionMse:G5}, SNR {r.SnrDb:F3} dB" +
                            (r.GapToRdDb is double g ? $", gap to R(D) {g:F3} dB" : "") + (r.PayloadRate is double p ? $", payload {p:F4} {r.RateUnit}" : "") +
                            $", {entry.Result.TrainSeconds:F0} s");
                        WarnPayload(EvaluationReport.Of(entry.Item.Config, entry.Item.Config.Source, r, entry.Result.TrainSeconds, entry.Item.Path, null));
                        if (entry.Result.State.Convergence is { } c) err.WriteLine("  " + ConvergenceLine(c, entry.Item.Config.Steps));
                    },
                    // Rendered before the files are kept: a report that cannot be printed undoes the sweep.
                    entries => text = json
                        ? CliOutput.ToJson(new
                        {
                            Results = entries.Select(e => EvaluationReport.Of(e.Item.Config, e.Item.Config.Source, e.Result.Evaluation, e.Result.TrainSeconds, e.Item.Path,
                                Convert.ToHexStringLower(ModelFile.Fingerprint(e.Result.Model))).WithTraining(e.Result.State)).ToList(),
                            Csv = plan.ResultsPath,
                        }) + Environment.NewLine
                        : $"wrote {entries.Count} model{(entries.Count == 1 ? "" : "s")} and {results}" +
                            (plan.Kept.Count > 0 ? $" (with {plan.Kept.Count} row{(plan.Kept.Count == 1 ? "" : "s")} of an earlier sweep)" : "") + Environment.NewLine,
                    interruption.Token);
            }
            catch (TrainingInterruptedException e) when (interruption.Fired)
            {
                int next = e.FinishedModels;
                string? startedFrom = pr.GetValue(warmStart) && next > 0 ? plan.Items[next - 1].Path : pr.GetValue(o.InitFrom);
                err.WriteLine(InterruptedMessage(interruption, e, sweep: true, startedFrom));
                return interruption.ExitCode;
            }
            CliOptions.WarnDeprecated(pr);
            pr.InvocationConfiguration.Output.Write(text);
            return 0;
        });
        return cmd;
    }
}
