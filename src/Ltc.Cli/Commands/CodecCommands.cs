using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Ltc.Cli.Progress;
using Ltc.Codec;
using Ltc.Coding;
using Ltc.IO;
using Ltc.Torch;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc compress</c>, <c>ltc decompress</c> and <c>ltc fit-coder</c>: trained models as file codecs.</summary>
internal static class CodecCommands
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static Option<string> ModelOption() => new("--model", "-m") { Description = "Model file (.ltcm) with coding tables.", Required = true };

    private static Option<int> ThreadsOption() => new("--threads") { Description = "Threads for quantization and entropy coding (0: all cores); the file's bytes do not depend on it.", DefaultValueFactory = _ => 0 };

    private static Option<bool> JsonOption() => new("--json") { Description = "Print one JSON object on stdout and nothing else." };

    public static Command CreateCompress()
    {
        var model = ModelOption();
        var threads = ThreadsOption();
        var json = JsonOption();
        var chunkRows = new Option<int>("--chunk-rows") { Description = "Rows per chunk (0: about 2^20 values per chunk).", DefaultValueFactory = _ => 0 };
        var input = new Argument<string>("input") { Description = "Vectors to compress: .npy, float32 or float64, shape (count, d)." };
        var output = new Argument<string>("output") { Description = "Compressed file to write (.ltc)." };
        var cmd = new Command("compress", "Compress a .npy array of vectors with a trained model into a .ltc file.");
        foreach (var o in new Option[] { model, threads, chunkRows, json }) cmd.Options.Add(o);
        cmd.Arguments.Add(input);
        cmd.Arguments.Add(output);
        cmd.SetAction(pr =>
        {
            string inPath = pr.GetValue(input)!, outPath = pr.GetValue(output)!;
            CheckPaths(inPath, outPath, pr.GetValue(model)!);
            var codec = LoadCodec(pr.GetValue(model)!);
            using var reader = NpyMatrixReader.Open(inPath);
            FileCodec.CheckShape(codec, reader.Rows, reader.Columns);
            var options = new CodecOptions(pr.GetValue(threads), pr.GetValue(chunkRows));
            CodecReport report = null!;
            Run(pr, "compress", json, options, o => AtomicFile.Write(outPath, s => report = FileCodec.Compress(codec, reader, s, o)));
            report = report with { FileBytes = new FileInfo(outPath).Length };
            Print(pr, json, "compressed", inPath, outPath, report, options);
            return 0;
        });
        return cmd;
    }

    public static Command CreateDecompress()
    {
        var model = ModelOption();
        var threads = ThreadsOption();
        var json = JsonOption();
        var input = new Argument<string>("input") { Description = "Compressed file (.ltc) written by the same model." };
        var output = new Argument<string>("output") { Description = ".npy file to write (the input's element type and shape)." };
        var cmd = new Command("decompress", "Decompress a .ltc file with the model that wrote it into a .npy array.");
        foreach (var o in new Option[] { model, threads, json }) cmd.Options.Add(o);
        cmd.Arguments.Add(input);
        cmd.Arguments.Add(output);
        cmd.SetAction(pr =>
        {
            string inPath = pr.GetValue(input)!, outPath = pr.GetValue(output)!;
            CheckPaths(inPath, outPath, pr.GetValue(model)!);
            var codec = LoadCodec(pr.GetValue(model)!);
            using var reader = LtcReader.Open(inPath, codec.Fingerprint);
            var options = new CodecOptions(pr.GetValue(threads));
            CodecReport report = null!;
            Run(pr, "decompress", json, options, o => AtomicFile.Write(outPath, s => report = FileCodec.Decompress(codec, reader, s, o)));
            Print(pr, json, "decompressed", inPath, outPath, report, options);
            return 0;
        });
        return cmd;
    }

    public static Command CreateFitCoder()
    {
        var model = ModelOption();
        model.Description = "Model file (.ltcm) to fit coding tables for.";
        var samples = new Option<int>("--samples") { Description = "Training vectors the tables are fitted to.", DefaultValueFactory = _ => ModelCodec.DefaultFitSamples };
        var seed = new Option<int>("--seed") { Description = "Seed of the training draws.", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out", "-o") { Description = "Write the model with its tables here (default: replace --model)." };
        var json = JsonOption();
        var cmd = new Command("fit-coder", "Fit the coding tables of a trained model (ltc train does this itself) so it can compress files.");
        foreach (var o in new Option[] { model, samples, seed, output, json }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string path = pr.GetValue(model)!, outPath = pr.GetValue(output) ?? path;
            CheckOutputFolder(outPath);
            TorchSetup.Configure("cpu", 1);
            var loaded = ModelFile.Load(path);
            var source = ModelCommands.SourceFor(loaded.Model.Config.Source, loaded.Model.Config);
            var clock = Stopwatch.StartNew();
            var latent = ModelCodec.Fit(loaded.Model, source, pr.GetValue(samples), pr.GetValue(seed));
            ModelFile.Save(outPath, loaded.Model, loaded.State, loaded.OptimizerState);
            var fingerprint = ModelFile.Fingerprint(loaded.Model);
            if (pr.GetValue(json))
                CliOutput.WriteJson(pr.InvocationConfiguration.Output, new { Model = outPath, Fingerprint = fingerprint, Form = latent.Quantizer.Form.ToString(), Tables = latent.TableCount, Seconds = clock.Elapsed.TotalSeconds });
            else
                pr.InvocationConfiguration.Output.WriteLine($"{outPath}: {latent.TableCount} coding tables ({latent.Quantizer.Form}) fitted in {clock.Elapsed.TotalSeconds:F1} s, fingerprint {fingerprint[..16]}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Loads a model for coding; its transforms run on one torch thread so the file bytes do not depend on threads.</summary>
    private static ModelCodec LoadCodec(string path)
    {
        TorchSetup.Configure("cpu", 1);
        return new ModelCodec(ModelFile.Load(path).Model);
    }

    private static void Run(ParseResult pr, string title, Option<bool> json, CodecOptions options, Action<CodecOptions> work)
    {
        using var view = pr.GetValue(json) ? null : ProgressViews.Codec(pr.InvocationConfiguration.Error, title);
        work(options with { Progress = view });
        view?.Complete();
    }

    private static void Print(ParseResult pr, Option<bool> json, string verb, string inPath, string outPath, CodecReport r, CodecOptions options)
    {
        var o = pr.InvocationConfiguration.Output;
        if (pr.GetValue(json))
        {
            CliOutput.WriteJson(o, new
            {
                Input = inPath,
                Output = outPath,
                r.Vectors,
                r.Dimension,
                r.FileBytes,
                r.BitsPerVector,
                r.BitsPerSample,
                r.Seconds,
                r.TransformSeconds,
                VectorsPerSecond = r.Vectors / Math.Max(1e-9, r.Seconds),
                Threads = options.EffectiveThreads,
            });
            return;
        }
        o.WriteLine(string.Format(Inv, "{0} {1} vectors of dimension {2}: {3} → {4}, {5} bytes, {6:F4} bits/vector ({7:F4} bits/sample), {8:F2} s ({9:F0} vectors/s)",
            verb, r.Vectors, r.Dimension, inPath, outPath, r.FileBytes, r.BitsPerVector, r.BitsPerSample, r.Seconds, r.Vectors / Math.Max(1e-9, r.Seconds)));
    }

    /// <summary>Refuses an output that is one of the inputs, and a missing output folder, before any work.</summary>
    private static void CheckPaths(string input, string output, string model)
    {
        string full = Path.GetFullPath(output);
        if (full == Path.GetFullPath(input) || full == Path.GetFullPath(model)) throw new LtcException($"{output}: the output would overwrite an input");
        CheckOutputFolder(output);
    }

    private static void CheckOutputFolder(string output)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(output)) ?? ".";
        if (!Directory.Exists(dir)) throw new LtcException($"{output}: directory {dir} does not exist");
        if (Directory.Exists(output)) throw new LtcException($"{output}: is a directory");
    }
}
