using System.CommandLine;
using System.Globalization;
using System.Text;
using Ltc.Cli.Progress;
using Ltc.IO;
using Ltc.Lattices;
using Ltc.Sources;
using Ltc.Torch;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc train</c>, <c>ltc sweep</c> and <c>ltc eval</c>: learned compressors (NTC, LTC, ECLQ).</summary>
/// <remarks>
/// Option names have one meaning across commands: <c>--model</c> is always a model file (the kind of model to train
/// is <c>--kind</c>), <c>--cell-samples</c> and <c>--cell-sampling</c> are the cell samples of a rate estimate at
/// evaluation (<c>--train-cell-samples</c>, <c>--train-cell-sampling</c> in training; <c>--eval-cell-samples</c> for
/// the evaluation after training), <c>--samples</c> is a count of test vectors. The old spellings <c>--model</c>
/// (train, sweep), <c>--mc-samples</c>, <c>--eval-mc-samples</c> and <c>--mc</c> (eval) still work, with a warning.
/// </remarks>
internal static class ModelCommands
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Largest λ accepted.</summary>
    private const double MaxLambda = 1e12;

    /// <summary>Largest learning rate accepted.</summary>
    private const double MaxLr = 100;

    private const string ThreadsHelp = "Torch intra-op threads (default 1: torch's threads spin-wait, so more than one slows " +
        "everything down as soon as another process uses a core; 0: one per core).";

    /// <summary>The options shared by train and sweep, and how to turn them into a model configuration.</summary>
    private sealed class ModelOptions
    {
        public readonly Option<string> Source = new("--source", "-s") { Description = $"Source: {SourceCatalog.Help}.", DefaultValueFactory = _ => "gaussian" };
        public readonly Option<int?> Dim = new Option<int?>("--dim", "-d") { Description = $"Dimension (length of an i.i.d. sequence; data sets know theirs; at most {ModelConfig.MaxDim})." }.Range(1, ModelConfig.MaxDim);
        public readonly Option<string> Kind = new Option<string>("--kind") { Description = $"Kind of model: {ModelCatalog.Kinds.Help}. (--model is a deprecated spelling.)", DefaultValueFactory = _ => "ltc" }.DeprecatedAlias("--model");
        public readonly Option<int?> Block = new Option<int?>("--block") { Description = $"Block-LTC: source vectors per block n (the lattice's dimension, e.g. 8 for E8, 24 for Leech; 2..{ModelConfig.MaxBlock})." }.Range(2, ModelConfig.MaxBlock);
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
        public readonly Option<string> TrainCellSampling = new("--train-cell-sampling") { Description = $"Cell sampling in training: {CellSamplingCatalog.Names.Expected}.", DefaultValueFactory = _ => "sobol-scrambled" };
        public readonly Option<int> Seed = new("--seed") { Description = "Seed of initialization, data and cell samples.", DefaultValueFactory = _ => 1 };
        public readonly Option<string> Device = new("--device") { Description = "cpu or cuda (this build is CPU-only; CUDA is untested).", DefaultValueFactory = _ => "cpu" };
        public readonly Option<int> Threads = new Option<int>("--threads") { Description = ThreadsHelp, DefaultValueFactory = _ => TorchSetup.DefaultThreads }.Range(0, TorchSetup.MaxThreads);
        public readonly Option<int?> EvalSamples = new Option<int?>("--eval-samples") { Description = $"Test vectors for the evaluation after training (default: the profile's; 1..{EvalOptions.MaxSamples})." }.Range(1, EvalOptions.MaxSamples);
        public readonly Option<int?> EvalCellSamples = new Option<int?>("--eval-cell-samples") { Description = $"Cell samples per rate estimate in the evaluation after training (default: the profile's; 1..{ModelConfig.MaxCellSamples}). (--eval-mc-samples is a deprecated spelling.)" }.Range(1, ModelConfig.MaxCellSamples).DeprecatedAlias("--eval-mc-samples");
        public readonly Option<bool> Json = new("--json") { Description = "Print one JSON object on stdout and nothing else." };

        public IEnumerable<Option> All() => [Source, Dim, Kind, Block, Lattice, LatentDim, Transform, Hidden, Entropy, Proxy, Distortion,
            Profile, Steps, Batch, Lr, TrainCellSamples, TrainCellSampling, Seed, Device, Threads, EvalSamples, EvalCellSamples, Json];

        /// <summary>The files the options read (data of the source, a G: lattice), which no output may replace.</summary>
        public string[] InputFiles(ParseResult pr) => [.. SourceFiles(pr.GetValue(Source) ?? ""), .. LatticeFiles(pr.GetValue(Lattice))];

        public (ModelConfig Config, VectorSource Source, TrainingProfile Profile) Build(ParseResult pr, double lambda)
        {
            CheckDataFiles(InputFiles(pr));
            var profile = TrainingProfile.Parse(pr.GetValue(Profile)!);
            var model = ModelCatalog.Kinds.Parse(pr.GetValue(Kind), "--kind");
            var transformKind = pr.GetValue(Transform) is string t ? ModelCatalog.Transforms.Parse(t, "--transform") : (TransformKind?)null;
            var entropyKind = pr.GetValue(Entropy) is string e ? ModelCatalog.EntropyModels.Parse(e, "--entropy") : (EntropyModelKind?)null;
            var proxy = ModelCatalog.Proxies.Parse(pr.GetValue(Proxy), "--proxy");
            var distortion = ModelCatalog.Distortions.Parse(pr.GetValue(Distortion), "--distortion");
            var sampling = CellSamplingCatalog.Names.Parse(pr.GetValue(TrainCellSampling), "--train-cell-sampling");
            var source = SourceCatalog.Parse(pr.GetValue(Source)!, pr.GetValue(Dim));
            string? latticeName = pr.GetValue(Lattice);
            // Resolved once: a G: generator file is read here and its matrix goes into the model file.
            ModelLattice? modelLattice = latticeName is null ? null : ModelLattice.Parse(latticeName);
            Lattice? lattice = modelLattice?.Lattice;
            int block = 1;
            if (model == ModelKind.BlockLtc)
            {
                block = pr.GetValue(Block) ?? lattice?.Dimension ?? throw new LtcException("block-ltc needs --lattice (E8 for n = 8, Leech for n = 24) or --block");
                if (lattice is null) throw new LtcException("block-ltc needs --lattice (E8 for n = 8, Leech for n = 24)");
                if (lattice.Dimension != block) throw new LtcException($"--lattice {latticeName} has dimension {lattice.Dimension}, but --block is {block}");
                if (source is BlockSource) throw new LtcException($"block-ltc groups vectors into blocks itself; give the plain source, not '{source.Name}'");
                if ((long)source.Dimension * block > ModelConfig.MaxDim) throw new LtcException($"a block of {block} vectors of dimension {source.Dimension} exceeds {ModelConfig.MaxDim} values");
                source = new BlockSource(source, block);
            }
            else if (pr.GetValue(Block) is not null) throw new LtcException("--block is for --kind block-ltc");
            int d = source.Dimension;
            if (model == ModelKind.Ntc && lattice is not null && lattice is not IntegerLattice)
                throw new LtcException($"ntc rounds to integers; --lattice {latticeName} needs --kind ltc");
            int dy = pr.GetValue(LatentDim) ?? (model == ModelKind.BlockLtc ? 1 : model == ModelKind.Eclq ? d : lattice?.Dimension ?? d);
            if (dy < 1 || dy > ModelConfig.MaxLatentDim) throw new LtcException($"--latent-dim must be between 1 and {ModelConfig.MaxLatentDim}, got {dy}");
            modelLattice ??= ModelLattice.Parse($"Z{dy}");
            var transform = transformKind ?? (source is IidSource ? TransformKind.Linear : TransformKind.Mlp);
            var entropy = entropyKind ?? (model == ModelKind.BlockLtc || (model.HasLattice() && dy >= 2) ? EntropyModelKind.Flow : EntropyModelKind.Factorized);
            var cfg = new ModelConfig
            {
                Model = model,
                Source = model == ModelKind.BlockLtc ? source.Name : pr.GetValue(Source)!,
                Dim = d,
                Block = block,
                LatentDim = dy,
                ScalarsPerSample = source.ScalarsPerSample,
                Transform = transform,
                Hidden = pr.GetValue(Hidden),
                Lattice = modelLattice,
                Entropy = entropy,
                Proxy = proxy,
                Distortion = distortion,
                Lambda = lambda,
                McSamples = pr.GetValue(TrainCellSamples) ?? profile.McSamples,
                Mc = sampling,
                Steps = pr.GetValue(Steps) ?? profile.Steps,
                Batch = pr.GetValue(Batch) ?? profile.Batch,
                Lr = pr.GetValue(Lr) ?? profile.Lr,
                Seed = pr.GetValue(Seed),
                Profile = profile.Name,
            };
            cfg.Validate("options");
            return (cfg, source, profile);
        }

        /// <summary>The evaluation after training, checked (range and memory) before training starts.</summary>
        public EvalOptions Eval(ParseResult pr, TrainingProfile profile, ModelConfig cfg, VectorSource source) => new EvalOptions(
            pr.GetValue(EvalSamples) ?? profile.EvalSamples, pr.GetValue(EvalCellSamples) ?? profile.EvalMcSamples,
            profile.EvalReplicates, CellSampling.ScrambledSobol, cfg.Seed + 1000).Validated(source, cfg.LatentSize);
    }

    public static Command CreateTrain()
    {
        var o = new ModelOptions();
        var lambda = new Option<double>("--lambda") { Description = "Trade-off λ in R + λ·D (R in bits per rate unit, D per coordinate); positive.", Required = true }.Positive(MaxLambda);
        var output = new Option<string>("--out", "-o") { Description = "Model file to write (.ltcm). Checkpoints go to the same file, marked unfinished until the run completes " +
            "(eval and compress warn when given one); a device or FIFO (e.g. /dev/stdout) gets only the finished model.", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run saved in --out (same configuration) instead of starting over." };
        var every = new Option<int?>("--checkpoint-every") { Description = "Steps between checkpoints (default: a tenth of the run; 0: only at the end)." }.Range(0, ModelConfig.MaxSteps);
        var cmd = new Command("train", "Train one NTC, LTC, ECLQ or Block-LTC model, save it, and evaluate it on held-out data. " +
            "Ctrl-C (SIGINT) or SIGTERM stops at the next step and leaves a checkpoint in --out, marked unfinished, to continue with --resume. " +
            "If training fails, --out is left as it was.");
        foreach (var opt in o.All()) cmd.Options.Add(opt);
        cmd.Options.Add(lambda);
        cmd.Options.Add(output);
        cmd.Options.Add(resume);
        cmd.Options.Add(every);
        cmd.SetAction(pr =>
        {
            string path = pr.GetValue(output)!;
            AtomicFile.CheckOutput(path, o.InputFiles(pr));
            TorchSetup.Configure(pr.GetValue(o.Device)!, pr.GetValue(o.Threads));
            var (cfg, source, profile) = o.Build(pr, pr.GetValue(lambda));
            var eval = o.Eval(pr, profile, cfg, source);
            bool json = pr.GetValue(o.Json);
            var err = pr.InvocationConfiguration.Error;
            // A model written to standard output leaves it to the model: the report goes to stderr.
            var report = AtomicFile.IsStandardOutput(path) ? err : pr.InvocationConfiguration.Output;
            using var interruption = LtcApp.Interruption.Begin();
            using var restore = new FileRestorePoint(path); // a failed run leaves --out as it was
            TrainingRunResult run;
            try
            {
                run = TrainOne(cfg, source, path, pr.GetValue(resume), pr.GetValue(every), json ? null : err, eval, interruption.Token);
            }
            catch (OperationCanceledException) when (interruption.Fired)
            {
                bool written = restore.Changed;
                restore.Keep(); // the checkpoint, marked unfinished, is what an interrupted run leaves
                err.WriteLine(InterruptedMessage(interruption, path, written));
                return interruption.ExitCode;
            }
            // Rendered before the model is kept: a report that cannot be printed (NaN in JSON) fails the command whole.
            string text = Render(json, cfg, cfg.Source, run.Evaluation, run.TrainSeconds, path, Convert.ToHexStringLower(ModelFile.Fingerprint(run.Model)));
            restore.Keep();
            CliOptions.WarnDeprecated(pr);
            report.Write(text);
            return 0;
        });
        return cmd;
    }

    public static Command CreateSweep()
    {
        var o = new ModelOptions();
        var lambdas = new Option<string>("--lambdas") { Description = "Comma-separated λ values, e.g. 0.5,1,2,4,8 (positive, distinct).", Required = true };
        var outDir = new Option<string>("--out-dir", "-o") { Description = "Folder for one model per λ and results.csv (created if missing).", Required = true };
        var cmd = new Command("sweep", "Train one model per λ and write their evaluations to results.csv (columns rate_bits_per_sample, distortion_mse, ...). " +
            "All or none: if one model fails, the sweep leaves the folder as it was. Ctrl-C (SIGINT) or SIGTERM keeps the finished models, " +
            "results.csv and the current model's checkpoint (marked unfinished).");
        foreach (var opt in o.All()) cmd.Options.Add(opt);
        cmd.Options.Add(lambdas);
        cmd.Options.Add(outDir);
        cmd.SetAction(pr =>
        {
            var values = ParseLambdas(pr.GetValue(lambdas)!);
            string dir = pr.GetValue(outDir)!;
            if (dir.Length == 0) throw new LtcException("--out-dir is empty");
            if (File.Exists(dir)) throw new LtcException($"{dir}: is a file, not a folder");
            var inputs = o.InputFiles(pr);
            TorchSetup.Configure(pr.GetValue(o.Device)!, pr.GetValue(o.Threads));
            // Everything is validated before anything is trained or written.
            var runs = values.Select(l =>
            {
                var setup = o.Build(pr, l);
                var eval = o.Eval(pr, setup.Profile, setup.Config, setup.Source);
                string path = Path.Combine(dir, $"{setup.Config.Model.Name()}-{Slug(setup.Config.Lattice.Name)}-lambda{l.ToString("R", Inv)}.ltcm");
                return (Lambda: l, setup.Config, setup.Source, Eval: eval, Path: path);
            }).ToList();
            string csv = Path.Combine(dir, "results.csv");
            bool created = !Directory.Exists(dir);
            if (created)
            {
                try { Directory.CreateDirectory(dir); }
                catch (IOException e) { throw new LtcException($"{dir}: cannot create the folder ({e.Message})"); }
            }
            var restores = new List<FileRestorePoint>();
            var rows = new List<(ModelConfig Cfg, string Source, EvalResult Result, double Seconds, string Path)>();
            bool json = pr.GetValue(o.Json);
            var err = pr.InvocationConfiguration.Error;
            using var interruption = LtcApp.Interruption.Begin();
            bool done = false;
            string text = "";
            try
            {
                foreach (var path in runs.Select(r => r.Path).Append(csv))
                {
                    AtomicFile.CheckOutput(path, inputs);
                    restores.Add(new FileRestorePoint(path));
                }
                foreach (var (l, cfg, source, eval, path) in runs)
                {
                    TrainingRunResult run;
                    try
                    {
                        run = TrainOne(cfg, source, path, false, null, json ? null : err, eval, interruption.Token, $" → {Path.GetFileName(path)}");
                    }
                    catch (LtcException e) when (rows.Count > 0)
                    {
                        throw new LtcException($"λ = {l.ToString("R", Inv)}: {e.Message}; the sweep wrote nothing (its {rows.Count} finished model{(rows.Count == 1 ? " was" : "s were")} removed)");
                    }
                    rows.Add((cfg, cfg.Source, run.Evaluation, run.TrainSeconds, path));
                    WriteCsv(csv, rows); // after every model, so an interrupted sweep keeps what it has
                    var result = run.Evaluation;
                    if (!json) err.WriteLine($"  rate {result.Rate:F4} ± {result.RateStderr:F4} {result.RateUnit}, MSE {result.DistortionMse:G5}, SNR {result.SnrDb:F3} dB" +
                        (result.GapToRdDb is double g ? $", gap to R(D) {g:F3} dB" : "") + $", {run.TrainSeconds:F0} s");
                }
                text = json
                    ? CliOutput.ToJson(new { Results = rows.Select(r => ResultObject(r.Cfg, r.Source, r.Result, r.Seconds, r.Path, null)).ToList(), Csv = csv }) + Environment.NewLine
                    : $"wrote {rows.Count} models and {CliOutput.Escape(csv)}" + Environment.NewLine;
                done = true;
            }
            catch (OperationCanceledException) when (interruption.Fired)
            {
                int finished = rows.Count;
                bool written = finished < runs.Count && finished < restores.Count && restores[finished].Changed;
                foreach (var r in restores) r.Keep();
                err.WriteLine(InterruptedMessage(interruption, finished < runs.Count ? runs[finished].Path : null, written, finished));
                return interruption.ExitCode;
            }
            finally
            {
                if (done) foreach (var r in restores) r.Keep();
                else
                {
                    // All or none: put every output back as it was.
                    foreach (var r in Enumerable.Reverse(restores)) r.Dispose();
                    if (created && !interruption.Fired) TryRemoveEmptyFolder(dir);
                }
            }
            CliOptions.WarnDeprecated(pr);
            pr.InvocationConfiguration.Output.Write(text);
            return 0;
        });
        return cmd;
    }

    private static void TryRemoveEmptyFolder(string dir)
    {
        try
        {
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>The one line printed when a training is interrupted: what the model file of the current run holds now.</summary>
    private static string InterruptedMessage(LtcApp.Interruption interruption, string? current, bool written, int finished = 0)
    {
        string head = $"ltc: interrupted by {interruption.SignalName}";
        string done = finished > 0 ? $"; {finished} finished model{(finished == 1 ? "" : "s")} and results.csv kept" : "";
        if (current is null) return head + done;
        var state = written ? ModelFile.TryReadState(current) : null;
        if (state is null) return $"{head} before the first checkpoint of {CliOutput.Escape(current)}; nothing written to it{done}";
        if (!state.Unfinished) return $"{head} during the evaluation; the finished model is saved in {CliOutput.Escape(current)}{done}";
        return $"{head}: {CliOutput.Escape(current)} holds the checkpoint of step {state.Step}, marked unfinished; " +
            $"continue it with ltc train --resume and the same options{done}";
    }

    public static Command CreateEval()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model file (.ltcm).", Required = true };
        var samples = new Option<int?>("--samples") { Description = $"Test vectors from a synthetic source (default: the model's profile; 1..{EvalOptions.MaxSamples}; data sets use their test split)." }.Range(1, EvalOptions.MaxSamples);
        var cellSamples = new Option<int?>("--cell-samples") { Description = $"Cell samples per rate estimate (default: the model's profile; 1..{ModelConfig.MaxCellSamples}). (--mc-samples is a deprecated spelling.)" }.Range(1, ModelConfig.MaxCellSamples).DeprecatedAlias("--mc-samples");
        var replicates = new Option<int?>("--replicates") { Description = $"Independent cell-sample sets for the Monte Carlo error (default: the profile's, 4; 1..{EvalOptions.MaxReplicates})." }.Range(1, EvalOptions.MaxReplicates);
        var sampling = new Option<string>("--cell-sampling") { Description = $"Cell sampling: {CellSamplingCatalog.Names.Expected}. (--mc is a deprecated spelling.)", DefaultValueFactory = _ => "sobol-scrambled" }.DeprecatedAlias("--mc");
        var seed = new Option<int?>("--seed") { Description = "Seed of the test draws and cell samples (default: the model's seed + 1000)." };
        var source = new Option<string?>("--source") { Description = "Evaluate on another source of the same dimension (default: the model's); rates are in that source's unit." };
        var device = new Option<string>("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads") { Description = ThreadsHelp, DefaultValueFactory = _ => TorchSetup.DefaultThreads }.Range(0, TorchSetup.MaxThreads);
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout and nothing else." };
        var coded = new Option<bool>("--coded") { Description = "Also compress the test vectors to a real .ltc file and decompress it: file bits next to the estimated rate." };
        var cmd = new Command("eval", "Rate (with its Monte Carlo standard error), distortion, SNR and gap to R(D) of a trained model on held-out data. " +
            "Warns when the model file is an unfinished training checkpoint.");
        foreach (var opt in new Option[] { model, samples, cellSamples, replicates, sampling, seed, source, device, threads, coded, json }) cmd.Options.Add(opt);
        cmd.SetAction(pr =>
        {
            string path = pr.GetValue(model)!;
            var cellSampling = CellSamplingCatalog.Names.Parse(pr.GetValue(sampling), "--cell-sampling");
            TorchSetup.Configure(pr.GetValue(device)!, pr.GetValue(threads));
            var loaded = ModelFile.Load(path);
            var cfg = loaded.Model.Config;
            var profile = TrainingProfile.Find(cfg.Profile) ?? TrainingProfile.Quick;
            string sourceName = pr.GetValue(source) ?? cfg.Source;
            var src = SourceFor(sourceName, cfg);
            var options = new EvalOptions(pr.GetValue(samples) ?? profile.EvalSamples, pr.GetValue(cellSamples) ?? profile.EvalMcSamples,
                pr.GetValue(replicates) ?? profile.EvalReplicates, cellSampling, pr.GetValue(seed) ?? cfg.Seed + 1000).Validated(src, loaded.Model.LatentSize);
            if (loaded.UnfinishedWarning(path) is string warning) LtcApp.Warn(warning);
            CliOptions.WarnDeprecated(pr);
            if (pr.GetValue(coded))
            {
                var c = CodedEvaluator.Evaluate(loaded.Model, src, options);
                ReportCoded(pr.InvocationConfiguration.Output, pr.GetValue(json), cfg, sourceName, c, path, Convert.ToHexStringLower(ModelFile.Fingerprint(loaded.Model)));
                return 0;
            }
            var result = Evaluator.Evaluate(loaded.Model, src, options);
            Report(pr.InvocationConfiguration.Output, pr.GetValue(json), cfg, sourceName, result, loaded.State.Seconds, path, Convert.ToHexStringLower(ModelFile.Fingerprint(loaded.Model)));
            return 0;
        });
        return cmd;
    }

    /// <summary>The source a model is evaluated on; block sources carry their own dimension in their name.</summary>
    internal static VectorSource SourceFor(string name, ModelConfig cfg)
    {
        CheckDataFiles(SourceFiles(name));
        var src = name.StartsWith("block:", StringComparison.OrdinalIgnoreCase) ? SourceCatalog.Parse(name, null) : SourceCatalog.Parse(name, cfg.Dim);
        if (src.Dimension != cfg.Dim) throw new LtcException($"source '{name}' has dimension {src.Dimension}, but the model expects {cfg.Dim}");
        return src;
    }

    /// <summary>
    /// Data files (a source's .npy, a G: lattice's generator) are read whole and more than once: they must be regular
    /// files. A device or FIFO (/dev/zero, a pipe) is refused in one line instead of being read without end.
    /// </summary>
    internal static void CheckDataFiles(IEnumerable<string> files)
    {
        foreach (var f in files)
        {
            var kind = AtomicFile.KindOf(f);
            if (kind is not (FileKind.Regular or FileKind.Missing or FileKind.Directory))
                throw new LtcException($"{f}: a data file must be a regular file, not a {kind switch { FileKind.Fifo => "pipe", FileKind.CharacterDevice or FileKind.BlockDevice => "device", _ => "special file" }}");
        }
    }

    /// <summary>The files a source name reads (npy:, physics:), recursively through block:n:.</summary>
    internal static IEnumerable<string> SourceFiles(string name)
    {
        var s = name.Trim();
        while (s.StartsWith("block:", StringComparison.OrdinalIgnoreCase))
        {
            int colon = s.IndexOf(':', 6);
            if (colon < 0) yield break;
            s = s[(colon + 1)..];
        }
        if (s.StartsWith("npy:", StringComparison.OrdinalIgnoreCase)) yield return s[4..];
        else if (s.StartsWith("physics:", StringComparison.OrdinalIgnoreCase)) yield return s[8..];
    }

    /// <summary>The generator file of a <c>G:</c> lattice, if any.</summary>
    internal static IEnumerable<string> LatticeFiles(string? lattice)
    {
        if (lattice is not null && lattice.StartsWith("G:", StringComparison.OrdinalIgnoreCase)) yield return lattice[2..];
    }

    private static TrainingRunResult TrainOne(ModelConfig cfg, VectorSource source, string path, bool resume, int? checkpointEvery,
        TextWriter? progressWriter, EvalOptions eval, CancellationToken cancel, string titleSuffix = "")
    {
        // The view opens with the first progress report: input rejected before training prints nothing but the error.
        using var view = progressWriter is null ? null : new TrainingView(progressWriter, CliOutput.Escape($"{cfg.Model.Name()} {cfg.Lattice.Name} λ={cfg.Lambda.ToString("R", Inv)}{titleSuffix}"));
        return TrainingRun.Train(cfg, source, eval, path, resume, checkpointEvery, view, cancel);
    }

    /// <summary>
    /// Shows the progress of one training run: the view opens with the first report (so input rejected before training
    /// prints nothing but the error) and closes with the last, before the tables are fitted and the model evaluated.
    /// </summary>
    internal sealed class TrainingView(TextWriter writer, string title) : IProgress<TrainingProgress>, IDisposable
    {
        private ProgressView<TrainingProgress>? _view;
        private bool _ended;

        public void Report(TrainingProgress value)
        {
            if (_ended) return;
            _view ??= ProgressViews.Training(writer, title);
            _view.Report(value);
            if (value.StepsPerSecond == 0) // the last report of a run (see TrainingRun.Train)
            {
                // An interrupted run stops short of its steps: end the display without claiming it is done.
                if (value.Step < value.Steps) _view.Dispose();
                else _view.Complete();
                _ended = true;
            }
        }

        public void Dispose() => _view?.Complete();
    }

    private static void Report(TextWriter output, bool json, ModelConfig cfg, string source, EvalResult r, double trainSeconds, string path, string fingerprint) =>
        output.Write(Render(json, cfg, source, r, trainSeconds, path, fingerprint));

    /// <summary>The report of one evaluation as text or JSON (a NaN or infinity in JSON is a one-line error).</summary>
    private static string Render(bool json, ModelConfig cfg, string source, EvalResult r, double trainSeconds, string path, string fingerprint)
    {
        var output = new StringWriter();
        if (json)
        {
            CliOutput.WriteJson(output, ResultObject(cfg, source, r, trainSeconds, path, fingerprint));
            return output.ToString();
        }
        output.WriteLine($"model        {CliOutput.Escape(path)} ({cfg.Model.Name()}, {CliOutput.Escape(cfg.Lattice.Name)}, {cfg.Entropy.Name()}, {cfg.Proxy.Name()}, λ = {cfg.Lambda.ToString("R", Inv)}, fingerprint {fingerprint[..16]})");
        output.WriteLine($"source       {CliOutput.Escape(source)} (d = {cfg.Dim}), {r.TestVectors} test vectors" +
            (source == cfg.Source ? "" : $"; trained on {CliOutput.Escape(cfg.Source)}"));
        output.WriteLine($"rate         {r.Rate:F4} {r.RateUnit} ± {r.RateStderr:F4} (Monte Carlo) ± {r.RateSamplingStderr:F4} (test sample)");
        output.WriteLine($"distortion   MSE {r.DistortionMse:G6}, MAE {r.DistortionMae:G6} per coordinate");
        output.WriteLine($"SNR          {r.SnrDb:F3} dB (σ² = {r.Variance:G4})");
        if (r.GapToRdDb is double g) output.WriteLine($"gap to R(D)  {g:F3} dB");
        output.WriteLine($"time         training {trainSeconds:F1} s, evaluation {r.Seconds:F1} s");
        return output.ToString();
    }

    private static void ReportCoded(TextWriter output, bool json, ModelConfig cfg, string source, CodedEvalResult c, string path, string fingerprint)
    {
        var r = c.Estimated;
        if (json)
        {
            CliOutput.WriteJson(output, new
            {
                Estimate = ResultObject(cfg, source, r, 0, path, fingerprint),
                c.FileBytes,
                c.PayloadBytes,
                FileRate = c.FileRate,
                PayloadRate = c.PayloadRate,
                r.RateUnit,
                EstimatedRate = r.Rate,
                c.DifferencePercent,
                DecodedSnrDb = c.DecodedSnrDb,
                DecodedGapToRdDb = c.DecodedGapToRdDb,
                c.Exact,
                c.CompressSeconds,
                c.DecompressSeconds,
            });
            return;
        }
        Report(output, false, cfg, source, r, 0, path, fingerprint);
        output.WriteLine($"file         {c.FileBytes} bytes for {r.TestVectors} test vectors: {c.FileRate:F4} {r.RateUnit} " +
            $"({c.DifferencePercent:+0.00;-0.00} % against the estimate; payload alone {c.PayloadRate:F4})");
        output.WriteLine($"decoded      SNR {c.DecodedSnrDb:F3} dB" + (c.DecodedGapToRdDb is double g ? $", gap to R(D) with file bits {g:F3} dB" : "") +
            $", {(c.Exact ? "bit-exact" : "NOT equal")} to the model's reconstruction; compress {c.CompressSeconds:F2} s, decompress {c.DecompressSeconds:F2} s");
    }

    /// <summary>
    /// The JSON of one evaluation. <c>source</c> is the source evaluated on (the one the rate unit belongs to),
    /// <c>training_source</c> the one the model was trained on; <c>rate_bits_per_sample</c> is in <c>rate_unit</c>
    /// (bits per sample of an i.i.d. sequence, bits per vector otherwise; the key keeps its historical name).
    /// </summary>
    private static object ResultObject(ModelConfig cfg, string source, EvalResult r, double trainSeconds, string path, string? fingerprint) => new
    {
        Model = path,
        Fingerprint = fingerprint,
        Kind = cfg.Model.Name(),
        Source = source,
        TrainingSource = cfg.Source,
        Dimension = cfg.Dim,
        LatentDim = cfg.LatentDim,
        Lattice = cfg.Lattice.Name,
        Entropy = cfg.Entropy.Name(),
        Proxy = cfg.Proxy.Name(),
        cfg.Lambda,
        cfg.Profile,
        RateBitsPerSample = r.Rate,
        RateStderr = r.RateStderr,
        RateSamplingStderr = r.RateSamplingStderr,
        r.RateUnit,
        DistortionMse = r.DistortionMse,
        DistortionMae = r.DistortionMae,
        r.SnrDb,
        r.Variance,
        r.GapToRdDb,
        r.TestVectors,
        TrainSeconds = trainSeconds,
        EvalSeconds = r.Seconds,
    };

    private static void WriteCsv(string path, List<(ModelConfig Cfg, string Source, EvalResult Result, double Seconds, string Path)> rows)
    {
        var sb = new StringBuilder("rate_bits_per_sample,distortion_mse,snr_db,rate_stderr,gap_to_rd_db,lambda,model,lattice,entropy,proxy,train_seconds,rate_unit\n");
        foreach (var (c, _, r, s, _) in rows.OrderBy(x => x.Result.Rate))
            sb.Append(Inv, $"{r.Rate:R},{r.DistortionMse:R},{r.SnrDb:F4},{r.RateStderr:G4},{(r.GapToRdDb is double g ? g.ToString("F4", Inv) : "")},{c.Lambda:R},{c.Model.Name()},{Csv(c.Lattice.Name)},{c.Entropy.Name()},{c.Proxy.Name()},{s:F1},{r.RateUnit}\n");
        AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(sb.ToString()));
    }

    private static string Csv(string field) => field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : $"\"{field.Replace("\"", "\"\"")}\"";

    private static double[] ParseLambdas(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new LtcException("--lambdas: give at least one value, e.g. 0.5,1,2");
        if (parts.Length > 1000) throw new LtcException($"--lambdas: {parts.Length} values; at most 1000");
        var values = parts.Select(p => double.TryParse(p, NumberStyles.Float, Inv, out double v) && v > 0 && v <= MaxLambda
            ? v : throw new LtcException($"--lambdas: '{p}' is not a positive number (at most {MaxLambda:G})")).ToArray();
        var twice = values.GroupBy(v => v).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new LtcException($"--lambdas: {twice.Key.ToString("R", Inv)} is given twice");
        return values;
    }

    private static string Slug(string s) => new(s.Select(c => char.IsLetterOrDigit(c) ? c : c == '*' ? 's' : '_').ToArray());
}
