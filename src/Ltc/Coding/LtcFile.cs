using System.Buffers.Binary;
using System.Text;
using Ltc.IO;

namespace Ltc.Coding;

/// <summary>Element type of the tensor a compressed file reconstructs.</summary>
public enum LtcElementType : byte
{
    /// <summary>32-bit IEEE float.</summary>
    Float32 = 1,
    /// <summary>64-bit IEEE float.</summary>
    Float64 = 2,
    /// <summary>32-bit signed integer.</summary>
    Int32 = 3,
    /// <summary>64-bit signed integer.</summary>
    Int64 = 4,
    /// <summary>16-bit IEEE float.</summary>
    Float16 = 5,
    /// <summary>8-bit unsigned integer.</summary>
    UInt8 = 6,
}

/// <summary>Type tag of a header extra field.</summary>
public enum LtcExtraType : byte
{
    /// <summary>One little-endian int64 (8 bytes).</summary>
    Int64 = 1,
    /// <summary>One little-endian float64 (8 bytes).</summary>
    Float64 = 2,
    /// <summary>UTF-8 text.</summary>
    Text = 3,
    /// <summary>Opaque bytes.</summary>
    Bytes = 4,
    /// <summary>Little-endian int64 values (length a multiple of 8).</summary>
    Int64Array = 5,
    /// <summary>Little-endian float64 values (length a multiple of 8).</summary>
    Float64Array = 6,
}

/// <summary>
/// A typed, length-capped model-specific header field (e.g. a codec's lattice name or latent count). Keys are 1–32
/// characters of [a-z0-9_.]; values at most <see cref="LtcFormat.MaxExtraValueBytes"/> bytes.
/// </summary>
public sealed class LtcExtra
{
    private readonly byte[] _value;

    private LtcExtra(string key, LtcExtraType type, byte[] value)
    {
        if (!LtcFormat.IsValidKey(key)) throw new ArgumentException($"extra key '{key}' must be 1-{LtcFormat.MaxKeyLength} characters of [a-z0-9_.]", nameof(key));
        if (value.Length > LtcFormat.MaxExtraValueBytes) throw new ArgumentException($"extra '{key}' is longer than {LtcFormat.MaxExtraValueBytes} bytes", nameof(value));
        Key = key;
        Type = type;
        _value = value;
    }

    /// <summary>The field's key.</summary>
    public string Key { get; }

    /// <summary>The field's type.</summary>
    public LtcExtraType Type { get; }

    /// <summary>The encoded value bytes.</summary>
    public ReadOnlySpan<byte> Value => _value;

    /// <summary>An int64 field.</summary>
    public static LtcExtra Int64(string key, long value) { var b = new byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, value); return new(key, LtcExtraType.Int64, b); }

    /// <summary>A float64 field.</summary>
    public static LtcExtra Float64(string key, double value) { var b = new byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, value); return new(key, LtcExtraType.Float64, b); }

    /// <summary>A UTF-8 text field.</summary>
    public static LtcExtra Text(string key, string value) => new(key, LtcExtraType.Text, Encoding.UTF8.GetBytes(value));

    /// <summary>An opaque bytes field.</summary>
    public static LtcExtra Bytes(string key, ReadOnlySpan<byte> value) => new(key, LtcExtraType.Bytes, value.ToArray());

    /// <summary>An int64 array field.</summary>
    public static LtcExtra Int64Array(string key, ReadOnlySpan<long> values)
    {
        var b = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(8 * i), values[i]);
        return new(key, LtcExtraType.Int64Array, b);
    }

    /// <summary>A float64 array field.</summary>
    public static LtcExtra Float64Array(string key, ReadOnlySpan<double> values)
    {
        var b = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(8 * i), values[i]);
        return new(key, LtcExtraType.Float64Array, b);
    }

    /// <summary>The value of an <see cref="LtcExtraType.Int64"/> field.</summary>
    public long AsInt64() => Type == LtcExtraType.Int64 ? BinaryPrimitives.ReadInt64LittleEndian(_value) : throw WrongType();

    /// <summary>The value of a <see cref="LtcExtraType.Float64"/> field.</summary>
    public double AsFloat64() => Type == LtcExtraType.Float64 ? BinaryPrimitives.ReadDoubleLittleEndian(_value) : throw WrongType();

    /// <summary>The value of a <see cref="LtcExtraType.Text"/> field.</summary>
    public string AsText() => Type == LtcExtraType.Text ? Encoding.UTF8.GetString(_value) : throw WrongType();

    /// <summary>The values of an <see cref="LtcExtraType.Int64Array"/> field.</summary>
    public long[] AsInt64Array() => Type == LtcExtraType.Int64Array
        ? Enumerable.Range(0, _value.Length / 8).Select(i => BinaryPrimitives.ReadInt64LittleEndian(_value.AsSpan(8 * i))).ToArray()
        : throw WrongType();

    /// <summary>The values of a <see cref="LtcExtraType.Float64Array"/> field.</summary>
    public double[] AsFloat64Array() => Type == LtcExtraType.Float64Array
        ? Enumerable.Range(0, _value.Length / 8).Select(i => BinaryPrimitives.ReadDoubleLittleEndian(_value.AsSpan(8 * i))).ToArray()
        : throw WrongType();

    /// <summary>A short human-readable rendering of the value.</summary>
    public override string ToString() => Type switch
    {
        LtcExtraType.Int64 => AsInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
        LtcExtraType.Float64 => AsFloat64().ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        LtcExtraType.Text => AsText(),
        LtcExtraType.Int64Array => $"[{string.Join(", ", AsInt64Array().Take(16))}{(_value.Length > 128 ? ", ..." : "")}]",
        LtcExtraType.Float64Array => $"[{string.Join(", ", AsFloat64Array().Take(16).Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)))}{(_value.Length > 128 ? ", ..." : "")}]",
        _ => $"{_value.Length} bytes",
    };

    internal static LtcExtra Parse(string key, LtcExtraType type, byte[] value, string name)
    {
        bool ok = type switch
        {
            LtcExtraType.Int64 or LtcExtraType.Float64 => value.Length == 8,
            LtcExtraType.Int64Array or LtcExtraType.Float64Array => value.Length % 8 == 0,
            LtcExtraType.Text => IsUtf8(value),
            LtcExtraType.Bytes => true,
            _ => false,
        };
        if (!ok) throw new LtcFormatException($"{name}: header extra '{key}' has a bad type ({(byte)type}) or length ({value.Length})");
        return new LtcExtra(key, type, value);
    }

    private static bool IsUtf8(byte[] b)
    {
        try { _ = new UTF8Encoding(false, true).GetString(b); return true; }
        catch (DecoderFallbackException) { return false; }
    }

    private InvalidOperationException WrongType() => new($"extra '{Key}' is {Type}");
}

/// <summary>The header of a <c>.ltc</c> file (see docs/file-format.md for the byte layout).</summary>
public sealed class LtcHeader
{
    /// <summary>Describes a file; <paramref name="modelFingerprint"/> is 32 bytes (SHA-256 of the model).</summary>
    public LtcHeader(ReadOnlySpan<byte> modelFingerprint, string modelName, LtcElementType elementType, ReadOnlySpan<long> shape,
        ReadOnlySpan<double> reconstruction = default, IReadOnlyList<LtcExtra>? extra = null)
    {
        if (modelFingerprint.Length != LtcFormat.FingerprintBytes) throw new ArgumentException("the model fingerprint must be 32 bytes", nameof(modelFingerprint));
        ArgumentNullException.ThrowIfNull(modelName);
        if (Encoding.UTF8.GetByteCount(modelName) > LtcFormat.MaxModelNameBytes) throw new ArgumentException($"model name is longer than {LtcFormat.MaxModelNameBytes} UTF-8 bytes", nameof(modelName));
        if (!Enum.IsDefined(elementType)) throw new ArgumentOutOfRangeException(nameof(elementType));
        if (shape.Length > LtcFormat.MaxRank) throw new ArgumentException($"rank above {LtcFormat.MaxRank}", nameof(shape));
        Int128 elems = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException("negative dimension", nameof(shape));
            elems *= d;
            if (elems > LtcFormat.MaxElements) throw new ArgumentException("tensor too large", nameof(shape));
        }
        if (reconstruction.Length > LtcFormat.MaxReconstruction) throw new ArgumentException("too many reconstruction parameters", nameof(reconstruction));
        foreach (var r in reconstruction) if (!double.IsFinite(r)) throw new ArgumentException("reconstruction parameters must be finite", nameof(reconstruction));
        var ex = extra?.ToArray() ?? [];
        if (ex.Length > LtcFormat.MaxExtras) throw new ArgumentException("too many extra fields", nameof(extra));
        if (ex.Select(e => e.Key).Distinct().Count() != ex.Length) throw new ArgumentException("duplicate extra keys", nameof(extra));
        ModelFingerprint = modelFingerprint.ToArray();
        ModelName = modelName;
        ElementType = elementType;
        Shape = shape.ToArray();
        Reconstruction = reconstruction.ToArray();
        Extra = ex;
    }

    /// <summary>Format version of the file (this library writes and accepts only <see cref="LtcFormat.Version"/>).</summary>
    public int Version => LtcFormat.Version;

    /// <summary>32-byte fingerprint of the model that wrote the file.</summary>
    public IReadOnlyList<byte> ModelFingerprint { get; }

    /// <summary>Model kind/name (at most 63 UTF-8 bytes).</summary>
    public string ModelName { get; }

    /// <summary>Element type of the original tensor.</summary>
    public LtcElementType ElementType { get; }

    /// <summary>Shape of the original tensor (C order).</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Reconstruction parameters (scale, offset, ...), finite float64.</summary>
    public IReadOnlyList<double> Reconstruction { get; }

    /// <summary>Model-specific typed fields.</summary>
    public IReadOnlyList<LtcExtra> Extra { get; }

    /// <summary>
    /// Number of payload chunks: read from the file by the reader; patched by <see cref="LtcWriter.Complete"/> on a
    /// seekable stream; must be set before writing to a non-seekable one.
    /// </summary>
    public int ChunkCount { get; set; }

    /// <summary>The fingerprint as lowercase hex.</summary>
    public string FingerprintHex => Convert.ToHexStringLower(ModelFingerprint.ToArray());

    /// <summary>The extra field with this key, or null.</summary>
    public LtcExtra? Find(string key) => Extra.FirstOrDefault(e => e.Key == key);

    internal byte[] Serialize()
    {
        var ms = new MemoryStream();
        var w = new BinaryWriter(ms);
        w.Write(LtcFormat.Magic);
        w.Write((ushort)LtcFormat.Version);
        w.Write((ushort)0);
        w.Write(0u); // header length, patched below
        w.Write(ModelFingerprint.ToArray());
        var name = Encoding.UTF8.GetBytes(ModelName);
        w.Write((byte)name.Length);
        var padded = new byte[LtcFormat.MaxModelNameBytes];
        name.CopyTo(padded, 0);
        w.Write(padded);
        w.Write((byte)ElementType);
        w.Write((byte)Shape.Count);
        w.Write((ushort)Reconstruction.Count);
        w.Write((uint)ChunkCount);
        w.Write((ushort)Extra.Count);
        w.Write((ushort)0);
        foreach (var d in Shape) w.Write(d);
        foreach (var r in Reconstruction) w.Write(r);
        foreach (var e in Extra)
        {
            w.Write((byte)e.Key.Length);
            w.Write(Encoding.ASCII.GetBytes(e.Key));
            w.Write((byte)e.Type);
            w.Write((uint)e.Value.Length);
            w.Write(e.Value);
        }
        w.Write(0u); // CRC, patched below
        w.Flush();
        var bytes = ms.ToArray();
        if (bytes.Length > LtcFormat.MaxHeaderBytes) throw new ArgumentException($"header is larger than {LtcFormat.MaxHeaderBytes} bytes");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), (uint)bytes.Length);
        Seal(bytes);
        return bytes;
    }

    internal static void Seal(byte[] header) =>
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(header.Length - 4), Crc32C.Compute(header.AsSpan(0, header.Length - 4)));
}

/// <summary>Constants and limits of the <c>.ltc</c> format.</summary>
public static class LtcFormat
{
    /// <summary>The eight magic bytes: 0x89 'L' 'T' 'C' '\r' '\n' 0x1A '\n'.</summary>
    public static ReadOnlySpan<byte> Magic => FileSignature.Compressed;

    /// <summary>The format version this library writes and reads.</summary>
    public const int Version = 1;

    /// <summary>Size of the fixed part of the header (before the shape).</summary>
    public const int FixedHeaderBytes = 124;

    /// <summary>Bytes of the model fingerprint.</summary>
    public const int FingerprintBytes = 32;

    /// <summary>Longest model name in UTF-8 bytes.</summary>
    public const int MaxModelNameBytes = 63;

    /// <summary>Largest tensor rank.</summary>
    public const int MaxRank = 8;

    /// <summary>Largest element count of the original tensor (2^48).</summary>
    public const long MaxElements = 1L << 48;

    /// <summary>Most reconstruction parameters.</summary>
    public const int MaxReconstruction = 4096;

    /// <summary>Most extra fields.</summary>
    public const int MaxExtras = 256;

    /// <summary>Longest extra key.</summary>
    public const int MaxKeyLength = 32;

    /// <summary>Largest extra value.</summary>
    public const int MaxExtraValueBytes = 1 << 20;

    /// <summary>Largest header.</summary>
    public const int MaxHeaderBytes = 4 << 20;

    /// <summary>Most chunks.</summary>
    public const int MaxChunks = 1 << 24;

    /// <summary>Largest chunk payload (1 GiB).</summary>
    public const int MaxChunkBytes = 1 << 30;

    internal static bool IsValidKey(string key) =>
        key.Length is >= 1 and <= MaxKeyLength && key.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.');
}

/// <summary>
/// Writes a <c>.ltc</c> file: the header, then payload chunks one at a time (each with its length and CRC-32C).
/// On a seekable stream the chunk count is patched in at <see cref="Complete"/>; otherwise the header's
/// <see cref="LtcHeader.ChunkCount"/> must be set beforehand and is checked.
/// </summary>
public sealed class LtcWriter
{
    private readonly Stream _stream;
    private readonly LtcHeader _header;
    private readonly long _headerPos;
    private readonly bool _patch;
    private int _chunks;
    private bool _done;

    /// <summary>Writes the header of <paramref name="header"/> to <paramref name="stream"/>.</summary>
    public LtcWriter(Stream stream, LtcHeader header)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _header = header ?? throw new ArgumentNullException(nameof(header));
        _patch = stream.CanSeek;
        _headerPos = _patch ? stream.Position : 0;
        stream.Write(header.Serialize());
    }

    /// <summary>Appends one payload chunk.</summary>
    public void WriteChunk(ReadOnlySpan<byte> payload)
    {
        if (_done) throw new InvalidOperationException("the writer is complete");
        if (payload.Length > LtcFormat.MaxChunkBytes) throw new ArgumentException($"chunk larger than {LtcFormat.MaxChunkBytes} bytes", nameof(payload));
        if (++_chunks > LtcFormat.MaxChunks) throw new InvalidOperationException("too many chunks");
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(head, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(head[4..], Crc32C.Compute(payload));
        _stream.Write(head);
        _stream.Write(payload);
    }

    /// <summary>Finishes the file: patches the chunk count (and header checksum) in place.</summary>
    public void Complete()
    {
        if (_done) return;
        _done = true;
        if (!_patch)
        {
            if (_header.ChunkCount != _chunks) throw new InvalidOperationException($"header declared {_header.ChunkCount} chunks but {_chunks} were written");
            return;
        }
        _header.ChunkCount = _chunks;
        var bytes = _header.Serialize();
        long end = _stream.Position;
        _stream.Position = _headerPos;
        _stream.Write(bytes);
        _stream.Position = end;
        _stream.Flush();
    }
}

/// <summary>
/// Reads and validates a <c>.ltc</c> file. Every length is checked against the bytes actually present before anything
/// is allocated, and every problem is an <see cref="LtcFormatException"/> naming the file.
/// </summary>
/// <remarks>
/// A file that is not a regular file (a pipe such as <c>/dev/stdin</c>, a FIFO, a device) or a stream that cannot
/// seek is read as a stream: its magic is checked on the first bytes, and since its length is unknown, every chunk's
/// payload is read in pieces, so memory grows only with the bytes that actually arrive.
/// </remarks>
public sealed class LtcReader : IDisposable
{
    private const int StreamPiece = 1 << 20;
    private readonly Stream _stream;
    private readonly CountingStream? _counter;
    private readonly bool _own;
    private readonly string _name;
    private readonly long _length;
    private int _read;

    private LtcReader(Stream stream, CountingStream? counter, bool own, string name, LtcHeader header, long length, long headerBytes)
    {
        _stream = stream;
        _counter = counter;
        _own = own;
        _name = name;
        Header = header;
        _length = length;
        HeaderBytes = headerBytes;
    }

    /// <summary>The validated header.</summary>
    public LtcHeader Header { get; }

    /// <summary>Size of the header in bytes.</summary>
    public long HeaderBytes { get; }

    /// <summary>Size of the whole file in bytes (for a stream: the bytes read so far, the whole file once every chunk is read).</summary>
    public long FileBytes => _counter?.BytesRead ?? _length;

    /// <summary>Whether the file is read as a stream of unknown length (a pipe, FIFO or device).</summary>
    public bool IsStream => _counter is not null;

    /// <summary>Opens <paramref name="path"/> and validates its header; if <paramref name="expectedFingerprint"/> is given, the file must come from that model.</summary>
    public static LtcReader Open(string path, ReadOnlySpan<byte> expectedFingerprint = default) =>
        Open(path, Accepting(expectedFingerprint));

    /// <summary>
    /// Opens <paramref name="path"/> and validates its header; the file must record one of
    /// <paramref name="acceptedFingerprints"/> (the first is the model's own, named in the error; the others are
    /// fingerprints the same model had under earlier definitions, see docs/file-format.md). Empty: any model.
    /// </summary>
    public static LtcReader Open(string path, IReadOnlyList<byte[]> acceptedFingerprints)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(acceptedFingerprints);
        if (path.Length == 0) throw new LtcException("the .ltc path is empty");
        var kind = AtomicFile.KindOf(path);
        if (kind == FileKind.Directory) throw new LtcException($"{path}: is a directory, not an .ltc file");
        if (kind == FileKind.Missing) throw new LtcException($"{path}: file not found");
        FileStream fs;
        try { fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16); }
        catch (FileNotFoundException) { throw new LtcException($"{path}: file not found"); }
        catch (DirectoryNotFoundException) { throw new LtcException($"{path}: file not found"); }
        catch (UnauthorizedAccessException) { throw new LtcException($"{path}: permission denied"); }
        catch (IOException e) { throw new LtcException($"{path}: cannot read ({e.Message})"); }
        try { return Open(fs, path, acceptedFingerprints, own: true, streaming: kind != FileKind.Regular || !fs.CanSeek); }
        catch { fs.Dispose(); throw; }
    }

    /// <summary>Reads from a stream positioned at the start of the file; <paramref name="name"/> names it in errors.
    /// A stream that cannot seek is read as a stream of unknown length.</summary>
    public static LtcReader Open(Stream stream, string name, ReadOnlySpan<byte> expectedFingerprint = default, bool own = false) =>
        Open(stream, name, Accepting(expectedFingerprint), own);

    /// <summary>Reads from a stream positioned at the start of the file, which must record one of
    /// <paramref name="acceptedFingerprints"/> (as for <see cref="Open(string, IReadOnlyList{byte[]})"/>).</summary>
    public static LtcReader Open(Stream stream, string name, IReadOnlyList<byte[]> acceptedFingerprints, bool own = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(acceptedFingerprints);
        return Open(stream, name, acceptedFingerprints, own, streaming: !stream.CanSeek);
    }

    private static byte[][] Accepting(ReadOnlySpan<byte> fingerprint) => fingerprint.IsEmpty ? [] : [fingerprint.ToArray()];

    private static LtcReader Open(Stream stream, string name, IReadOnlyList<byte[]> acceptedFingerprints, bool own, bool streaming)
    {
        CountingStream? counter = streaming ? new CountingStream(stream) : null;
        Stream input = counter ?? stream;
        long length = streaming ? long.MaxValue : stream.Length - stream.Position;
        Span<byte> fixedPart = stackalloc byte[LtcFormat.FixedHeaderBytes];
        int got = input.ReadAtLeast(fixedPart, fixedPart.Length, throwOnEndOfStream: false);
        if (got == 0) throw new LtcFormatException($"{name}: empty (no bytes), not an .ltc file");
        if (got < LtcFormat.Magic.Length && LtcFormat.Magic.StartsWith(fixedPart[..got]))
            throw new LtcFormatException($"{name}: truncated header ({got} bytes)");
        if (got < LtcFormat.Magic.Length || !fixedPart[..8].SequenceEqual(LtcFormat.Magic))
            throw new LtcFormatException($"{name}: not an .ltc file (bad magic{FileSignature.ItIs(fixedPart[..got])})");
        string size = streaming ? $"{got} bytes read" : $"{length} bytes";
        if (got < 16) throw new LtcFormatException($"{name}: truncated header ({size})");
        int version = BinaryPrimitives.ReadUInt16LittleEndian(fixedPart[8..]);
        if (version != LtcFormat.Version) throw new LtcFormatException($"{name}: unsupported .ltc format version {version} (this build reads version {LtcFormat.Version})");
        if (BinaryPrimitives.ReadUInt16LittleEndian(fixedPart[10..]) != 0) throw new LtcFormatException($"{name}: unknown header flags");
        uint hlen = BinaryPrimitives.ReadUInt32LittleEndian(fixedPart[12..]);
        if (hlen < LtcFormat.FixedHeaderBytes + 4 || hlen > LtcFormat.MaxHeaderBytes) throw new LtcFormatException($"{name}: implausible header length {hlen}");
        if (hlen > length || got < LtcFormat.FixedHeaderBytes) throw new LtcFormatException($"{name}: truncated header (needs {hlen} bytes, {(streaming ? $"got {got}" : $"file has {length}")})");
        var header = new byte[hlen];
        fixedPart.CopyTo(header);
        if (input.ReadAtLeast(header.AsSpan(LtcFormat.FixedHeaderBytes), (int)hlen - LtcFormat.FixedHeaderBytes, throwOnEndOfStream: false) != hlen - LtcFormat.FixedHeaderBytes)
            throw new LtcFormatException($"{name}: truncated header");
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan((int)hlen - 4));
        if (crc != Crc32C.Compute(header.AsSpan(0, (int)hlen - 4))) throw new LtcFormatException($"{name}: header checksum mismatch (file is corrupt)");
        var h = ParseHeader(header, name, length);
        var recorded = h.ModelFingerprint.ToArray();
        if (acceptedFingerprints.Count > 0 && !acceptedFingerprints.Any(f => f.AsSpan().SequenceEqual(recorded)))
        {
            var expected = acceptedFingerprints[0];
            throw new LtcFormatException($"{name}: written by model {h.FingerprintHex[..16]}…, not by the model given ({Convert.ToHexStringLower(expected)[..Math.Min(16, 2 * expected.Length)]}…)");
        }
        return new LtcReader(input, counter, own, name, h, length, hlen);
    }

    /// <summary>Reads the next chunk's payload after checking its length and checksum; null after the last chunk.</summary>
    public byte[]? ReadChunk()
    {
        if (_read == Header.ChunkCount)
        {
            if (_stream.ReadByte() >= 0) throw new LtcFormatException($"{_name}: unexpected bytes after the last chunk");
            return null;
        }
        Span<byte> head = stackalloc byte[8];
        if (_stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) != 8) throw new LtcFormatException($"{_name}: truncated at chunk {_read} of {Header.ChunkCount}");
        uint len = BinaryPrimitives.ReadUInt32LittleEndian(head);
        if (len > LtcFormat.MaxChunkBytes) throw new LtcFormatException($"{_name}: chunk {_read} claims {len} bytes, more than a chunk may hold (corrupt)");
        byte[] data;
        if (_counter is null)
        {
            long remaining = _stream.Length - _stream.Position;
            if (len > remaining)
                throw new LtcFormatException($"{_name}: chunk {_read} claims {len} bytes but only {remaining} remain (truncated or corrupt)");
            data = new byte[len];
            if (_stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false) != len) throw new LtcFormatException($"{_name}: truncated in chunk {_read}");
        }
        else data = ReadPieces(len);
        if (BinaryPrimitives.ReadUInt32LittleEndian(head[4..]) != Crc32C.Compute(data))
            throw new LtcFormatException($"{_name}: chunk {_read} checksum mismatch (file is corrupt)");
        _read++;
        return data;
    }

    // A stream's length is unknown: read a claimed length in pieces, so that a lying length costs only the bytes that come.
    private byte[] ReadPieces(uint len)
    {
        if (len <= StreamPiece)
        {
            var small = new byte[len];
            if (_stream.ReadAtLeast(small, small.Length, throwOnEndOfStream: false) != len) throw new LtcFormatException($"{_name}: truncated in chunk {_read}");
            return small;
        }
        var ms = new MemoryStream();
        var piece = new byte[StreamPiece];
        long left = len;
        while (left > 0)
        {
            int want = (int)Math.Min(left, piece.Length);
            int got = _stream.ReadAtLeast(piece.AsSpan(0, want), want, throwOnEndOfStream: false);
            ms.Write(piece, 0, got);
            if (got < want) throw new LtcFormatException($"{_name}: truncated in chunk {_read} ({len} bytes claimed, {ms.Length} present)");
            left -= got;
        }
        return ms.ToArray();
    }

    /// <summary>Reads and checks every remaining chunk and the end of the file; returns the payload bytes seen.</summary>
    public long ValidateAll()
    {
        long total = 0;
        while (ReadChunk() is { } c) total += c.Length;
        return total;
    }

    /// <summary>Closes the stream if the reader opened it.</summary>
    public void Dispose()
    {
        if (_own) _stream.Dispose();
    }

    /// <summary>A read-only pass-through that counts the bytes read (the length of a stream that cannot seek).</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            BytesRead += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    private static LtcHeader ParseHeader(byte[] b, string name, long fileLength)
    {
        var s = b.AsSpan();
        int nameLen = s[48];
        if (nameLen > LtcFormat.MaxModelNameBytes) throw new LtcFormatException($"{name}: model name length {nameLen} exceeds {LtcFormat.MaxModelNameBytes}");
        string model;
        try { model = new UTF8Encoding(false, true).GetString(s.Slice(49, nameLen)); }
        catch (DecoderFallbackException) { throw new LtcFormatException($"{name}: model name is not UTF-8"); }
        byte et = s[112];
        if (!Enum.IsDefined((LtcElementType)et)) throw new LtcFormatException($"{name}: unknown element type {et}");
        int rank = s[113];
        int nrec = BinaryPrimitives.ReadUInt16LittleEndian(s[114..]);
        uint chunks = BinaryPrimitives.ReadUInt32LittleEndian(s[116..]);
        int nextra = BinaryPrimitives.ReadUInt16LittleEndian(s[120..]);
        if (rank > LtcFormat.MaxRank) throw new LtcFormatException($"{name}: rank {rank} exceeds {LtcFormat.MaxRank}");
        if (nrec > LtcFormat.MaxReconstruction) throw new LtcFormatException($"{name}: {nrec} reconstruction parameters exceed {LtcFormat.MaxReconstruction}");
        if (nextra > LtcFormat.MaxExtras) throw new LtcFormatException($"{name}: {nextra} extra fields exceed {LtcFormat.MaxExtras}");
        if (BinaryPrimitives.ReadUInt16LittleEndian(s[122..]) != 0) throw new LtcFormatException($"{name}: reserved header bytes are not zero");
        if (chunks > LtcFormat.MaxChunks || (fileLength != long.MaxValue && chunks > (fileLength - b.Length) / 8))
            throw new LtcFormatException(chunks <= LtcFormat.MaxChunks
                ? $"{name}: truncated or corrupt: its {chunks} chunk(s) need a table of {8L * chunks} bytes after the {b.Length}-byte header, and the file has {fileLength} bytes"
                : $"{name}: chunk count {chunks} exceeds {LtcFormat.MaxChunks} (corrupt header)");
        int pos = LtcFormat.FixedHeaderBytes, end = b.Length - 4;
        if (pos + 8L * rank + 8L * nrec > end) throw new LtcFormatException($"{name}: header too short for its shape and parameters");
        var shape = new long[rank];
        Int128 elems = 1;
        for (int i = 0; i < rank; i++, pos += 8)
        {
            shape[i] = BinaryPrimitives.ReadInt64LittleEndian(s[pos..]);
            if (shape[i] < 0) throw new LtcFormatException($"{name}: negative dimension {shape[i]} in the shape");
            elems *= shape[i];
            if (elems > LtcFormat.MaxElements) throw new LtcFormatException($"{name}: tensor shape is implausibly large");
        }
        var rec = new double[nrec];
        for (int i = 0; i < nrec; i++, pos += 8)
        {
            rec[i] = BinaryPrimitives.ReadDoubleLittleEndian(s[pos..]);
            if (!double.IsFinite(rec[i])) throw new LtcFormatException($"{name}: reconstruction parameter {i} is not finite");
        }
        var extras = new List<LtcExtra>(nextra);
        var keys = new HashSet<string>();
        for (int i = 0; i < nextra; i++)
        {
            if (pos + 1 > end) throw new LtcFormatException($"{name}: header extra {i} is truncated");
            int klen = s[pos++];
            if (klen < 1 || klen > LtcFormat.MaxKeyLength || pos + klen + 5 > end) throw new LtcFormatException($"{name}: header extra {i} has a bad key length {klen}");
            var key = Encoding.ASCII.GetString(s.Slice(pos, klen));
            if (!LtcFormat.IsValidKey(key) || !keys.Add(key)) throw new LtcFormatException($"{name}: header extra {i} has an invalid or duplicate key");
            pos += klen;
            var type = (LtcExtraType)s[pos++];
            uint vlen = BinaryPrimitives.ReadUInt32LittleEndian(s[pos..]);
            pos += 4;
            if (vlen > LtcFormat.MaxExtraValueBytes || pos + vlen > end) throw new LtcFormatException($"{name}: header extra '{key}' length {vlen} overruns the header");
            extras.Add(LtcExtra.Parse(key, type, s.Slice(pos, (int)vlen).ToArray(), name));
            pos += (int)vlen;
        }
        if (pos != end) throw new LtcFormatException($"{name}: {end - pos} unexpected bytes at the end of the header");
        var h = new LtcHeader(s.Slice(16, 32), model, (LtcElementType)et, shape, rec, extras) { ChunkCount = (int)chunks };
        return h;
    }
}

/// <summary>Whole-file helpers over <see cref="LtcWriter"/> and <see cref="LtcReader"/>.</summary>
public static class LtcFile
{
    /// <summary>Writes <paramref name="path"/> atomically (temporary file, then rename) with the given chunks.</summary>
    public static void Write(string path, LtcHeader header, IEnumerable<byte[]> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        AtomicFile.Write(path, s =>
        {
            var w = new LtcWriter(s, header);
            foreach (var c in chunks) w.WriteChunk(c);
            w.Complete();
        });
    }

    /// <summary>Reads and validates the whole file: its header and every chunk.</summary>
    public static (LtcHeader Header, List<byte[]> Chunks) Read(string path, ReadOnlySpan<byte> expectedFingerprint = default)
    {
        using var r = LtcReader.Open(path, expectedFingerprint);
        var chunks = new List<byte[]>();
        while (r.ReadChunk() is { } c) chunks.Add(c);
        return (r.Header, chunks);
    }
}
