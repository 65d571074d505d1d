using System.CommandLine;
using Ltc.IO;
using Ltc.Sources;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc data export</c>: the prepared data of any source as float32 .npy, for inspection and other tools.</summary>
internal static class DataCommands
{
    public static Command Create()
    {
        var data = new Command("data", "Prepared data of the sources.");
        var source = new Option<string>("--source", "-s") { Description = $"Source: {SourceCatalog.Help}.", Required = true };
        var dim = new Option<int?>("--dim", "-d") { Description = "Length of an i.i.d. sequence (data sets know their dimension)." };
        var split = new Option<string>("--split") { Description = "train or test.", DefaultValueFactory = _ => "test" };
        var count = new Option<int>("--count", "-n") { Description = "Vectors drawn from a synthetic source (data sets export their whole split).", DefaultValueFactory = _ => 10000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the draws from a synthetic source.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out", "-o") { Description = "Output .npy file (float32, shape (count, dim)).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout and nothing else." };
        var export = new Command("export", "Write a source's prepared vectors (after splitting and normalization) as float32 .npy.");
        foreach (var o in new Option[] { source, dim, split, count, seed, output, json }) export.Options.Add(o);
        export.SetAction(pr =>
        {
            var src = SourceCatalog.Parse(pr.GetValue(source)!, pr.GetValue(dim));
            var which = pr.GetValue(split)!.ToLowerInvariant() switch
            {
                "train" => SourceSplit.Train,
                "test" => SourceSplit.Test,
                var s => throw new LtcException($"unknown split '{s}' (expected train or test)"),
            };
            int n = pr.GetValue(count);
            if (src.IsSynthetic && (n < 1 || (long)n * src.Dimension > 1L << 28))
                throw new LtcException($"--count must be between 1 and {(1L << 28) / src.Dimension} for dimension {src.Dimension}, got {n}");
            var rows = src.Sample(which, n, pr.GetValue(seed));
            var f = new float[rows.Length];
            for (int i = 0; i < f.Length; i++) f[i] = (float)rows[i];
            string path = pr.GetValue(output)!;
            long count64 = rows.Length / src.Dimension;
            Npy.Write(path, f, count64, src.Dimension);
            var o = pr.InvocationConfiguration.Output;
            double variance = src.Variance(which);
            if (pr.GetValue(json))
                CliOutput.WriteJson(o, new { Source = src.Name, Split = which.ToString().ToLowerInvariant(), Rows = count64, Dimension = src.Dimension, Variance = variance, Out = path });
            else
                o.WriteLine($"wrote {count64} × {src.Dimension} float32 ({src.Name}, {which.ToString().ToLowerInvariant()} split, per-coordinate variance {variance:G5}) to {path}");
            return 0;
        });
        data.Subcommands.Add(export);
        return data;
    }
}
