using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ltc.IO;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Ltc.Torch;

/// <summary>
/// A model as a safetensors file (the format of Hugging Face's <c>safetensors</c> library), so that PyTorch can load
/// its weights: every parameter and buffer of <see cref="CompressionModel"/> under its state-dict name as a float32
/// tensor, the coding tables as the uint8 tensor <see cref="TablesTensor"/>, and the configuration and training state
/// as JSON strings in the header's <c>__metadata__</c>. Tensor names and shapes per model kind: docs/safetensors.md.
/// </summary>
/// <remarks>
/// The tensors are written and read by TorchSharp.PyBridge (<see cref="TorchSharp.PyBridge.Safetensors"/>). PyBridge
/// writes no <c>__metadata__</c>, so <see cref="ToBytes"/> adds it to the header PyBridge wrote: the data offsets are
/// relative to the end of the header and stay valid. PyBridge reads without checks (it allocates whatever shape a
/// header names), so <see cref="Read"/> validates the whole header first — JSON, names, dtypes, shapes against the
/// configuration, offsets that tile the data exactly — and only then lets PyBridge read the tensors.
/// An imported model has the fingerprint (<see cref="ModelFile.Fingerprint"/>) of the exported one: the configuration
/// JSON, the float32 bits of every tensor and the table bytes come back unchanged.
/// </remarks>
public static class SafetensorsFile
{
    /// <summary>Name of the uint8 tensor holding the latent codec's bytes (<see cref="Codec.LatentCodec.ToBytes"/>); absent when the model has no tables.</summary>
    public const string TablesTensor = "codec.tables";

    /// <summary>Metadata key of the configuration JSON (<see cref="ModelConfig.ToJson"/>).</summary>
    public const string ConfigKey = "ltc.config";

    /// <summary>Metadata key of the training state JSON (<see cref="TrainingState.ToJson"/>); optional.</summary>
    public const string TrainingStateKey = "ltc.training_state";

    /// <summary>Metadata key of this layout's version, <see cref="FormatVersion"/>.</summary>
    public const string FormatKey = "ltc.format";

    /// <summary>The version of the tensor names and metadata keys written.</summary>
    public const string FormatVersion = "1";

    /// <summary>Largest file read (as <see cref="ModelFile.MaxBytes"/>, 1 GiB).</summary>
    public const int MaxBytes = ModelFile.MaxBytes;

    /// <summary>Largest header (16 MiB; the safetensors library itself refuses headers over 100 MB).</summary>
    public const int MaxHeaderBytes = 1 << 24;

    private const int MaxRank = 8;

    // The configuration inside the metadata stays readable ("model" rather than \u0022model\u0022) to anyone who
    // prints the header; the header is UTF-8 JSON read by JSON parsers, never embedded in HTML.
    private static readonly JsonSerializerOptions HeaderJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // "format": "pt" is what safetensors.torch.save_file writes; tools use it to tell PyTorch tensors from others.
    private static readonly string[] KnownMetadata = ["format", FormatKey, ConfigKey, TrainingStateKey];

    /// <summary>Writes <paramref name="model"/> (and its optional <paramref name="state"/>) to <paramref name="path"/>, atomically.</summary>
    /// <exception cref="LtcException">The path cannot be written or the file would exceed <see cref="MaxBytes"/>.</exception>
    public static void Export(string path, CompressionModel model, TrainingState? state = null)
    {
        var bytes = ToBytes(model, state);
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>The safetensors bytes of <paramref name="model"/>: the same bytes for the same model on every machine.</summary>
    /// <exception cref="LtcException">The file would exceed <see cref="MaxBytes"/>.</exception>
    public static byte[] ToBytes(CompressionModel model, TrainingState? state = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, t) in model.state_dict()) tensors.Add(name, t.detach().to(float32).cpu().contiguous());
        if (model.Codec is { } codec) tensors.Add(TablesTensor, tensor(codec.ToBytes()));
        var written = new MemoryStream();
        Safetensors.SaveStateDict(written, tensors, leaveOpen: true);
        var raw = written.GetBuffer().AsSpan(0, (int)written.Length);

        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(raw);
        var index = JsonNode.Parse(raw.Slice(8, (int)headerLength))!.AsObject();
        var metadata = new JsonObject { ["format"] = "pt", [FormatKey] = FormatVersion, [ConfigKey] = model.Config.ToJson() };
        if (state is not null) metadata[TrainingStateKey] = state.ToJson();
        var header = new JsonObject { ["__metadata__"] = metadata };
        foreach (var (name, entry) in index) header[name] = entry!.DeepClone();
        var json = Encoding.UTF8.GetBytes(header.ToJsonString(HeaderJson));
        // Spaces pad the header so the data starts 8-byte aligned, as the safetensors library writes it.
        int padded = (json.Length + 7) / 8 * 8;
        var data = raw[(8 + (int)headerLength)..];
        if (8L + padded + data.Length > MaxBytes) throw new LtcException($"the safetensors file would be larger than {MaxBytes} bytes");
        var result = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)padded);
        json.CopyTo(result, 8);
        result.AsSpan(8 + json.Length, padded - json.Length).Fill((byte)' ');
        data.CopyTo(result.AsSpan(8 + padded));
        return result;
    }

    /// <summary>Reads a model exported by <see cref="Export"/> (or re-saved from PyTorch with the same names and metadata).</summary>
    /// <returns>The model with its coding tables (if the file has them) and training state; no optimizer state.</returns>
    /// <exception cref="LtcException">The file is missing, unreadable or malformed (one line naming <paramref name="path"/>).</exception>
    public static LoadedModel Import(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(ReadBounded(path), path);
    }

    /// <summary>Reads a model from safetensors bytes; <paramref name="origin"/> names them in messages.</summary>
    /// <exception cref="LtcException">Malformed bytes: a bad header, a missing, extra or misshapen tensor, a wrong dtype,
    /// NaN or infinity in a weight, an unknown metadata key, bad configuration or tables.</exception>
    public static LoadedModel Read(byte[] bytes, string origin)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length > MaxBytes) throw new LtcException($"{origin}: {bytes.Length} bytes is larger than a model file can be ({MaxBytes})");
        var (metadata, entries) = ReadHeader(bytes, origin);

        if (!metadata.TryGetValue(ConfigKey, out var configJson)) throw new LtcException($"{origin}: no '{ConfigKey}' in the safetensors metadata (not an ltc model export)");
        if (!metadata.TryGetValue(FormatKey, out var version) || version != FormatVersion)
            throw new LtcException($"{origin}: unsupported ltc safetensors layout '{version ?? "(none)"}' (expected {FormatVersion})");
        var config = ModelConfig.FromJson(configJson, origin);
        var state = TrainingState.FromJson(metadata.GetValueOrDefault(TrainingStateKey, ""), origin);

        // Before the network is built: the float32 tensors must hold exactly what the configuration implies.
        long stored = 0;
        foreach (var (name, e) in entries)
        {
            if (name == TablesTensor)
            {
                if (e.DType != "U8" || e.Shape.Length != 1) throw new LtcException($"{origin}: tensor '{TablesTensor}' must be one-dimensional uint8 (U8), got {e.DType} of rank {e.Shape.Length}");
            }
            else if (e.DType != "F32") throw new LtcException($"{origin}: tensor '{Shorten(name)}' has dtype {e.DType}, expected F32");
            else stored += e.Count;
        }
        long needed = config.ParameterCount();
        if (stored != needed) throw new LtcException($"{origin}: the configuration needs {needed:N0} weights, but the file's tensors hold {stored:N0}");

        TorchSetup.EnsureConfigured();
        var model = new CompressionModel(config);
        var sd = model.state_dict();
        foreach (var name in sd.Keys)
            if (!entries.ContainsKey(name)) throw new LtcException($"{origin}: missing tensor '{name}'");
        foreach (var (name, e) in entries)
        {
            if (name == TablesTensor) continue;
            if (!sd.TryGetValue(name, out var target)) throw new LtcException($"{origin}: unexpected tensor '{Shorten(name)}'");
            if (!e.Shape.SequenceEqual(target.shape))
                throw new LtcException($"{origin}: tensor '{Shorten(name)}' has shape [{string.Join(",", e.Shape)}], expected [{string.Join(",", target.shape)}]");
        }

        using (NewDisposeScope())
        using (no_grad())
        {
            Dictionary<string, Tensor> loaded;
            try { loaded = Safetensors.LoadStateDict(new MemoryStream(bytes, writable: false), keysToKeep: null); } // every key was checked above; a key list would cost O(n) per tensor
            catch (Exception e) when (e is NotImplementedException or JsonException or IOException or ArgumentException or InvalidOperationException)
            {
                throw new LtcException($"{origin}: corrupt safetensors file ({e.Message.ReplaceLineEndings(" ")})");
            }
            foreach (var (name, target) in sd)
            {
                if (!loaded[name].isfinite().all().item<bool>()) throw new LtcException($"{origin}: tensor '{name}' contains NaN or infinity");
                target.copy_(loaded[name]);
            }
            if (loaded.TryGetValue(TablesTensor, out var tables))
                model.Codec = Codec.LatentCodec.Read(tables.data<byte>().ToArray(), origin).Bind(model.CodecLattice);
        }
        return new LoadedModel(model, state, []);
    }

    private readonly record struct Entry(string DType, long[] Shape, long Begin, long End, long Count);

    private static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => 0,
    };

    /// <summary>
    /// Parses and checks the header: a JSON object of string metadata and tensor entries whose byte ranges tile the
    /// data section exactly (no gap, overlap or trailing byte) and match dtype × shape.
    /// </summary>
    private static (Dictionary<string, string> Metadata, Dictionary<string, Entry> Entries) ReadHeader(byte[] bytes, string origin)
    {
        if (bytes.Length < 8) throw new LtcException($"{origin}: truncated safetensors file (no header length)");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (length > MaxHeaderBytes) throw new LtcException($"{origin}: safetensors header of {length} bytes (at most {MaxHeaderBytes}; not a safetensors file?)");
        if (8 + (long)length > bytes.Length) throw new LtcException($"{origin}: truncated safetensors file (header of {length} bytes, file of {bytes.Length})");
        if (length < 2 || bytes[8] != (byte)'{') throw new LtcException($"{origin}: not a safetensors file (the header is not a JSON object)");
        long dataStart = 8 + (long)length, dataLength = bytes.Length - dataStart;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        try
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 8, (int)length);
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 4 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new LtcException($"{origin}: not a safetensors file (the header is not a JSON object)");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(p.Name)) throw new LtcException($"{origin}: safetensors header names '{p.Name}' twice");
                if (p.Name == "__metadata__") ReadMetadata(p.Value, metadata, origin);
                else entries.Add(p.Name, ReadEntry(p.Name, p.Value, dataLength, origin));
            }
        }
        catch (JsonException e) { throw new LtcException($"{origin}: corrupt safetensors header ({e.Message.ReplaceLineEndings(" ")})"); }
        catch (DecoderFallbackException) { throw new LtcException($"{origin}: corrupt safetensors header (not UTF-8)"); }
        long end = 0;
        foreach (var e in entries.Values.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin != end) throw new LtcException($"{origin}: corrupt safetensors file (tensor data overlaps or leaves a gap at byte {end})");
            end = e.End;
        }
        if (end != dataLength) throw new LtcException($"{origin}: corrupt safetensors file ({dataLength - end} bytes after the last tensor)");
        return (metadata, entries);
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string origin)
    {
        if (value.ValueKind != JsonValueKind.Object) throw new LtcException($"{origin}: the safetensors __metadata__ is not an object of strings");
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String) throw new LtcException($"{origin}: metadata '{m.Name}' is not a string");
            if (!KnownMetadata.Contains(m.Name)) throw new LtcException($"{origin}: unknown metadata key '{Shorten(m.Name)}' (expected {string.Join(", ", KnownMetadata)})");
            if (!metadata.TryAdd(m.Name, m.Value.GetString()!)) throw new LtcException($"{origin}: metadata '{m.Name}' appears twice");
        }
    }

    private static Entry ReadEntry(string name, JsonElement value, long dataLength, string origin)
    {
        string shown = Shorten(name);
        if (name.Length == 0 || name.Any(char.IsControl)) throw new LtcException($"{origin}: a tensor name is empty or contains control characters");
        if (value.ValueKind != JsonValueKind.Object) throw new LtcException($"{origin}: tensor '{shown}' is not described by an object");
        string? dtype = null;
        long[]? shape = null, offsets = null;
        foreach (var f in value.EnumerateObject())
        {
            switch (f.Name)
            {
                case "dtype" when dtype is null && f.Value.ValueKind == JsonValueKind.String: dtype = f.Value.GetString(); break;
                case "shape" when shape is null: shape = Integers(f.Value, shown, "shape", origin); break;
                case "data_offsets" when offsets is null: offsets = Integers(f.Value, shown, "data_offsets", origin); break;
                default: throw new LtcException($"{origin}: tensor '{shown}' has a bad or unexpected field '{Shorten(f.Name)}'");
            }
        }
        if (dtype is null || shape is null || offsets is null) throw new LtcException($"{origin}: tensor '{shown}' lacks dtype, shape or data_offsets");
        int size = ElementSize(dtype);
        if (size == 0) throw new LtcException($"{origin}: tensor '{shown}' has unknown dtype '{Shorten(dtype)}'");
        if (shape.Length > MaxRank) throw new LtcException($"{origin}: tensor '{shown}' has rank {shape.Length} (at most {MaxRank})");
        if (offsets.Length != 2 || offsets[0] > offsets[1] || offsets[1] > dataLength)
            throw new LtcException($"{origin}: tensor '{shown}' has data_offsets outside the file (truncated or corrupt)");
        // Every dimension is at most the data length, so the product is checked against it before it can overflow.
        long count = 1;
        foreach (var d in shape)
        {
            if (d > dataLength) throw new LtcException($"{origin}: tensor '{shown}' has an implausible shape");
            count *= d;
            if (count > dataLength) throw new LtcException($"{origin}: tensor '{shown}' is larger than the file's data");
        }
        if (count * size != offsets[1] - offsets[0])
            throw new LtcException($"{origin}: tensor '{shown}' holds {offsets[1] - offsets[0]} bytes, but {dtype} of shape [{string.Join(",", shape)}] needs {count * size}");
        return new Entry(dtype, shape, offsets[0], offsets[1], count);
    }

    private static long[] Integers(JsonElement value, string name, string field, string origin)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > MaxRank)
            throw new LtcException($"{origin}: tensor '{name}' has a bad {field} (expected a short array of integers)");
        var result = new long[value.GetArrayLength()];
        int i = 0;
        foreach (var v in value.EnumerateArray())
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out result[i++]) || result[i - 1] < 0)
                throw new LtcException($"{origin}: tensor '{name}' has a bad {field} (expected non-negative integers)");
        return result;
    }

    // A name from a hostile file may be long; messages stay one readable line.
    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";

    /// <summary>The bytes of a regular file up to <see cref="MaxBytes"/>, or of a FIFO or device read to at most that size.</summary>
    private static byte[] ReadBounded(string path)
    {
        if (path.Length == 0) throw new LtcException("the safetensors path is empty");
        var kind = AtomicFile.KindOf(path);
        if (kind == FileKind.Missing) throw new LtcException($"{path}: file not found");
        if (kind == FileKind.Directory) throw new LtcException($"{path}: is a directory, not a safetensors file");
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            if (kind == FileKind.Regular && fs.Length > MaxBytes) throw new LtcException($"{path}: {fs.Length} bytes is larger than a model file can be ({MaxBytes})");
            var ms = new MemoryStream();
            BoundedCopy.CopyTo(fs, ms, MaxBytes, $"{path}: more than {MaxBytes} bytes; not a model export");
            return ms.ToArray();
        }
        catch (FileNotFoundException) { throw new LtcException($"{path}: file not found"); }
        catch (DirectoryNotFoundException) { throw new LtcException($"{path}: file not found"); }
        catch (UnauthorizedAccessException) { throw new LtcException($"{path}: permission denied"); }
        catch (IOException e) { throw new LtcException($"{path}: cannot read ({e.Message.ReplaceLineEndings(" ")})"); }
    }
}
