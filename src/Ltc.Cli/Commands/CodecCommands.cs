using System.CommandLine;
using System.Globalization;
using Ltc.Cli.Progress;
using Ltc.Codec;
using Ltc.Coding;
using Ltc.IO;
using Ltc.Torch;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc compress</c>, <c>ltc decompress</c> and <c>ltc fit-coder</c> (FitCoderCommand.cs): trained models as file codecs.</summary>
internal static partial class CodecCommands
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static Option<string> ModelOption() => new("--model", "-m") { Description = "Model file (.ltcm) with coding tables.", Required = true };

    private static Option<int> ThreadsOption() => new Option<int>("--threads") { Description = "Threads for quantization and entropy coding (0: one per core, the default; at most 1024); the file's bytes do not depend on it. Torch runs on one thread.", DefaultValueFactory = _ => 0 }.Range(0, 1024);

    private static Option<bool> JsonOption() => new("--json") { Description = "Print one JSON object on stdout and nothing else (on stderr when the data itself goes to standard output)." };

    public static Command CreateCompress()
    {
        var model = ModelOption();
        var threads = ThreadsOption();
        var json = JsonOption();
        var chunkRows = new Option<int>("--chunk-rows") { Description = $"Rows per chunk (0: about 2^20 values per chunk; at most {CodecOptions.MaxChunkRows}).", DefaultValueFactory = _ => 0 }.Range(0, CodecOptions.MaxChunkRows);
        var input = new Argument<string>("input") { Description = "Vectors to compress: .npy, float32 or float64, shape (count, d); - (or a pipe such as /dev/stdin) reads standard input." };
        var output = new Argument<string>("output") { Description = "Compressed file to write (.ltc); - (or a device or FIFO such as /dev/stdout) is written straight into, and the report then goes to stderr." };
        var cmd = new Command("compress", "Compress a .npy array of vectors with a trained model into a .ltc file (nothing is written if it fails).");
        foreach (var o in new Option[] { model, threads, chunkRows, json }) cmd.Options.Add(o);
        cmd.Arguments.Add(input);
        cmd.Arguments.Add(output);
        cmd.SetAction(pr =>
        {
            string inPath = CliOptions.StandardStream(pr.GetValue(input)!, write: false), outPath = CliOptions.StandardStream(pr.GetValue(output)!, write: true), modelPath = pr.GetValue(model)!;
            AtomicFile.CheckInput(inPath);
            AtomicFile.CheckOutput(outPath, inPath, modelPath);
            var codec = LoadCodec(modelPath);
            using var reader = NpyMatrixReader.Open(inPath);
            FileCodec.CheckShape(codec, reader.Rows, reader.Columns, inPath);
            var options = new CodecOptions(pr.GetValue(threads), pr.GetValue(chunkRows));
            return Code(pr, json, "compress", inPath, outPath, options, (s, o) => FileCodec.Compress(codec, reader, s, o) with { FileBytes = s.Length });
        });
        return cmd;
    }

    public static Command CreateDecompress()
    {
        var model = ModelOption();
        var threads = ThreadsOption();
        var json = JsonOption();
        var input = new Argument<string>("input") { Description = "Compressed file (.ltc) written by the same model; - (or a pipe such as /dev/stdin) reads standard input." };
        var output = new Argument<string>("output") { Description = ".npy file to write (the input's element type and shape); - (or a device or FIFO such as /dev/stdout) is written straight into, and the report then goes to stderr." };
        var cmd = new Command("decompress", "Decompress a .ltc file with the model that wrote it into a .npy array (nothing is written if it fails).");
        foreach (var o in new Option[] { model, threads, json }) cmd.Options.Add(o);
        cmd.Arguments.Add(input);
        cmd.Arguments.Add(output);
        cmd.SetAction(pr =>
        {
            string inPath = CliOptions.StandardStream(pr.GetValue(input)!, write: false), outPath = CliOptions.StandardStream(pr.GetValue(output)!, write: true), modelPath = pr.GetValue(model)!;
            AtomicFile.CheckInput(inPath);
            AtomicFile.CheckOutput(outPath, inPath, modelPath);
            var codec = LoadCodec(modelPath);
            // Files written by earlier builds record the model's legacy fingerprint (docs/file-format.md).
            using var reader = LtcReader.Open(inPath, codec.AcceptedFingerprints);
            var options = new CodecOptions(pr.GetValue(threads));
            return Code(pr, json, "decompress", inPath, outPath, options, (s, o) => FileCodec.Decompress(codec, reader, s, o));
        });
        return cmd;
    }

    /// <summary>Loads a model for coding; its transforms run on one torch thread so the file bytes do not depend on threads.</summary>
    private static ModelCodec LoadCodec(string path)
    {
        TorchSetup.Configure("cpu", 1);
        var loaded = ModelFile.Load(path);
        loaded.RequireCodingTables(path);
        var codec = new ModelCodec(loaded);
        if (loaded.UnfinishedWarning(path) is string warning) LtcApp.Warn(warning);
        return codec;
    }

    /// <summary>
    /// Compress or decompress (<paramref name="verb"/>) into <paramref name="outPath"/> with a progress view: the output
    /// is written atomically and the report rendered before it is committed, so a report that cannot be printed leaves
    /// nothing written; then the report is printed.
    /// </summary>
    private static int Code(ParseResult pr, Option<bool> json, string verb, string inPath, string outPath, CodecOptions options,
        Func<Stream, CodecOptions, CodecReport> work)
    {
        string text = "";
        using (var outputs = new AtomicFileSet())
        using (var view = pr.GetValue(json) ? null : ProgressViews.Codec(pr.InvocationConfiguration.Error, verb))
        {
            CodecReport report = null!;
            outputs.Write(outPath, s => report = work(s, options with { Progress = view }));
            view?.Complete();
            text = Render(pr, json, verb + "ed", inPath, outPath, report, options);
            outputs.Commit();
        }
        CliOptions.ReportWriter(pr, outPath).Write(text);
        return 0;
    }

    private static string Render(ParseResult pr, Option<bool> json, string verb, string inPath, string outPath, CodecReport r, CodecOptions options)
    {
        if (pr.GetValue(json))
        {
            return CliOutput.ToJson(new
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
            }) + Environment.NewLine;
        }
        return string.Format(Inv, "{0} {1} vectors of dimension {2}: {3} → {4}, {5} bytes, {6:F4} bits/vector ({7:F4} bits/sample), {8:F2} s ({9:F0} vectors/s)",
            verb, r.Vectors, r.Dimension, CliOutput.Escape(inPath), CliOutput.Escape(outPath), r.FileBytes, r.BitsPerVector, r.BitsPerSample, r.Seconds,
            r.Vectors / Math.Max(1e-9, r.Seconds)) + Environment.NewLine;
    }
}
