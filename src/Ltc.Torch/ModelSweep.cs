using System.Globalization;
using System.Text;
using Ltc.IO;
using Ltc.Metrics;
using Ltc.Sources;

namespace Ltc.Torch;

/// <summary>One model of a sweep: its λ, configuration, data, evaluation and model file.</summary>
/// <param name="Lambda">λ in R + λ·D.</param>
/// <param name="Config">The model's configuration.</param>
/// <param name="Source">Its training and test data.</param>
/// <param name="Evaluation">The evaluation after training.</param>
/// <param name="Path">Its model file, in the sweep's folder (<see cref="ModelSweep.ModelFileName"/>).</param>
public sealed record SweepItem(double Lambda, ModelConfig Config, VectorSource Source, EvalOptions Evaluation, string Path)
{
    /// <summary>The convergence criterion (null: a fixed number of steps).</summary>
    public ConvergenceOptions? Convergence { get; init; }

    /// <summary>The held-out loss curve of a run trained until converged, beside its model file (<c>.curve.csv</c>).</summary>
    public string CurvePath => System.IO.Path.ChangeExtension(Path, ".curve.csv");
}

/// <summary>A finished model of a sweep.</summary>
/// <param name="Item">What was trained.</param>
/// <param name="Result">The trained model, its evaluation and training time.</param>
public sealed record SweepEntry(SweepItem Item, TrainingRunResult Result);

/// <summary>A row of the <c>results.csv</c> of an earlier sweep into the same folder, kept by a new sweep.</summary>
/// <param name="Lambda">Its λ (none of the new sweep's).</param>
/// <param name="Rate">Its rate (the first column), by which the rows are sorted.</param>
/// <param name="Row">The row as it was, without its line end.</param>
public sealed record EarlierResult(double Lambda, double Rate, string Row);

/// <summary>A sweep checked and ready to run: one model per λ, all written to <see cref="Folder"/>.</summary>
/// <param name="Folder">The folder of the model files and of <see cref="ResultsPath"/>.</param>
/// <param name="Items">The models, in the order of the λ values.</param>
public sealed record SweepPlan(string Folder, IReadOnlyList<SweepItem> Items)
{
    /// <summary>A trained model the first λ starts from (and, without <see cref="WarmStart"/>, every λ); null: a random
    /// initialization. See <see cref="TrainingRun.Train"/>'s <c>initFrom</c>; <see cref="ModelSweep.Plan"/> checks it
    /// against every model.</summary>
    public CompressionModel? InitFrom { get; init; }

    /// <summary>Each λ after the first starts from the finished model of the λ before it (in the order given, e.g.
    /// 64,32,16,8 from large to small rate), the first from <see cref="InitFrom"/> or a random initialization.</summary>
    public bool WarmStart { get; init; }

    /// <summary>The model the next item starts from, given the models finished before it.</summary>
    internal CompressionModel? NextStart(IReadOnlyList<SweepEntry> finished) =>
        WarmStart && finished.Count > 0 ? finished[^1].Result.Model : InitFrom;

    /// <summary>The results file, <c>results.csv</c> in <see cref="Folder"/>.</summary>
    public string ResultsPath => System.IO.Path.Combine(Folder, "results.csv");

    /// <summary>Rows of the folder's <c>results.csv</c> whose λ this sweep does not train and whose model file is
    /// still there, finished and intact, with this sweep's settings but λ (the same <see cref="ModelConfig"/>, seed
    /// included, and convergence criterion; the warm start and the evaluation options are not compared):
    /// <c>results.csv</c> keeps them, so that a curve can be swept in parts.</summary>
    public IReadOnlyList<EarlierResult> Kept { get; init; } = [];

    /// <summary>The rows of the folder's <c>results.csv</c> that this sweep neither trains again nor keeps, each
    /// named with its λ and why (<c>λ = 4 (no ltc-E8-lambda4.ltcm)</c>): the new <c>results.csv</c> leaves them out.</summary>
    public IReadOnlyList<string> Dropped { get; init; } = [];

    /// <summary>Rows of the folder's <c>results.csv</c> whose λ this sweep trains again: replaced as each model
    /// finishes; if the sweep is interrupted, those whose model file it has not yet touched stay.</summary>
    public IReadOnlyList<EarlierResult> Replaced { get; init; } = [];
}

/// <summary>
/// A rate-distortion sweep: one model per trade-off λ of the same spec, each saved in its own model file, and their
/// evaluations in <c>results.csv</c> (one RD point per model, sorted by rate; readable by <see cref="RdCsv.Read"/>).
/// What <c>ltc sweep</c> runs.
/// </summary>
public static class ModelSweep
{
    /// <summary>Largest λ accepted.</summary>
    public const double MaxLambda = 1e12;

    /// <summary>Most λ values in one sweep.</summary>
    public const int MaxLambdas = 1000;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The columns of <c>results.csv</c>, in order. <c>rate_bits_per_sample</c> is the estimated rate in
    /// <c>rate_unit</c>; <c>payload_rate</c> the bits of a real <c>.ltc</c> file of the same test vectors in that unit
    /// (<see cref="EvalResult.PayloadRate"/>).</summary>
    public const string CsvHeader = RdCsv.RateColumn + "," + RdCsv.DistortionColumn +
        ",snr_db,rate_stderr,gap_to_rd_db,lambda,model,lattice,entropy,proxy,train_seconds,rate_unit,steps,converged,weights_step,payload_rate";

    /// <summary>Parses comma-separated λ values (<c>0.5,1,2</c>): positive, at most <see cref="MaxLambda"/>, distinct, at most <see cref="MaxLambdas"/>.</summary>
    /// <exception cref="LtcException">No value, too many, one that is not a number in range, or one given twice.</exception>
    public static double[] ParseLambdas(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new LtcException("--lambdas: give at least one value, e.g. 0.5,1,2");
        if (parts.Length > MaxLambdas) throw new LtcException($"--lambdas: {parts.Length} values; at most {MaxLambdas}");
        var values = parts.Select(p => double.TryParse(p, NumberStyles.Float, Inv, out double v) && v > 0 && v <= MaxLambda
            ? v : throw new LtcException($"--lambdas: '{p}' is not a positive number (at most {MaxLambda:G})")).ToArray();
        var twice = values.GroupBy(v => v).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new LtcException($"--lambdas: {twice.Key.ToString("R", Inv)} is given twice");
        return values;
    }

    /// <summary>Checks that <paramref name="folder"/> can be a sweep's folder (it need not exist yet).</summary>
    /// <exception cref="LtcException">An empty path, or a path that is a file.</exception>
    public static void CheckFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (folder.Length == 0) throw new LtcException("--out-dir is empty");
        if (File.Exists(folder)) throw new LtcException($"{folder}: is a file, not a folder");
    }

    /// <summary>The model file of a configuration in a sweep: <c>kind-lattice-lambdaλ.ltcm</c>, the lattice's name with
    /// <c>*</c> as <c>s</c> and other characters that are not letters or digits as <c>_</c>.</summary>
    public static string ModelFileName(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        string lattice = new(config.Lattice.Name.Select(c => char.IsLetterOrDigit(c) ? c : c == '*' ? 's' : '_').ToArray());
        return $"{config.Model.Name()}-{lattice}-lambda{config.Lambda.ToString("R", Inv)}.ltcm";
    }

    /// <summary>
    /// Resolves <paramref name="spec"/> for every λ (<see cref="ModelSpec.Build"/>), so that every model is checked
    /// before anything is trained or written.
    /// </summary>
    /// <param name="spec">The models' spec.</param>
    /// <param name="lambdas">One model per λ, trained in this order.</param>
    /// <param name="folder">The sweep's folder.</param>
    /// <param name="initFrom">See <see cref="SweepPlan.InitFrom"/>.</param>
    /// <param name="warmStart">See <see cref="SweepPlan.WarmStart"/>.</param>
    /// <exception cref="LtcException">A bad folder (<see cref="CheckFolder"/>), a spec that does not build, an
    /// <paramref name="initFrom"/> that is not the same model (<see cref="TrainingRun.CheckWarmStart"/>), or a
    /// <c>results.csv</c> in the folder that cannot be read or is larger than 16 MiB.</exception>
    public static SweepPlan Plan(ModelSpec spec, IReadOnlyList<double> lambdas, string folder, CompressionModel? initFrom = null, bool warmStart = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(lambdas);
        CheckFolder(folder);
        var plan = new SweepPlan(folder, [.. lambdas.Select(l =>
        {
            var setup = spec.Build(l);
            return new SweepItem(l, setup.Config, setup.Source, setup.Evaluation, System.IO.Path.Combine(folder, ModelFileName(setup.Config)))
            {
                Convergence = setup.Convergence,
            };
        })]) { InitFrom = initFrom, WarmStart = warmStart };
        if (initFrom is not null) foreach (var item in plan.Items) TrainingRun.CheckWarmStart(initFrom, item.Config);
        var (kept, dropped, replaced) = EarlierResults(plan);
        return plan with { Kept = kept, Dropped = dropped, Replaced = replaced };
    }

    // The rows of an earlier results.csv in the folder that the new one keeps (SweepPlan.Kept), drops and replaces.
    private static (List<EarlierResult> Kept, List<string> Dropped, List<EarlierResult> Replaced) EarlierResults(SweepPlan plan)
    {
        List<EarlierResult> kept = [], replaced = [];
        List<string> dropped = [];
        if (!AtomicFile.IsRegularFile(plan.ResultsPath)) return (kept, dropped, replaced);
        var lines = BoundedText.Read(plan.ResultsPath, 1 << 24, "larger than 16 MiB, too long for a results.csv").Split('\n')
            .Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0) return (kept, dropped, replaced);
        if (lines[0] != CsvHeader)
        {
            if (lines.Count > 1) dropped.Add($"{lines.Count - 1} row{(lines.Count == 2 ? "" : "s")} (not the columns of this version's results.csv)");
            return (kept, dropped, replaced);
        }
        var first = plan.Items[0];
        var seen = new HashSet<double>();
        foreach (var row in lines.Skip(1))
        {
            // Rate and λ come before the only field that may be quoted (the lattice's name).
            var f = row.Split(',', 7);
            if (f.Length < 7 || !double.TryParse(f[0], NumberStyles.Float, Inv, out double rate) || !double.IsFinite(rate) || rate < 0 ||
                !double.TryParse(f[5], NumberStyles.Float, Inv, out double lambda) || !(lambda > 0 && lambda <= MaxLambda))
            {
                dropped.Add("a malformed row");
                continue;
            }
            string name = $"λ = {lambda.ToString("R", Inv)}";
            if (!seen.Add(lambda)) dropped.Add($"{name} (a second row of it)");
            else if (plan.Items.Any(i => i.Lambda == lambda)) replaced.Add(new EarlierResult(lambda, rate, row));
            else if (Unlike(plan.Folder, first, lambda) is string why) dropped.Add($"{name} ({why})");
            else kept.Add(new EarlierResult(lambda, rate, row));
        }
        return (kept, dropped, replaced);
    }

    // Why the folder's model of λ is not one of this sweep's curve (null: it is: finished, intact, with the settings of
    // the sweep's models but λ and the same convergence criterion).
    private static string? Unlike(string folder, SweepItem item, double lambda)
    {
        var config = item.Config with { Lambda = lambda };
        string file = ModelFileName(config);
        string path = System.IO.Path.Combine(folder, file);
        if (!File.Exists(path)) return $"no {file}";
        if (ModelFile.TryReadSettings(path) is not { } saved) return $"{file} is not a readable model file";
        if (saved.State.Unfinished) return $"{file} is an unfinished checkpoint";
        if (saved.Config != config) return $"{file} differs: {TrainingRun.Differences(saved.Config, config, "this sweep")}";
        if (saved.State.Convergence?.Options != item.Convergence)
            return $"{file} was trained with {TrainingRun.Describe(saved.State.Convergence?.Options)}, this sweep with {TrainingRun.Describe(item.Convergence)}";
        return null;
    }

    /// <summary>
    /// Trains the models of <paramref name="plan"/> one after another (<see cref="TrainingRun.Train"/>, fresh runs, warm
    /// started as the plan says) and rewrites <c>results.csv</c> after each, with the plan's kept rows of an earlier
    /// sweep (<see cref="SweepPlan.Kept"/>). All or none: if a model fails (or
    /// <paramref name="accept"/> throws), every file is put back as it was and a folder created for the sweep is
    /// removed. When <paramref name="cancel"/> fires, the finished models, <c>results.csv</c> and the current model's
    /// checkpoint (marked unfinished) are kept, and a <see cref="TrainingInterruptedException"/> says what they are.
    /// </summary>
    /// <param name="plan">The models (<see cref="Plan"/>).</param>
    /// <param name="inputs">Files no output may replace (the source's data, a <c>G:</c> generator); checked with
    /// <see cref="AtomicFile.CheckOutput"/> before anything is trained.</param>
    /// <param name="progress">Gives each model's progress receiver (or null); one that is <see cref="IDisposable"/> is
    /// disposed when its model's training ends.</param>
    /// <param name="finished">Called after each model, once <c>results.csv</c> has it.</param>
    /// <param name="accept">Called with every entry before the files are kept; an exception from it undoes the sweep.</param>
    /// <param name="cancel">Observed as in <see cref="TrainingRun.Train"/>.</param>
    /// <returns>The finished models, in the order of the plan.</returns>
    /// <exception cref="LtcException">A folder that cannot be created, an output that would replace an input, or a
    /// model that fails (after the first, the message names its λ and says that the sweep wrote nothing).</exception>
    /// <exception cref="TrainingInterruptedException"><paramref name="cancel"/> fired.</exception>
    public static IReadOnlyList<SweepEntry> Run(SweepPlan plan, IEnumerable<string> inputs, Func<SweepItem, IProgress<TrainingProgress>?>? progress = null,
        Action<SweepEntry>? finished = null, Action<IReadOnlyList<SweepEntry>>? accept = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        string[] protectedInputs = [.. inputs];
        string dir = plan.Folder, csv = plan.ResultsPath;
        bool created = !Directory.Exists(dir);
        if (created)
        {
            try { Directory.CreateDirectory(dir); }
            catch (UnauthorizedAccessException) { throw new LtcException($"{dir}: cannot create the folder (permission denied)"); }
            catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new LtcException($"{dir}: cannot create the folder (its parent takes no new folders)");
            }
            catch (IOException e) { throw new LtcException($"{dir}: cannot create the folder ({e.Message})"); }
        }
        var restores = new List<FileRestorePoint>();
        var restoreOf = new Dictionary<string, FileRestorePoint>();
        var entries = new List<SweepEntry>();
        bool done = false;
        try
        {
            var outputs = plan.Items.SelectMany(r => r.Convergence is null ? [r.Path] : new[] { r.Path, r.CurvePath });
            foreach (var path in outputs.Append(csv))
            {
                AtomicFile.CheckOutput(path, protectedInputs);
                restores.Add(new FileRestorePoint(path));
                restoreOf[path] = restores[^1];
            }
            foreach (var item in plan.Items)
            {
                TrainingRunResult run;
                var view = progress?.Invoke(item);
                try
                {
                    run = TrainingRun.Train(item.Config, item.Source, item.Evaluation, item.Path, progress: view, cancel: cancel, convergence: item.Convergence,
                        initFrom: plan.NextStart(entries));
                }
                catch (LtcException e) when (entries.Count > 0)
                {
                    throw new LtcException($"λ = {item.Lambda.ToString("R", Inv)}: {e.Message}; the sweep wrote nothing (its {entries.Count} finished model{(entries.Count == 1 ? " was" : "s were")} removed)");
                }
                finally
                {
                    (view as IDisposable)?.Dispose();
                }
                if (run.State.Convergence is { } curve) AtomicFile.WriteAllText(item.CurvePath, curve.ToCsv());
                var entry = new SweepEntry(item, run);
                entries.Add(entry);
                WriteCsv(csv, entries, plan.Kept); // after every model, so an interrupted sweep keeps what it has
                finished?.Invoke(entry);
            }
            accept?.Invoke(entries);
            done = true;
        }
        catch (OperationCanceledException e) when (cancel.IsCancellationRequested)
        {
            // The earlier rows of λ not finished stay while their model file is untouched; a checkpoint has replaced the others.
            var untouched = plan.Replaced.Where(r => plan.Items.Skip(entries.Count).Any(i => i.Lambda == r.Lambda && !restoreOf[i.Path].Changed)).ToList();
            if (entries.Count > 0 || plan.Replaced.Count > untouched.Count) WriteCsv(csv, entries, [.. plan.Kept, .. untouched]);
            int count = entries.Count;
            string? current = count < plan.Items.Count ? plan.Items[count].Path : null;
            // An earlier sweep's model there is not this run's checkpoint.
            bool written = current is not null && restoreOf[current].Changed;
            foreach (var r in restores) r.Keep();
            throw new TrainingInterruptedException(current, written && current is not null ? ModelFile.TryReadState(current) : null, count, e);
        }
        finally
        {
            if (done) foreach (var r in restores) r.Keep();
            else
            {
                // All or none: put every output back as it was.
                foreach (var r in Enumerable.Reverse(restores)) r.Dispose();
                if (created) TryRemoveEmptyFolder(dir); // also when interrupted before anything was written
            }
        }
        return entries;
    }

    /// <summary>The text of <c>results.csv</c>: <see cref="CsvHeader"/>, then one row per entry and per kept row of
    /// an earlier sweep (<see cref="SweepPlan.Kept"/>), in order of rate.</summary>
    public static string FormatCsv(IEnumerable<SweepEntry> entries, IEnumerable<EarlierResult>? kept = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var rows = entries.Select(e => (e.Result.Evaluation.Rate, Row: FormatRow(e))).Concat((kept ?? []).Select(k => (k.Rate, k.Row)));
        var sb = new StringBuilder(CsvHeader).Append('\n');
        foreach (var (_, row) in rows.OrderBy(x => x.Rate)) sb.Append(row).Append('\n');
        return sb.ToString();
    }

    private static string FormatRow(SweepEntry e)
    {
        var (c, r, s) = (e.Item.Config, e.Result.Evaluation, e.Result.TrainSeconds);
        return string.Create(Inv, $"{r.Rate:R},{r.DistortionMse:R},{r.SnrDb:F4},{r.RateStderr:G4},{(r.GapToRdDb is double g ? g.ToString("F4", Inv) : "")},{c.Lambda:R},{c.Model.Name()},{CsvField(c.Lattice.Name)},{c.Entropy.Name()},{c.Proxy.Name()},{s:F1},{r.RateUnit},{e.Result.State.Step},{Optional(e.Result.State.Convergence?.Converged)},{Optional(e.Result.State.WeightsStep)},{(r.PayloadRate is double p ? p.ToString("R", Inv) : "")}");
    }

    /// <summary>Writes <see cref="FormatCsv"/> of <paramref name="entries"/> and <paramref name="kept"/> to
    /// <paramref name="path"/> atomically.</summary>
    public static void WriteCsv(string path, IEnumerable<SweepEntry> entries, IEnumerable<EarlierResult>? kept = null) =>
        AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(FormatCsv(entries, kept)));

    // An empty field where a run has no such fact (a fixed number of steps: no convergence, last weights).
    private static string Optional(bool? value) => value is bool b ? (b ? "true" : "false") : "";
    private static string Optional(int? value) => value is int v ? v.ToString(Inv) : "";

    private static string CsvField(string field) => field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : $"\"{field.Replace("\"", "\"\"")}\"";

    private static void TryRemoveEmptyFolder(string dir)
    {
        try
        {
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
