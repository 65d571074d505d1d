using System.Text.Json;
using Ltc.Cli;
using Ltc.Codec;
using Ltc.IO;

using Ltc.Torch;
using Ltc.Torch.Tests;

namespace Ltc.Cli.Tests.Models;

[Collection("torch-serial")]
public class CodecCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-codec-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Run(params string[] args) => LtcApp.RunCaptured(args);

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>A tiny untrained LTC model with A2 (torch seed <paramref name="seed"/>), saved with or without coding tables.</summary>
    private string SaveModel(string name, bool tables = true, int seed = 7)
    {
        var cfg = CodecTestSupport.Config("ltc", "A2", 2, "flow", seed: seed);
        var model = tables ? CodecTestSupport.NewFittedModel(cfg, 3000) : TorchTestSupport.NewModel(cfg);
        string path = P(name);
        ModelFile.Save(path, model);
        return path;
    }

    private static ModelCodec Load(string model) => new(ModelFile.Load(model).Model);

    private string[] Listing() => Directory.GetFileSystemEntries(_dir).Select(e => Path.GetFileName(e)).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void CompressAndDecompressPrintTheDocumentedJsonAndDecodeExactly()
    {
        string model = SaveModel("m.ltcm"), input = P("in.npy"), ltc = P("x.ltc"), output = P("out.npy");
        const int count = 700;
        var x = CodecTestSupport.Gaussian(count, 2, 3, seed: 3);
        Npy.Write(input, x, count, 2);

        var (code, stdout, stderr) = Run("compress", "--model", model, input, ltc, "--chunk-rows", "100", "--threads", "2", "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal("", stderr);
        long fileBytes = new FileInfo(ltc).Length;
        using (var doc = JsonDocument.Parse(stdout))
        {
            var root = doc.RootElement;
            foreach (var field in new[] { "vectors", "file_bytes", "bits_per_vector", "bits_per_sample", "seconds" })
                Assert.True(root.TryGetProperty(field, out _), $"missing {field}");
            Assert.Equal(count, root.GetProperty("vectors").GetInt64());
            Assert.Equal(fileBytes, root.GetProperty("file_bytes").GetInt64());
            Assert.Equal(8.0 * fileBytes / count, root.GetProperty("bits_per_vector").GetDouble(), 9);
            Assert.Equal(8.0 * fileBytes / count / 2, root.GetProperty("bits_per_sample").GetDouble(), 9);
            Assert.True(root.GetProperty("seconds").GetDouble() >= 0);
        }
        var codec = Load(model);
        // The command writes what the library writes for the same chunking.
        Assert.Equal(FileCodec.Compress(codec, x, new CodecOptions(Threads: 1, ChunkRows: 100)), File.ReadAllBytes(ltc));

        (code, stdout, stderr) = Run("decompress", "--model", model, ltc, output, "--threads", "2", "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal("", stderr);
        using (var doc = JsonDocument.Parse(stdout))
        {
            Assert.Equal(count, doc.RootElement.GetProperty("vectors").GetInt64());
            Assert.Equal(fileBytes, doc.RootElement.GetProperty("file_bytes").GetInt64());
        }
        var back = Npy.Read(output);
        Assert.Equal(NpyType.Float64, back.Type);
        Assert.Equal(new long[] { count, 2 }, back.Shape);
        CodecTestSupport.AssertSameBits(FileCodec.Reconstruct(codec, x, 100), back.Data, "decompressed");
        Assert.Equal(new[] { "in.npy", "m.ltcm", "out.npy", "x.ltc" }, Listing());

        // Plain output: one summary line on stdout.
        (code, stdout, stderr) = Run("compress", "--model", model, input, P("y.ltc"));
        Assert.True(code == 0, stderr);
        Assert.Single(stdout.TrimEnd().Split('\n'));
        Assert.Contains($"compressed {count} vectors", stdout);
        Assert.Equal(codec.Fingerprint.ToArray(), Ltc.Coding.LtcFile.Read(P("y.ltc")).Header.ModelFingerprint);
    }

    [Fact]
    public async Task DashReadsStandardInputAndWritesStandardOutput()
    {
        // `ltc compress -m m.ltcm - - < in.npy | ltc decompress -m m.ltcm - - > out.npy` gives the files' bytes.
        string model = SaveModel("m.ltcm"), input = P("in.npy");
        const int count = 300;
        Npy.Write(input, CodecTestSupport.Gaussian(count, 2, 3, seed: 5), count, 2);
        Assert.Equal(0, Run("compress", "--model", model, input, P("x.ltc")).Code);
        Assert.Equal(0, Run("decompress", "--model", model, P("x.ltc"), P("out.npy")).Code);

        var (code, ltc, err) = await LtcProcess.RunAsync(File.ReadAllBytes(input), "compress", "--model", model, "-", "-");
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllBytes(P("x.ltc")), ltc);
        Assert.Contains($"compressed {count} vectors", err); // the report leaves stdout to the file
        (code, var npy, err) = await LtcProcess.RunAsync(ltc, "decompress", "--model", model, "-", "-");
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllBytes(P("out.npy")), npy);
        Assert.Equal(new[] { "in.npy", "m.ltcm", "out.npy", "x.ltc" }, Listing()); // no file named "-"
    }

    [Fact]
    public void Float32InputGivesFloat32Output()
    {
        string model = SaveModel("m.ltcm"), input = P("in.npy"), ltc = P("x.ltc"), output = P("out.npy");
        var f = CodecTestSupport.Gaussian(300, 2, 3, seed: 4).Select(v => (float)v).ToArray();
        Npy.Write(input, f, 300, 2);
        var (code, _, stderr) = Run("compress", "--model", model, input, ltc, "--chunk-rows", "64", "--json");
        Assert.True(code == 0, stderr);
        (code, _, stderr) = Run("decompress", "--model", model, ltc, output, "--json");
        Assert.True(code == 0, stderr);
        var back = Npy.Read(output);
        Assert.Equal(NpyType.Float32, back.Type);
        Assert.Equal(new long[] { 300, 2 }, back.Shape);
        var expected = FileCodec.Reconstruct(Load(model), f.Select(v => (double)v).ToArray(), 64).Select(v => (double)(float)v).ToArray();
        CodecTestSupport.AssertSameBits(expected, back.Data, "float32");
    }

    public static TheoryData<string, bool> BadCases()
    {
        var data = new TheoryData<string, bool>();
        foreach (var c in new[]
        {
            "wrong-width", "nan", "inf", "empty", "not-a-model", "other-model", "truncated-header", "truncated-chunk",
            "corrupt-chunk", "same-path", "output-is-model", "missing-dir", "no-tables",
        })
        {
            data.Add(c, true);
            data.Add(c, false);
        }
        return data;
    }

    /// <summary>
    /// Each bad input gives exit code 2, one line on stderr (with or without --json, where progress is shown) and
    /// writes nothing: no output file, no temporary file left beside it.
    /// </summary>
    [Theory]
    [MemberData(nameof(BadCases))]
    public void BadInputIsOneLineExitTwoAndWritesNothing(string badCase, bool json)
    {
        string model = SaveModel("m.ltcm");
        string good = P("good.npy");
        const int count = 300;
        var x = CodecTestSupport.Gaussian(count, 2, 3, seed: 5);
        Npy.Write(good, x, count, 2);
        string ltc = P("good.ltc");
        var (code, _, stderr) = Run("compress", "--model", model, good, ltc, "--chunk-rows", "50", "--json");
        Assert.True(code == 0, stderr);
        var ltcBytes = File.ReadAllBytes(ltc);

        string output = P("out.bin");
        string[] args;
        string mention;
        switch (badCase)
        {
            case "wrong-width":
                Npy.Write(P("in.npy"), CodecTestSupport.Gaussian(count, 3, 1, seed: 6), count, 3);
                args = ["compress", "--model", model, P("in.npy"), output];
                mention = "dimension";
                break;
            case "nan":
            case "inf":
                {
                    // In a later chunk, after earlier chunks were already coded and written.
                    var bad = (double[])x.Clone();
                    bad[2 * 270 + 1] = badCase == "nan" ? double.NaN : double.PositiveInfinity;
                    Npy.Write(P("in.npy"), bad, count, 2);
                    args = ["compress", "--model", model, P("in.npy"), output, "--chunk-rows", "50"];
                    mention = badCase == "nan" ? "NaN" : "infinit";
                    break;
                }
            case "empty":
                Npy.Write(P("in.npy"), Array.Empty<double>(), 0, 2);
                args = ["compress", "--model", model, P("in.npy"), output];
                mention = "no vectors";
                break;
            case "not-a-model":
                {
                    var junk = new byte[4096];
                    new Random(8).NextBytes(junk);
                    File.WriteAllBytes(P("junk.ltcm"), junk);
                    args = ["compress", "--model", P("junk.ltcm"), good, output];
                    mention = "junk.ltcm";
                    break;
                }
            case "other-model":
                args = ["decompress", "--model", SaveModel("other.ltcm", seed: 8), ltc, output];
                mention = "model";
                break;
            case "truncated-header":
                File.WriteAllBytes(P("t.ltc"), ltcBytes[..100]);
                args = ["decompress", "--model", model, P("t.ltc"), output];
                mention = "t.ltc";
                break;
            case "truncated-chunk":
                File.WriteAllBytes(P("t.ltc"), ltcBytes[..^7]);
                args = ["decompress", "--model", model, P("t.ltc"), output];
                mention = "t.ltc";
                break;
            case "corrupt-chunk":
                {
                    var c = (byte[])ltcBytes.Clone();
                    c[^20] ^= 0x10;
                    File.WriteAllBytes(P("c.ltc"), c);
                    args = ["decompress", "--model", model, P("c.ltc"), output];
                    mention = "c.ltc";
                    break;
                }
            case "same-path":
                args = ["compress", "--model", model, good, good];
                output = good;
                mention = "overwrite";
                break;
            case "output-is-model":
                args = ["compress", "--model", model, good, model];
                output = model;
                mention = "overwrite";
                break;
            case "missing-dir":
                output = Path.Combine(_dir, "nosuch", "out.ltc");
                args = ["compress", "--model", model, good, output];
                mention = "does not exist";
                break;
            case "no-tables":
                args = ["compress", "--model", SaveModel("bare.ltcm", tables: false), good, output];
                mention = "coding tables";
                break;
            default:
                throw new ArgumentException(badCase);
        }
        if (json) args = [.. args, "--json"];
        bool outputExisted = File.Exists(output);
        var before = outputExisted ? File.ReadAllBytes(output) : null;
        var listing = Listing();

        (code, var stdout, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.True(stderr.TrimEnd().Split('\n').Length == 1, $"stderr is not one line:\n{stderr}");
        Assert.StartsWith("ltc: error:", stderr);
        Assert.Contains(mention, stderr, StringComparison.OrdinalIgnoreCase);
        if (outputExisted) Assert.Equal(before, File.ReadAllBytes(output));
        else Assert.False(File.Exists(output) || Directory.Exists(output), $"{output} was written");
        Assert.Equal(listing, Listing());
    }

    [Fact]
    public void FitCoderGivesABareModelTablesThatCompress()
    {
        string bare = SaveModel("bare.ltcm", tables: false), fitted = P("fitted.ltcm"), input = P("in.npy");
        var bareBytes = File.ReadAllBytes(bare);
        var x = CodecTestSupport.Gaussian(200, 2, 3, seed: 9);
        Npy.Write(input, x, 200, 2);
        var (code, _, stderr) = Run("compress", "--model", bare, input, P("x.ltc"));
        Assert.Equal(2, code);
        Assert.Contains("fit-coder", stderr);

        (code, var stdout, stderr) = Run("fit-coder", "--model", bare, "--samples", "2000", "--out", fitted, "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(bareBytes, File.ReadAllBytes(bare));
        var loaded = ModelFile.Load(fitted).Model;
        Assert.NotNull(loaded.Codec);
        using (var doc = JsonDocument.Parse(stdout))
        {
            Assert.Equal(Convert.ToHexStringLower(ModelFile.Fingerprint(loaded)), doc.RootElement.GetProperty("fingerprint").GetString());
            Assert.Equal("ScaledIntegers", doc.RootElement.GetProperty("form").GetString());
            Assert.Equal(loaded.Codec!.TableCount, doc.RootElement.GetProperty("tables").GetInt32());
        }
        // The same tables as fitting in-process with the same samples and seed.
        var again = ModelFile.Load(bare).Model;
        ModelCodec.Fit(again, CodecTestSupport.SourceOf(again.Config), 2000, seed: 1);
        Assert.Equal(again.Codec!.ToBytes(), loaded.Codec!.ToBytes());

        (code, _, stderr) = Run("compress", "--model", fitted, input, P("x.ltc"), "--json");
        Assert.True(code == 0, stderr);
        (code, _, stderr) = Run("decompress", "--model", fitted, P("x.ltc"), P("out.npy"), "--json");
        Assert.True(code == 0, stderr);
        CodecTestSupport.AssertSameBits(FileCodec.Reconstruct(new ModelCodec(loaded), x, new CodecOptions().RowsPerChunk(new ModelCodec(loaded))), Npy.Read(P("out.npy")).Data, "fit-coder");
    }

    [Fact]
    public void EvalCodedReportsABitExactFile()
    {
        string model = SaveModel("m.ltcm");
        var (code, stdout, stderr) = Run("eval", "--model", model, "--coded", "--samples", "512", "--mc-samples", "32", "--replicates", "1", "--json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("exact").GetBoolean());
        long file = root.GetProperty("file_bytes").GetInt64(), payload = root.GetProperty("payload_bytes").GetInt64();
        Assert.True(file > payload && payload > 0, $"file {file}, payload {payload}");
        Assert.Equal(8.0 * file / (512 * 2), root.GetProperty("file_rate").GetDouble(), 9);

        // The report carries the training time saved in the model file, as plain eval does.
        var loaded = ModelFile.Load(model);
        ModelFile.Save(model, loaded.Model, new TrainingState(10, 12.5, 1, 1, 1), []);
        (code, stdout, stderr) = Run("eval", "--model", model, "--coded", "--samples", "512", "--mc-samples", "32", "--replicates", "1", "--json");
        Assert.True(code == 0, stderr);
        using var again = JsonDocument.Parse(stdout);
        Assert.Equal(12.5, again.RootElement.GetProperty("estimate").GetProperty("train_seconds").GetDouble());
    }

    /// <summary>
    /// Rows x = z·(1, …, 1) + small noise: a random g_a maps them near a curve, so the 8 latent coordinates are strongly
    /// dependent. After 300 steps the RealNVP prior's estimate counts that dependence and the per-coordinate coding
    /// tables cannot (+81 % on the machine this was written on), so train says what the files cost and warns; the
    /// factorized prior's model is coded below its estimate (its tables fit the latents better than its density).
    /// </summary>
    [Fact]
    public void TrainReportsWhatFilesCostAndWarnsWhenTheyCostFarMoreThanTheEstimate()
    {
        var rng = new Random(1);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var rows = new float[4000 * 8];
        for (int i = 0; i < 4000; i++)
        {
            double z = Normal();
            for (int j = 0; j < 8; j++) rows[i * 8 + j] = (float)(z + 0.05 * Normal());
        }
        string data = P("rank1.npy");
        Npy.Write(data, rows, 4000, 8);
        string[] Train(string model, string entropy) =>
            [.. "train --kind ltc --lattice E8 --latent-dim 8 --lambda 64 --steps 300 --hidden 16 --batch 64 --train-cell-samples 32 --eval-cell-samples 32 --json".Split(' '),
             "--source", $"npy:{data}", "--entropy", entropy, "--out", P(model)];

        var (code, json, err) = Run(Train("flow.ltcm", "flow"));
        Assert.True(code == 0, err);
        var report = JsonDocument.Parse(json).RootElement;
        double rate = report.GetProperty("rate_bits_per_sample").GetDouble(), payload = report.GetProperty("payload_rate").GetDouble();
        Assert.True(payload > 1.1 * rate && payload - rate > 0.1, $"payload {payload}, estimate {rate}");
        Assert.Contains("ltc: warning: ", err);
        Assert.Contains("% above the estimated", err);

        // The figure is the payload of a real file of the same test vectors, as eval --coded measures it.
        (code, json, err) = Run("eval", "--model", P("flow.ltcm"), "--coded", "--json", "--cell-samples", "32");
        Assert.True(code == 0, err);
        Assert.Equal(payload, JsonDocument.Parse(json).RootElement.GetProperty("payload_rate").GetDouble());

        (code, json, err) = Run(Train("factorized.ltcm", "factorized"));
        Assert.True(code == 0, err);
        report = JsonDocument.Parse(json).RootElement;
        Assert.True(report.GetProperty("payload_rate").GetDouble() < 1.1 * report.GetProperty("rate_bits_per_sample").GetDouble(), json);
        Assert.DoesNotContain("above the estimated", err);
    }

    [Fact]
    public async Task InspectSaysWhatAModelFileHolds()
    {
        string withTables = SaveModel("m.ltcm"), without = SaveModel("bare.ltcm", tables: false);
        var (code, json, err) = Run("inspect", withTables, "--json");
        Assert.True(code == 0, err);
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal("model", root.GetProperty("file_kind").GetString());
        Assert.Equal("ltc", root.GetProperty("kind").GetString());
        Assert.Equal("A2", root.GetProperty("lattice").GetString());
        Assert.Equal(new FileInfo(withTables).Length, root.GetProperty("file_bytes").GetInt64());
        Assert.True(root.GetProperty("coding_tables").GetBoolean());
        Assert.Equal(Convert.ToHexStringLower(ModelFile.Fingerprint(ModelFile.Load(withTables).Model)), root.GetProperty("fingerprint").GetString());

        // Piped in, a model is told from a .ltc file by its first bytes.
        var (piped, stdout, pipedErr) = await LtcProcess.RunAsync(File.ReadAllBytes(withTables), "inspect", "-", "--json");
        Assert.True(piped == 0, pipedErr);
        Assert.Equal(root.GetProperty("fingerprint").GetString(), JsonDocument.Parse(System.Text.Encoding.UTF8.GetString(stdout)).RootElement.GetProperty("fingerprint").GetString());

        (code, var text, err) = Run("inspect", without);
        Assert.True(code == 0, err);
        Assert.StartsWith($"{without}: valid model file (.ltcm), ", text);
        Assert.Contains("coding tables   none: run ltc fit-coder", text);
        Assert.Contains("not trained here", text);
    }
}
