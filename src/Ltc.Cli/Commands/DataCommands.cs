using System.CommandLine;
using Ltc.IO;
using Ltc.Sources;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc data export</c>: the prepared data of any source as float32 .npy, for inspection and other tools.</summary>
internal static class DataCommands
{
    /// <summary>The most values (vectors × dimension) one export draws from a synthetic source: 1 GiB of float32.</summary>
    internal const long MaxValues = 1L << 28;

    public static Command Create()
    {
        var data = new Command("data", "Prepared data of the sources.");
        var source = new Option<string>("--source", "-s") { Description = $"Source: {SourceCatalog.Help}.", Required = true };
        var dim = new Option<int?>("--dim", "-d") { Description = "Length of an i.i.d. sequence, 1 to 4096 (default 1; data sets know their dimension)." };
        var split = new Option<string>("--split") { Description = "train or test.", DefaultValueFactory = _ => "test" };
        var count = new Option<int>("--count") { Description = $"Vectors drawn from a synthetic source, 1 to {MaxValues:N0} / dim (data sets export their whole split).", DefaultValueFactory = _ => 10000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the draws from a synthetic source.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out", "-o") { Description = "Output .npy file (float32, shape (count, dim)); it may not be one of the source's input files; - writes standard output (the report then goes to stderr).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout and nothing else (on stderr when the data itself goes to standard output)." };
        var export = new Command("export", "Write a source's prepared vectors (after splitting and normalization) as float32 .npy. "
            + "Files of the source that cannot be read (e.g. a recording that is not 16-bit mono) are skipped and named on stderr.");
        foreach (var o in new Option[] { source, dim, split, count, seed, output, json }) export.Options.Add(o);
        export.SetAction(pr =>
        {
            // Every option is checked, and the output compared with the inputs, before any data is read.
            string spec = pr.GetValue(source)!;
            string path = CliOptions.StandardStream(pr.GetValue(output)!, write: true);
            if (string.IsNullOrWhiteSpace(path)) throw new LtcException("--out must name a file");
            if (Directory.Exists(path)) throw new LtcException($"--out {path} is a directory");
            int n = pr.GetValue(count);
            if (n < 1 || n > MaxValues) throw new LtcException($"--count must be between 1 and {MaxValues}, got {n}");
            int? d = pr.GetValue(dim);
            if (d is < 1 or > 4096) throw new LtcException($"--dim must be between 1 and 4096, got {d}");
            var which = pr.GetValue(split)!.ToLowerInvariant() switch
            {
                "train" => SourceSplit.Train,
                "test" => SourceSplit.Test,
                var s => throw new LtcException($"unknown split '{s}' (expected train or test)"),
            };
            SourceCatalog.CheckOutput(spec, path);

            var src = SourceCatalog.Parse(spec, d);
            AtomicFile.CheckOutput(path, [.. src.InputFiles]);
            foreach (var w in src.Warnings) LtcApp.Warn(w);
            if (src.IsSynthetic && (long)n * src.Dimension > MaxValues)
                throw new LtcException($"--count must be between 1 and {MaxValues / src.Dimension} for dimension {src.Dimension}, got {n}");
            var rows = src.Sample(which, n, pr.GetValue(seed));
            var f = new float[rows.Length];
            for (int i = 0; i < f.Length; i++) f[i] = (float)rows[i];
            long count64 = rows.Length / src.Dimension;
            double variance = src.Variance(which);
            Npy.Write(path, f, count64, src.Dimension);
            var o = CliOptions.ReportWriter(pr, path);
            if (pr.GetValue(json))
                CliOutput.WriteJson(o, new { Source = src.Name, Split = which.ToString().ToLowerInvariant(), Rows = count64, Dimension = src.Dimension, Variance = double.IsFinite(variance) ? variance : (double?)null, Out = path });
            else
                o.WriteLine($"wrote {count64} × {src.Dimension} float32 ({src.Name}, {which.ToString().ToLowerInvariant()} split, per-coordinate variance {variance:G5}) to {path}");
            return 0;
        });
        data.Subcommands.Add(export);
        return data;
    }
}
