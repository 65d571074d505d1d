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
internal static class ModelCommands
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The options shared by train and sweep, and how to turn them into a model configuration.</summary>
    private sealed class ModelOptions
    {
        public readonly Option<string> Source = new("--source", "-s") { Description = $"Source: {SourceCatalog.Help}.", DefaultValueFactory = _ => "gaussian" };
        public readonly Option<int?> Dim = new("--dim", "-d") { Description = "Dimension (length of an i.i.d. sequence; data sets know theirs)." };
        public readonly Option<string> Model = new("--model", "-m") { Description = "ntc (scalar rounding), ltc (lattice), eclq (lattice, no transform) or block-ltc (n vectors coded jointly).", DefaultValueFactory = _ => "ltc" };
        public readonly Option<int?> Block = new("--block") { Description = "Block-LTC: source vectors per block n (the lattice's dimension, e.g. 8 for E8, 24 for Leech)." };
        public readonly Option<string?> Lattice = new("--lattice", "-l") { Description = "Lattice of the latent (LTC, ECLQ): A2, D4*, E8, BW16, Leech, E8^2, ... Default: Z of the latent dimension." };
        public readonly Option<int?> LatentDim = new("--latent-dim") { Description = "Latent dimension dy (default: the lattice's, else --dim)." };
        public readonly Option<string?> Transform = new("--transform") { Description = "linear (two bias-free layers, the paper's choice for i.i.d. sources) or mlp (softplus). Default: linear for i.i.d. sequences, mlp otherwise." };
        public readonly Option<int> Hidden = new("--hidden") { Description = "Hidden width of the transforms.", DefaultValueFactory = _ => 100 };
        public readonly Option<string?> Entropy = new("--entropy") { Description = "factorized or flow (RealNVP). Default: flow for LTC/ECLQ with a latent of dimension >= 2, else factorized." };
        public readonly Option<string> Proxy = new("--proxy") { Description = "Training proxy of the lattice quantizer: ste or dither.", DefaultValueFactory = _ => "ste" };
        public readonly Option<string> Distortion = new("--distortion") { Description = "mse or l1.", DefaultValueFactory = _ => "mse" };
        public readonly Option<string> Profile = new("--profile") { Description = "Budget: quick (a minute or two), standard (docs/results), paper (the official settings).", DefaultValueFactory = _ => "quick" };
        public readonly Option<int?> Steps = new("--steps") { Description = "Training steps (default: the profile's)." };
        public readonly Option<int?> Batch = new("--batch") { Description = "Batch size (default: the profile's)." };
        public readonly Option<double?> Lr = new("--lr") { Description = "Adam learning rate (default: the profile's)." };
        public readonly Option<int?> McSamples = new("--mc-samples") { Description = "Cell samples N per step in training (default: the profile's)." };
        public readonly Option<string> Mc = new("--mc") { Description = "Cell sampling: montecarlo, antithetic, sobol, sobol-scrambled.", DefaultValueFactory = _ => "sobol-scrambled" };
        public readonly Option<int> Seed = new("--seed") { Description = "Seed of initialization, data and cell samples.", DefaultValueFactory = _ => 1 };
        public readonly Option<string> Device = new("--device") { Description = "cpu or cuda (this build is CPU-only; CUDA is untested).", DefaultValueFactory = _ => "cpu" };
        public readonly Option<int> Threads = new("--threads") { Description = "Torch intra-op threads (0: TorchSharp's default).", DefaultValueFactory = _ => 0 };
        public readonly Option<int?> EvalSamples = new("--eval-samples") { Description = "Test vectors for the evaluation after training (default: the profile's)." };
        public readonly Option<int?> EvalMcSamples = new("--eval-mc-samples") { Description = "Cell samples per rate estimate at evaluation (default: the profile's)." };
        public readonly Option<bool> Json = new("--json") { Description = "Print one JSON object on stdout and nothing else." };

        public IEnumerable<Option> All() => [Source, Dim, Model, Block, Lattice, LatentDim, Transform, Hidden, Entropy, Proxy, Distortion,
            Profile, Steps, Batch, Lr, McSamples, Mc, Seed, Device, Threads, EvalSamples, EvalMcSamples, Json];

        public (ModelConfig Config, VectorSource Source, TrainingProfile Profile) Build(ParseResult pr, double lambda)
        {
            var profile = TrainingProfile.Parse(pr.GetValue(Profile)!);
            var source = SourceCatalog.Parse(pr.GetValue(Source)!, pr.GetValue(Dim));
            string model = pr.GetValue(Model)!.ToLowerInvariant();
            if (model is not ("ntc" or "ltc" or "eclq" or "block-ltc")) throw new LtcException($"unknown model '{pr.GetValue(Model)}' (expected ntc, ltc, eclq or block-ltc)");
            string? latticeName = pr.GetValue(Lattice);
            Lattice? lattice = latticeName is null ? null : LatticeCatalog.Parse(latticeName);
            int block = 1;
            if (model == "block-ltc")
            {
                block = pr.GetValue(Block) ?? lattice?.Dimension ?? throw new LtcException("block-ltc needs --lattice (E8 for n = 8, Leech for n = 24) or --block");
                if (lattice is null) throw new LtcException("block-ltc needs --lattice (E8 for n = 8, Leech for n = 24)");
                if (lattice.Dimension != block) throw new LtcException($"--lattice {latticeName} has dimension {lattice.Dimension}, but --block is {block}");
                if (source is BlockSource) throw new LtcException($"block-ltc groups vectors into blocks itself; give the plain source, not '{source.Name}'");
                source = new BlockSource(source, block);
            }
            else if (pr.GetValue(Block) is not null) throw new LtcException("--block is for --model block-ltc");
            int d = source.Dimension;
            if (model == "ntc" && lattice is not null && lattice is not IntegerLattice)
                throw new LtcException($"ntc rounds to integers; --lattice {latticeName} needs --model ltc");
            int dy = pr.GetValue(LatentDim) ?? (model == "block-ltc" ? 1 : model == "eclq" ? d : lattice?.Dimension ?? d);
            if (dy < 1 || dy > 4096) throw new LtcException($"--latent-dim must be between 1 and 4096, got {dy}");
            latticeName ??= $"Z{dy}";
            string transform = pr.GetValue(Transform) ?? (source is IidSource ? "linear" : "mlp");
            string entropy = pr.GetValue(Entropy) ?? (model == "block-ltc" || (model != "ntc" && dy >= 2) ? "flow" : "factorized");
            var cfg = new ModelConfig
            {
                Model = model,
                Source = model == "block-ltc" ? source.Name : pr.GetValue(Source)!,
                Dim = d,
                Block = block,
                LatentDim = dy,
                ScalarsPerSample = source.ScalarsPerSample,
                Transform = transform.ToLowerInvariant(),
                Hidden = pr.GetValue(Hidden),
                Lattice = latticeName,
                Entropy = entropy.ToLowerInvariant(),
                Proxy = pr.GetValue(Proxy)!.ToLowerInvariant(),
                Distortion = pr.GetValue(Distortion)!.ToLowerInvariant(),
                Lambda = lambda,
                McSamples = pr.GetValue(McSamples) ?? profile.McSamples,
                Mc = pr.GetValue(Mc)!.ToLowerInvariant(),
                Steps = pr.GetValue(Steps) ?? profile.Steps,
                Batch = pr.GetValue(Batch) ?? profile.Batch,
                Lr = pr.GetValue(Lr) ?? profile.Lr,
                Seed = pr.GetValue(Seed),
                Profile = profile.Name,
            };
            cfg.Validate("options");
            return (cfg, source, profile);
        }

        public EvalOptions Eval(ParseResult pr, TrainingProfile profile, int seed) => new EvalOptions(
            pr.GetValue(EvalSamples) ?? profile.EvalSamples, pr.GetValue(EvalMcSamples) ?? profile.EvalMcSamples,
            profile.EvalReplicates, CellSampling.ScrambledSobol, seed + 1000).Validated();
    }

    public static Command CreateTrain()
    {
        var o = new ModelOptions();
        var lambda = new Option<double>("--lambda") { Description = "Trade-off λ in R + λ·D (R in bits per rate unit, D per coordinate).", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Model file to write (.ltcm); checkpoints go to the same file.", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run saved in --out (same configuration) instead of starting over." };
        var every = new Option<int?>("--checkpoint-every") { Description = "Steps between checkpoints (default: a tenth of the run)." };
        var cmd = new Command("train", "Train one NTC, LTC or ECLQ model, save it, and evaluate it on held-out data.");
        foreach (var opt in o.All()) cmd.Options.Add(opt);
        cmd.Options.Add(lambda);
        cmd.Options.Add(output);
        cmd.Options.Add(resume);
        cmd.Options.Add(every);
        cmd.SetAction(pr =>
        {
            TorchSetup.Configure(pr.GetValue(o.Device)!, pr.GetValue(o.Threads));
            var (cfg, source, profile) = o.Build(pr, pr.GetValue(lambda));
            string path = pr.GetValue(output)!;
            bool json = pr.GetValue(o.Json);
            var (model, result, seconds) = TrainOne(cfg, source, path, pr.GetValue(resume), pr.GetValue(every), json ? null : pr.InvocationConfiguration.Error, o.Eval(pr, profile, cfg.Seed));
            Report(pr.InvocationConfiguration.Output, json, cfg, result, seconds, path, ModelFile.Fingerprint(model));
            return 0;
        });
        return cmd;
    }

    public static Command CreateSweep()
    {
        var o = new ModelOptions();
        var lambdas = new Option<string>("--lambdas") { Description = "Comma-separated λ values, e.g. 0.5,1,2,4,8.", Required = true };
        var outDir = new Option<string>("--out-dir", "-o") { Description = "Folder for one model per λ and results.csv.", Required = true };
        var cmd = new Command("sweep", "Train one model per λ and write their evaluations to results.csv (columns rate_bits_per_sample, distortion_mse, ...).");
        foreach (var opt in o.All()) cmd.Options.Add(opt);
        cmd.Options.Add(lambdas);
        cmd.Options.Add(outDir);
        cmd.SetAction(pr =>
        {
            TorchSetup.Configure(pr.GetValue(o.Device)!, pr.GetValue(o.Threads));
            var values = ParseLambdas(pr.GetValue(lambdas)!);
            string dir = pr.GetValue(outDir)!;
            var runs = values.Select(l => (Lambda: l, Setup: o.Build(pr, l))).ToList(); // validate everything before training
            o.Eval(pr, runs[0].Setup.Profile, 0);
            Directory.CreateDirectory(dir);
            bool json = pr.GetValue(o.Json);
            var err = pr.InvocationConfiguration.Error;
            var rows = new List<(ModelConfig Cfg, EvalResult Result, double Seconds, string Path)>();
            foreach (var (l, (cfg, source, profile)) in runs)
            {
                string path = Path.Combine(dir, $"{cfg.Model}-{Slug(cfg.Lattice)}-lambda{l.ToString("R", Inv)}.ltcm");
                if (!json) err.WriteLine($"λ = {l.ToString("R", Inv)} → {path}");
                var (_, result, seconds) = TrainOne(cfg, source, path, false, null, json ? null : err, o.Eval(pr, profile, cfg.Seed));
                rows.Add((cfg, result, seconds, path));
                WriteCsv(Path.Combine(dir, "results.csv"), rows); // after every model, so a long sweep keeps what it has
                if (!json) err.WriteLine($"  rate {result.Rate:F4} ± {result.RateStderr:F4} {result.RateUnit}, MSE {result.DistortionMse:G5}, SNR {result.SnrDb:F3} dB" +
                    (result.GapToRdDb is double g ? $", gap to R(D) {g:F3} dB" : "") + $", {seconds:F0} s");
            }
            var output = pr.InvocationConfiguration.Output;
            if (json)
                CliOutput.WriteJson(output, new { Results = rows.Select(r => ResultObject(r.Cfg, r.Result, r.Seconds, r.Path, null)).ToList(), Csv = Path.Combine(dir, "results.csv") });
            else
                output.WriteLine($"wrote {rows.Count} models and {Path.Combine(dir, "results.csv")}");
            return 0;
        });
        return cmd;
    }

    public static Command CreateEval()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model file (.ltcm).", Required = true };
        var samples = new Option<int?>("--samples") { Description = "Test vectors from a synthetic source (default: the model's profile)." };
        var mcSamples = new Option<int?>("--mc-samples") { Description = "Cell samples per rate estimate (default: the model's profile)." };
        var replicates = new Option<int?>("--replicates") { Description = "Independent cell-sample sets for the Monte Carlo error (default 4)." };
        var mc = new Option<string>("--mc") { Description = "Cell sampling at evaluation: montecarlo, antithetic, sobol, sobol-scrambled.", DefaultValueFactory = _ => "sobol-scrambled" };
        var seed = new Option<int?>("--seed") { Description = "Seed of the test draws and cell samples (default: the model's seed + 1000)." };
        var source = new Option<string?>("--source") { Description = "Evaluate on another source of the same dimension (default: the model's)." };
        var device = new Option<string>("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads") { Description = "Torch intra-op threads (0: default).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout and nothing else." };
        var coded = new Option<bool>("--coded") { Description = "Also compress the test vectors to a real .ltc file and decompress it: file bits next to the estimated rate." };
        var cmd = new Command("eval", "Rate (with its Monte Carlo standard error), distortion, SNR and gap to R(D) of a trained model on held-out data.");
        foreach (var opt in new Option[] { model, samples, mcSamples, replicates, mc, seed, source, device, threads, coded, json }) cmd.Options.Add(opt);
        cmd.SetAction(pr =>
        {
            TorchSetup.Configure(pr.GetValue(device)!, pr.GetValue(threads));
            string path = pr.GetValue(model)!;
            var loaded = ModelFile.Load(path);
            var cfg = loaded.Model.Config;
            var profile = TrainingProfile.Find(cfg.Profile) ?? TrainingProfile.Quick;
            var src = SourceFor(pr.GetValue(source) ?? cfg.Source, cfg);
            var options = new EvalOptions(pr.GetValue(samples) ?? profile.EvalSamples, pr.GetValue(mcSamples) ?? profile.EvalMcSamples,
                pr.GetValue(replicates) ?? profile.EvalReplicates, ModelConfig.ParseSampling(pr.GetValue(mc)!), pr.GetValue(seed) ?? cfg.Seed + 1000);
            if (pr.GetValue(coded))
            {
                var c = CodedEvaluator.Evaluate(loaded.Model, src, options);
                ReportCoded(pr.InvocationConfiguration.Output, pr.GetValue(json), cfg, c, path, ModelFile.Fingerprint(loaded.Model));
                return 0;
            }
            var result = Evaluator.Evaluate(loaded.Model, src, options);
            Report(pr.InvocationConfiguration.Output, pr.GetValue(json), cfg, result, loaded.State.Seconds, path, ModelFile.Fingerprint(loaded.Model));
            return 0;
        });
        return cmd;
    }

    /// <summary>The source a model is evaluated on; block sources carry their own dimension in their name.</summary>
    internal static VectorSource SourceFor(string name, ModelConfig cfg)
    {
        var src = name.StartsWith("block:", StringComparison.OrdinalIgnoreCase) ? SourceCatalog.Parse(name, null) : SourceCatalog.Parse(name, cfg.Dim);
        if (src.Dimension != cfg.Dim) throw new LtcException($"source '{name}' has dimension {src.Dimension}, but the model expects {cfg.Dim}");
        return src;
    }

    private static (CompressionModel Model, EvalResult Result, double Seconds) TrainOne(ModelConfig cfg, VectorSource source, string path,
        bool resume, int? checkpointEvery, TextWriter? progressWriter, EvalOptions eval)
    {
        using var view = progressWriter is null ? null : new TrainingView(progressWriter, $"{cfg.Model} {cfg.Lattice} λ={cfg.Lambda.ToString("R", Inv)}");
        var run = TrainingRun.Train(cfg, source, eval, path, resume, checkpointEvery, view);
        return (run.Model, run.Evaluation, run.TrainSeconds);
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
                _view.Complete();
                _ended = true;
            }
        }

        public void Dispose() => _view?.Complete();
    }

    private static void Report(TextWriter output, bool json, ModelConfig cfg, EvalResult r, double trainSeconds, string path, string fingerprint)
    {
        if (json)
        {
            CliOutput.WriteJson(output, ResultObject(cfg, r, trainSeconds, path, fingerprint));
            return;
        }
        output.WriteLine($"model        {path} ({cfg.Model}, {cfg.Lattice}, {cfg.Entropy}, {cfg.Proxy}, λ = {cfg.Lambda.ToString("R", Inv)}, fingerprint {fingerprint[..16]})");
        output.WriteLine($"source       {cfg.Source} (d = {cfg.Dim}), {r.TestVectors} test vectors");
        output.WriteLine($"rate         {r.Rate:F4} {r.RateUnit} ± {r.RateStderr:F4} (Monte Carlo) ± {r.RateSamplingStderr:F4} (test sample)");
        output.WriteLine($"distortion   MSE {r.DistortionMse:G6}, MAE {r.DistortionMae:G6} per coordinate");
        output.WriteLine($"SNR          {r.SnrDb:F3} dB (σ² = {r.Variance:G4})");
        if (r.GapToRdDb is double g) output.WriteLine($"gap to R(D)  {g:F3} dB");
        output.WriteLine($"time         training {trainSeconds:F1} s, evaluation {r.Seconds:F1} s");
    }

    private static void ReportCoded(TextWriter output, bool json, ModelConfig cfg, CodedEvalResult c, string path, string fingerprint)
    {
        var r = c.Estimated;
        if (json)
        {
            CliOutput.WriteJson(output, new
            {
                Estimate = ResultObject(cfg, r, 0, path, fingerprint),
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
        Report(output, false, cfg, r, 0, path, fingerprint);
        output.WriteLine($"file         {c.FileBytes} bytes for {r.TestVectors} test vectors: {c.FileRate:F4} {r.RateUnit} " +
            $"({c.DifferencePercent:+0.00;-0.00} % against the estimate; payload alone {c.PayloadRate:F4})");
        output.WriteLine($"decoded      SNR {c.DecodedSnrDb:F3} dB" + (c.DecodedGapToRdDb is double g ? $", gap to R(D) with file bits {g:F3} dB" : "") +
            $", {(c.Exact ? "bit-exact" : "NOT equal")} to the model's reconstruction; compress {c.CompressSeconds:F2} s, decompress {c.DecompressSeconds:F2} s");
    }

    private static object ResultObject(ModelConfig cfg, EvalResult r, double trainSeconds, string path, string? fingerprint) => new
    {
        Model = path,
        Fingerprint = fingerprint,
        Kind = cfg.Model,
        cfg.Source,
        Dimension = cfg.Dim,
        LatentDim = cfg.LatentDim,
        cfg.Lattice,
        cfg.Entropy,
        cfg.Proxy,
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

    private static void WriteCsv(string path, List<(ModelConfig Cfg, EvalResult Result, double Seconds, string Path)> rows)
    {
        var sb = new StringBuilder("rate_bits_per_sample,distortion_mse,snr_db,rate_stderr,gap_to_rd_db,lambda,model,lattice,entropy,proxy,train_seconds,rate_unit\n");
        foreach (var (c, r, s, _) in rows.OrderBy(x => x.Result.Rate))
            sb.Append(Inv, $"{r.Rate:R},{r.DistortionMse:R},{r.SnrDb:F4},{r.RateStderr:G4},{(r.GapToRdDb is double g ? g.ToString("F4", Inv) : "")},{c.Lambda:R},{c.Model},{c.Lattice},{c.Entropy},{c.Proxy},{s:F1},{r.RateUnit}\n");
        AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(sb.ToString()));
    }

    private static double[] ParseLambdas(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new LtcException("--lambdas: give at least one value, e.g. 0.5,1,2");
        return parts.Select(p => double.TryParse(p, NumberStyles.Float, Inv, out double v) && v > 0 && double.IsFinite(v)
            ? v : throw new LtcException($"--lambdas: '{p}' is not a positive number")).ToArray();
    }

    private static string Slug(string s) => new(s.Select(c => char.IsLetterOrDigit(c) ? c : c == '*' ? 's' : '_').ToArray());
}
