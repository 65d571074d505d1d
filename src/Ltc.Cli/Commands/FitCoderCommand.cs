using System.CommandLine;
using System.Diagnostics;
using Ltc.IO;
using Ltc.Torch;

namespace Ltc.Cli.Commands;

internal static partial class CodecCommands
{
    /// <summary><c>ltc fit-coder</c>: <see cref="ModelCodec.Fit(CompressionModel, Sources.VectorSource, int, int)"/> on the model's training source.</summary>
    public static Command CreateFitCoder()
    {
        var model = ModelOption();
        model.Description = "Model file (.ltcm) to fit coding tables for.";
        var samples = new Option<int>("--fit-samples") { Description = $"Training vectors the tables are fitted to (1..{1 << 24}). (--samples is a deprecated spelling.)", DefaultValueFactory = _ => ModelCodec.DefaultFitSamples }.Range(1, 1 << 24).DeprecatedAlias("--samples");
        var seed = new Option<int>("--seed") { Description = "Seed of the training draws.", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out", "-o") { Description = "Write the model with its tables here (default: replace --model in place, atomically); - writes standard output." };
        var json = JsonOption();
        var cmd = new Command("fit-coder", "Fit the coding tables of a trained model (ltc train does this itself) so it can compress files.");
        foreach (var o in new Option[] { model, samples, seed, output, json }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string path = pr.GetValue(model)!, outPath = pr.GetValue(output) is string o ? CliOptions.StandardStream(o, write: true) : path;
            AtomicFile.CheckOutput(outPath); // replacing --model itself is what this command is for
            TorchSetup.Configure("cpu", 1);
            var loaded = ModelFile.Load(path);
            if (ModelCommands.ModelNameWarning(outPath) is string misnamed) LtcApp.Warn(misnamed);
            var source = ModelSources.For(loaded.Model.Config.Source, loaded.Model.Config);
            var clock = Stopwatch.StartNew();
            var latent = ModelCodec.Fit(loaded.Model, source, pr.GetValue(samples), pr.GetValue(seed));
            // After the fit, so that the warning does not say the checkpoint has no coding tables.
            if (loaded.UnfinishedWarning(path) is string warning) LtcApp.Warn(warning);
            var fingerprint = Convert.ToHexStringLower(ModelFile.Fingerprint(loaded.Model));
            string text = pr.GetValue(json)
                ? CliOutput.ToJson(new { Model = outPath, Fingerprint = fingerprint, Form = latent.Quantizer.Form.ToString(), Tables = latent.TableCount, Seconds = clock.Elapsed.TotalSeconds })
                : $"{CliOutput.Escape(outPath)}: {latent.TableCount} coding tables ({latent.Quantizer.Form}) fitted in {clock.Elapsed.TotalSeconds:F1} s, fingerprint {fingerprint[..16]}";
            ModelFile.Save(outPath, loaded.Model, loaded.State, loaded.OptimizerState);
            CliOptions.WarnDeprecated(pr);
            CliOptions.ReportWriter(pr, outPath).WriteLine(text);
            return 0;
        });
        return cmd;
    }
}
