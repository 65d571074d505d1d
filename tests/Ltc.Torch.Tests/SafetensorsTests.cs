using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ltc.Codec;

namespace Ltc.Torch.Tests;

/// <summary>
/// <see cref="SafetensorsFile"/>: export → import gives the same model (fingerprint, every weight's bits, the coding
/// tables, the compressed bytes), the file is plain safetensors with the documented names, and anything malformed is a
/// one-line <see cref="LtcException"/>. The files are checked by a small reader written here from the safetensors
/// specification, not by the library's own reader.
/// </summary>
public class SafetensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);

    public static TheoryData<string> Kinds => new() { "ntc", "ltc", "ltc-flow", "ltc-mlp", "eclq", "eclq-flow", "block", "block-flow" };

    private static ModelConfig Config(string kind) => kind switch
    {
        "ntc" => CodecTestSupport.Config("ntc", "Z2", 2),
        "ltc" => CodecTestSupport.Config("ltc", "A2", 2),
        "ltc-flow" => CodecTestSupport.Config("ltc", "A2", 2, "flow"),
        "ltc-mlp" => CodecTestSupport.Config("ltc", "A2", 2, "flow") with { Transform = TransformKind.Mlp },
        "eclq" => CodecTestSupport.Config("eclq", "A2", 2),
        "eclq-flow" => CodecTestSupport.Config("eclq", "A2", 2, "flow"),
        "block" => CodecTestSupport.BlockConfig(2),
        "block-flow" => CodecTestSupport.BlockConfig(2) with { Entropy = EntropyModelKind.Flow },
        _ => throw new ArgumentException(kind),
    };

    private static CompressionModel Fitted(string kind) => CodecTestSupport.NewFittedModel(Config(kind), 1000);

    private static uint[] Bits(TorchSharp.torch.Tensor t) => TorchTestSupport.Values(t).Select(BitConverter.SingleToUInt32Bits).ToArray();

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ImportGivesTheSameFingerprintWeightsAndTables(string kind)
    {
        var model = Fitted(kind);
        var state = new TrainingState(5, 1.5, 0.25, 1.0, 0.125) { Unfinished = true };
        var bytes = SafetensorsFile.ToBytes(model, state);
        Assert.Equal(bytes, SafetensorsFile.ToBytes(model, state)); // the same model gives the same bytes

        var back = SafetensorsFile.Read(bytes, "w.safetensors");
        Assert.Equal(ModelFile.Fingerprint(model), ModelFile.Fingerprint(back.Model));
        Assert.Equal(model.Config, back.Model.Config);
        Assert.Equal(state, back.State);
        Assert.Empty(back.OptimizerState);
        var expected = model.state_dict();
        var actual = back.Model.state_dict();
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (name, t) in expected) Assert.True(Bits(t).SequenceEqual(Bits(actual[name])), $"{kind}: tensor {name} differs");
        Assert.Equal(model.Codec!.ToBytes(), back.Model.Codec!.ToBytes());
        // Exporting the import gives the file again, and the import saves as a model file with the same fingerprint.
        Assert.Equal(bytes, SafetensorsFile.ToBytes(back.Model, back.State));
        ModelFile.Save(P("m.ltcm"), back.Model, back.State);
        Assert.Equal(ModelFile.Fingerprint(model), ModelFile.Fingerprint(ModelFile.Load(P("m.ltcm")).Model));
    }

    [Fact]
    public void AModelWithoutTablesAndStateRoundTripsWithoutThem()
    {
        var model = TorchTestSupport.NewModel(Config("ltc-flow"));
        var back = SafetensorsFile.Read(SafetensorsFile.ToBytes(model), "w");
        Assert.Null(back.Model.Codec);
        Assert.Equal(TrainingState.Start, back.State);
        Assert.Equal(ModelFile.Fingerprint(model), ModelFile.Fingerprint(back.Model));
        Assert.DoesNotContain(SafetensorsFile.TablesTensor, Parse(SafetensorsFile.ToBytes(model)).Tensors.Select(t => t.Name));
    }

    [Theory]
    [InlineData("ltc-flow")]
    [InlineData("block")]
    public void AFileCompressedWithTheOriginalDecompressesBitExactlyWithTheImport(string kind)
    {
        var model = Fitted(kind);
        var original = new ModelCodec(model);
        var imported = new ModelCodec(SafetensorsFile.Read(SafetensorsFile.ToBytes(model), "w").Model);
        Assert.Equal(original.Fingerprint.ToArray(), imported.Fingerprint.ToArray());
        int d = model.Config.Dim;
        var x = CodecTestSupport.Gaussian(300, d, 2, seed: 5);
        var options = new CodecOptions(Threads: 1, ChunkRows: 64);
        var file = FileCodec.Compress(original, x, options);
        Assert.Equal(file, FileCodec.Compress(imported, x, options));
        CodecTestSupport.AssertSameBits(FileCodec.Decompress(original, file, options), FileCodec.Decompress(imported, file, options), "decompressed");
    }

    /// <summary>The names docs/safetensors.md lists for a linear LTC with the factorized prior (dy = 2, hidden 16).</summary>
    [Fact]
    public void TheFileIsPlainSafetensorsWithTheDocumentedNames()
    {
        var model = Fitted("ltc");
        var bytes = SafetensorsFile.ToBytes(model);
        var (meta, tensors, headerLength) = Parse(bytes);
        Assert.Equal(0, headerLength % 8); // data 8-byte aligned, as the safetensors library writes it
        Assert.Equal((byte)'{', bytes[8]);
        Assert.Equal(new[] { "format", "ltc.config", "ltc.format" }, meta.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("pt", meta["format"]);
        Assert.Equal("1", meta["ltc.format"]);
        Assert.Equal(model.Config.ToJson(), meta["ltc.config"]);
        string[] documented =
        [
            "_analysis.0.weight", "_analysis.1.weight", "_synthesis.0.weight", "_synthesis.1.weight", "_density._quantiles",
            .. Enumerable.Range(0, 5).Select(k => $"_density._matrices.{k}"), .. Enumerable.Range(0, 5).Select(k => $"_density._biases.{k}"),
            .. Enumerable.Range(0, 4).Select(k => $"_density._factors.{k}"), "codec.tables",
        ];
        Assert.Equal(documented.Order(StringComparer.Ordinal), tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
        var sd = model.state_dict();
        foreach (var t in tensors)
        {
            if (t.Name == "codec.tables")
            {
                Assert.Equal("U8", t.DType);
                Assert.Equal(model.Codec!.ToBytes(), t.Data);
                continue;
            }
            Assert.Equal("F32", t.DType);
            Assert.Equal(sd[t.Name].shape, t.Shape);
            var floats = MemoryMarshal.Cast<byte, float>(t.Data).ToArray(); // little-endian float32
            Assert.Equal(Bits(sd[t.Name]), floats.Select(BitConverter.SingleToUInt32Bits).ToArray());
        }
        Assert.Equal(new long[] { 16, 2 }, tensors.Single(t => t.Name == "_analysis.0.weight").Shape); // PyTorch's Linear: [out, in]
        Assert.Equal(new long[] { 2, 1, 3 }, tensors.Single(t => t.Name == "_density._quantiles").Shape);
    }

    [Fact]
    public void AFileReorderedAndPaddedAsPythonWritesItImports()
    {
        var model = Fitted("block");
        var (meta, tensors, _) = Parse(SafetensorsFile.ToBytes(model));
        // safetensors.torch.save_file orders by dtype alignment, then name; and no padding at all is legal too.
        var reordered = Build(meta, tensors.OrderBy(t => t.DType == "U8").ThenBy(t => t.Name, StringComparer.Ordinal), pad: false);
        Assert.Equal(ModelFile.Fingerprint(model), ModelFile.Fingerprint(SafetensorsFile.Read(reordered, "py").Model));
    }

    public static TheoryData<string> Malformations => new()
    {
        "empty", "four bytes", "no header", "huge header length", "header past the end", "cut in the header", "cut in the data",
        "trailing byte", "header not an object", "header not json", "header not utf-8", "wrong shape", "wrong element count",
        "missing tensor", "extra tensor", "renamed tensor", "f64 weight", "unknown dtype", "nan weight", "infinite weight",
        "tables as f32", "tables corrupt", "no config", "bad config json", "unknown model kind", "config too large",
        "unknown metadata", "metadata not a string", "layout version 2", "duplicate tensor", "overlapping offsets", "gap between tensors",
        "negative dimension", "fractional dimension", "rank nine", "extra field", "offsets reversed", "control character in a name",
        "bad training state",
    };

    [Theory]
    [MemberData(nameof(Malformations))]
    public void MalformedFilesAreOneLineErrors(string what)
    {
        var good = SafetensorsFile.ToBytes(Fitted("ltc-flow"), TrainingState.Start);
        var bytes = Malform(good, what);
        var e = Assert.Throws<LtcException>(() => SafetensorsFile.Read(bytes, "bad.safetensors"));
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith("bad.safetensors: ", e.Message);
    }

    [Fact]
    public void NamesInMessagesSayWhatIsWrong()
    {
        var good = SafetensorsFile.ToBytes(Fitted("ltc-flow"));
        string Message(string what) => Assert.Throws<LtcException>(() => SafetensorsFile.Read(Malform(good, what), "w")).Message;
        Assert.Contains("missing tensor '_analysis.0.weight'", Message("renamed tensor"));
        Assert.Contains("'_analysis.0.weight' has shape [2,16], expected [16,2]", Message("wrong shape"));
        Assert.Contains("'_analysis.0.weight' contains NaN or infinity", Message("nan weight"));
        Assert.Contains("dtype F64, expected F32", Message("f64 weight"));
        Assert.Contains("truncated", Message("cut in the data"));
    }

    /// <summary>Random damage anywhere (bytes flipped, the file cut) gives a model or a one-line error, never a crash.</summary>
    [Fact]
    public void RandomDamageIsAValidModelOrAOneLineError()
    {
        var good = SafetensorsFile.ToBytes(Fitted("ltc"));
        long headerEnd = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(good);
        var rng = new Random(11);
        int errors = 0, trials = CodecTestSupport.Heavy ? 3000 : 300;
        for (int trial = 0; trial < trials; trial++)
        {
            byte[] bytes;
            if (trial % 10 == 9) bytes = good[..rng.Next(good.Length)];
            else
            {
                bytes = (byte[])good.Clone();
                // Most flips land in the header, where the structure is.
                for (int k = rng.Next(1, 4); k > 0; k--)
                {
                    int at = rng.Next(3) > 0 ? rng.Next((int)headerEnd) : rng.Next(bytes.Length);
                    bytes[at] ^= (byte)(1 << rng.Next(8));
                }
            }
            try { SafetensorsFile.Read(bytes, "fuzz"); }
            catch (LtcException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                errors++;
            }
        }
        Assert.True(errors > trials / 2, $"only {errors} of {trials} damaged files were rejected");
    }

    // ---- A small safetensors reader and writer after the specification: an 8-byte little-endian header length, a
    // JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}, then the data section.

    private sealed record Raw(string Name, string DType, long[] Shape, byte[] Data);

    private static (Dictionary<string, string> Meta, List<Raw> Tensors, long HeaderLength) Parse(byte[] file)
    {
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var header = JsonNode.Parse(file.AsSpan(8, (int)n))!.AsObject();
        var meta = new Dictionary<string, string>();
        var tensors = new List<Raw>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                foreach (var (k, v) in node!.AsObject()) meta[k] = v!.GetValue<string>();
                continue;
            }
            var offsets = node!["data_offsets"]!.AsArray().Select(o => o!.GetValue<long>()).ToArray();
            var shape = node["shape"]!.AsArray().Select(o => o!.GetValue<long>()).ToArray();
            tensors.Add(new Raw(name, node["dtype"]!.GetValue<string>(), shape, file[(int)(8 + n + offsets[0])..(int)(8 + n + offsets[1])]));
        }
        Assert.Equal(file.Length - 8 - n, tensors.Sum(t => (long)t.Data.Length));
        return (meta, tensors, n);
    }

    private static byte[] Build(IReadOnlyDictionary<string, string>? meta, IEnumerable<Raw> tensors, bool pad = true, Action<JsonObject>? edit = null)
    {
        var header = new JsonObject();
        if (meta is not null)
        {
            var m = new JsonObject();
            foreach (var (k, v) in meta) m[k] = v;
            header["__metadata__"] = m;
        }
        var data = new MemoryStream();
        foreach (var t in tensors)
        {
            header[t.Name] = new JsonObject
            {
                ["dtype"] = t.DType,
                ["shape"] = new JsonArray(t.Shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(data.Length, data.Length + t.Data.Length),
            };
            data.Write(t.Data);
        }
        edit?.Invoke(header);
        return Assemble(Encoding.UTF8.GetBytes(header.ToJsonString()), data.ToArray(), pad);
    }

    private static byte[] Assemble(byte[] json, byte[] data, bool pad = true)
    {
        int length = pad ? (json.Length + 7) / 8 * 8 : json.Length;
        var file = new byte[8 + length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)length);
        json.CopyTo(file, 8);
        file.AsSpan(8 + json.Length, length - json.Length).Fill((byte)' ');
        data.CopyTo(file, 8 + length);
        return file;
    }

    private static byte[] Malform(byte[] good, string what)
    {
        var (meta, tensors, n) = Parse(good);
        byte[] With(Func<List<Raw>, IEnumerable<Raw>>? t = null, Action<Dictionary<string, string>>? m = null, Action<JsonObject>? edit = null)
        {
            var mm = new Dictionary<string, string>(meta);
            m?.Invoke(mm);
            return Build(mm, t is null ? tensors : t(tensors), edit: edit);
        }
        Raw First() => tensors[0]; // _analysis.0.weight, [16, 2]
        byte[] Floats(params float[] f) => MemoryMarshal.AsBytes(f.AsSpan()).ToArray();
        IEnumerable<Raw> Replace(List<Raw> all, Raw r) => all.Select(t => t.Name == r.Name ? r : t);
        JsonObject Entry(JsonObject h, string name) => h[name]!.AsObject();
        switch (what)
        {
            case "empty": return [];
            case "four bytes": return good[..4];
            case "no header": return good[..8];
            case "huge header length": { var b = (byte[])good.Clone(); BinaryPrimitives.WriteUInt64LittleEndian(b, 1UL << 40); return b; }
            case "header past the end": { var b = (byte[])good.Clone(); BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)good.Length); return b; }
            case "cut in the header": return good[..(int)(8 + n / 2)];
            case "cut in the data": return good[..^1];
            case "trailing byte": return [.. good, 0];
            case "header not an object": return Assemble("[1, 2]"u8.ToArray(), []);
            case "header not json": return Assemble("{\"a\": tru"u8.ToArray(), []);
            case "header not utf-8": return Assemble([(byte)'{', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)':', (byte)'1', (byte)'}'], []);
            case "wrong shape": return With(t => Replace(t, First() with { Shape = [2, 16] }));
            case "wrong element count": return With(t => Replace(t, First() with { Shape = [16, 3] }));
            case "missing tensor": return With(t => t.Skip(1));
            case "extra tensor": return With(t => t.Append(new Raw("_analysis.9.weight", "F32", [1], Floats(1))));
            case "renamed tensor": return With(t => t.Select(r => r.Name == First().Name ? r with { Name = "_analysis.7.weight" } : r));
            case "f64 weight":
                return With(t => Replace(t, First() with { DType = "F64", Data = MemoryMarshal.AsBytes(MemoryMarshal.Cast<byte, float>(First().Data).ToArray().Select(f => (double)f).ToArray().AsSpan()).ToArray() }));
            case "unknown dtype": return With(t => Replace(t, First() with { DType = "F8_E4M3" }));
            case "nan weight": { var d = (byte[])First().Data.Clone(); BitConverter.TryWriteBytes(d.AsSpan(12), float.NaN); return With(t => Replace(t, First() with { Data = d })); }
            case "infinite weight": { var d = (byte[])First().Data.Clone(); BitConverter.TryWriteBytes(d.AsSpan(0), float.PositiveInfinity); return With(t => Replace(t, First() with { Data = d })); }
            case "tables as f32": { var tb = tensors.Single(r => r.Name == "codec.tables"); return With(t => Replace(t, tb with { DType = "F32", Shape = [tb.Data.Length / 4], Data = tb.Data[..(tb.Data.Length / 4 * 4)] })); }
            case "tables corrupt": { var tb = tensors.Single(r => r.Name == "codec.tables"); var d = (byte[])tb.Data.Clone(); d[0] ^= 1; return With(t => Replace(t, tb with { Data = d })); }
            case "no config": return With(m: m => m.Remove("ltc.config"));
            case "bad config json": return With(m: m => m["ltc.config"] = "{\"model\": ");
            case "unknown model kind": return With(m: m => m["ltc.config"] = m["ltc.config"].Replace("\"ltc\"", "\"xyz\""));
            case "config too large": return With(m: m => m["ltc.config"] = m["ltc.config"].Replace("\"hidden\":16", "\"hidden\":4000").Replace("\"dim\":2", "\"dim\":60000"));
            case "unknown metadata": return With(m: m => m["note"] = "hi");
            case "metadata not a string": return With(edit: h => h["__metadata__"]!["format"] = 1);
            case "layout version 2": return With(m: m => m["ltc.format"] = "2");
            case "duplicate tensor":
            {
                var text = Encoding.UTF8.GetString(good, 8, (int)n).TrimEnd();
                int at = text.IndexOf("\"_analysis.0.weight\"", StringComparison.Ordinal);
                int end = text.IndexOf('}', at) + 1;
                var doubled = text[..end] + "," + text[at..end] + text[end..];
                return Assemble(Encoding.UTF8.GetBytes(doubled), good[(int)(8 + n)..]);
            }
            case "overlapping offsets": return With(edit: h => Entry(h, tensors[1].Name)["data_offsets"] = new JsonArray(0, tensors[1].Data.Length));
            case "gap between tensors":
            {
                // Four bytes more data before the last tensor, which keeps its size: a hole in the data section.
                var last = tensors[^1];
                return With(t => Replace(t, last with { Data = [0, 0, 0, 0, .. last.Data] }), edit: h =>
                {
                    var offsets = Entry(h, last.Name)["data_offsets"]!.AsArray();
                    h[last.Name]!["data_offsets"] = new JsonArray(offsets[0]!.GetValue<long>() + 4, offsets[1]!.GetValue<long>());
                });
            }
            case "negative dimension": return With(edit: h => Entry(h, First().Name)["shape"] = new JsonArray(-16, -2));
            case "fractional dimension": return With(edit: h => Entry(h, First().Name)["shape"] = new JsonArray(16, 2.0001));
            case "rank nine": return With(t => Replace(t, First() with { Shape = [16, 2, 1, 1, 1, 1, 1, 1, 1] }));
            case "extra field": return With(edit: h => Entry(h, First().Name)["scale"] = 2);
            case "offsets reversed": return With(edit: h => Entry(h, First().Name)["data_offsets"] = new JsonArray(128, 0));
            case "control character in a name": return With(t => t.Select(r => r.Name == First().Name ? r with { Name = "_analysis.0.weight\u001b[2J" } : r));
            case "bad training state": return With(m: m => m["ltc.training_state"] = "{\"step\": \"many\"}");
            default: throw new ArgumentException(what);
        }
    }
}
