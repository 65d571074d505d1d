using System.CommandLine;
using Ltc.Lattices;
using Ltc.Torch;

namespace Ltc.Cli.Commands;

internal static partial class ModelCommands
{
    /// <summary><c>ltc eval</c>: <see cref="Evaluator.Evaluate"/> or, with <c>--coded</c>, <see cref="CodedEvaluator.Evaluate"/>.</summary>
    public static Command CreateEval()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model file (.ltcm).", Required = true };
        var samples = new Option<int?>("--samples") { Description = $"Test vectors (Block-LTC: test blocks) from a synthetic source (default: the model's profile; 1..{EvalOptions.MaxSamples}; data sets use their test split)." }.Range(1, EvalOptions.MaxSamples);
        var cellSamples = new Option<int?>("--cell-samples") { Description = $"Cell samples per rate estimate (default: the model's profile; 1..{ModelConfig.MaxCellSamples}). (--mc-samples is a deprecated spelling.)" }.Range(1, ModelConfig.MaxCellSamples).DeprecatedAlias("--mc-samples");
        var densitySamples = new Option<int?>("--density-samples") { Description = $"Samples M of the learned density that join the cell samples of each rate estimate (default: as many as cell samples; 0: cell samples alone; 0..{ModelConfig.MaxCellSamples})." }.Range(0, ModelConfig.MaxCellSamples);
        var replicates = new Option<int?>("--replicates") { Description = $"Independent cell-sample sets for the Monte Carlo error (default: the profile's, 4; 1..{EvalOptions.MaxReplicates})." }.Range(1, EvalOptions.MaxReplicates);
        var sampling = new Option<string>("--cell-sampling") { Description = $"Cell sampling: {CellSamplingCatalog.Names.Expected}. (--mc is a deprecated spelling.)", DefaultValueFactory = _ => "sobol-scrambled" }.DeprecatedAlias("--mc");
        var seed = new Option<int?>("--seed") { Description = "Seed of the test draws and cell samples (default: the model's seed + 1000)." };
        var source = new Option<string?>("--source") { Description = "Evaluate on another source of the same dimension (default: the model's); rates are in that source's unit." };
        var device = new Option<string>("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads") { Description = ModelOptions.ThreadsHelp, DefaultValueFactory = _ => TorchSetup.DefaultThreads }.Range(0, TorchSetup.MaxThreads);
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout and nothing else." };
        var coded = new Option<bool>("--coded") { Description = "Also compress the test vectors to a real .ltc file and decompress it: file bits next to the estimated rate." };
        var cmd = new Command("eval", "Rate (with its Monte Carlo standard error), distortion, SNR and gap to R(D) of a trained model on held-out data. " +
            "Warns when the model file is an unfinished training checkpoint.");
        foreach (var opt in new Option[] { model, samples, cellSamples, densitySamples, replicates, sampling, seed, source, device, threads, coded, json }) cmd.Options.Add(opt);
        cmd.SetAction(pr =>
        {
            string path = pr.GetValue(model)!;
            var cellSampling = CellSamplingCatalog.Names.Parse(pr.GetValue(sampling), "--cell-sampling");
            TorchSetup.Configure(pr.GetValue(device)!, pr.GetValue(threads));
            var loaded = ModelFile.Load(path);
            var cfg = loaded.Model.Config;
            if (pr.GetValue(densitySamples) is not null && !cfg.Model.HasLattice())
                throw new LtcException($"--density-samples is for lattice models (ltc, eclq, block-ltc); {path} is {cfg.Model.Name()}, whose rate is exact");
            string sourceName = pr.GetValue(source) ?? cfg.Source;
            var src = ModelSources.For(sourceName, cfg);
            var options = EvalOptions.For(cfg, src, pr.GetValue(samples), pr.GetValue(cellSamples), pr.GetValue(replicates), cellSampling, pr.GetValue(seed)) with { DensitySamples = pr.GetValue(densitySamples) };
            if (!src.IsSynthetic && pr.GetValue(samples) is not null)
                LtcApp.Warn($"--samples is ignored: '{sourceName}' is a data set, evaluated on its whole test split");
            if (loaded.UnfinishedWarning(path) is string warning) LtcApp.Warn(warning);
            CliOptions.WarnDeprecated(pr);
            string fingerprint = Convert.ToHexStringLower(ModelFile.Fingerprint(loaded.Model));
            var output = pr.InvocationConfiguration.Output;
            if (pr.GetValue(coded))
            {
                loaded.RequireCodingTables(path);
                var report = CodedEvaluationReport.Of(cfg, sourceName, CodedEvaluator.Evaluate(loaded.Model, src, options), path, fingerprint, loaded.State.Seconds);
                WarnPayload(report.Estimate);
                output.Write(RenderCoded(pr.GetValue(json), report with { Estimate = report.Estimate.WithTraining(loaded.State) }));
            }
            else
            {
                var result = Evaluator.Evaluate(loaded.Model, src, options);
                // The bits of a real file of the same vectors, next to the estimate (a model without tables cannot code).
                if (loaded.Model.Codec is not null) result = result with { PayloadRate = CodedEvaluator.PayloadRate(new ModelCodec(loaded.Model), src, options) };
                else if (!loaded.Unfinished) // the unfinished checkpoint's warning already says it has no tables
                    LtcApp.Warn($"{path} has no coding tables, so no file rate: ltc fit-coder --model {path} fits them");
                var report = EvaluationReport.Of(cfg, sourceName, result, loaded.State.Seconds, path, fingerprint).WithTraining(loaded.State);
                WarnPayload(report);
                output.Write(Render(pr.GetValue(json), report));
            }
            return 0;
        });
        return cmd;
    }
}
