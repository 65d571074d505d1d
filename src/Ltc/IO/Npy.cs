using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Ltc.IO;

/// <summary>Element types of .npy arrays that Ltc reads and writes (little-endian).</summary>
public enum NpyType
{
    /// <summary>float32, descr '&lt;f4'.</summary>
    Float32,
    /// <summary>float64, descr '&lt;f8'.</summary>
    Float64,
    /// <summary>int32, descr '&lt;i4'.</summary>
    Int32,
    /// <summary>int64, descr '&lt;i8'.</summary>
    Int64,
}

/// <summary>An array read from a .npy file: its element type, shape, and values widened to double.</summary>
/// <param name="Type">Element type in the file.</param>
/// <param name="Shape">Shape in C order.</param>
/// <param name="Data">Values in C (row-major) order, widened to double.</param>
public sealed record NpyArray(NpyType Type, long[] Shape, double[] Data)
{
    /// <summary>Number of rows of a 2-d array (count of vectors), or the length of a 1-d array.</summary>
    public int Rows => Shape.Length == 0 ? 1 : checked((int)Shape[0]);

    /// <summary>Number of columns of a 2-d array (vector dimension); 1 for a 1-d array.</summary>
    public int Columns => Shape.Length < 2 ? 1 : checked((int)(Data.LongLength / Math.Max(1, Shape[0])));
}

/// <summary>
/// A strict reader and writer of the NumPy .npy format (NEP 1, versions 1.0, 2.0 and 3.0). The reader validates the
/// header and checks the data length against the file size before allocating, so a malformed or truncated file gives a
/// one-line <see cref="LtcException"/> rather than an exception trace or a huge allocation.
/// </summary>
public static partial class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int MaxHeaderLength = 1 << 16;

    /// <summary>Reads a .npy file. Fortran-ordered arrays are returned in C order.</summary>
    public static NpyArray Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new LtcException($"{path}: file not found"); }
        catch (DirectoryNotFoundException) { throw new LtcException($"{path}: file not found"); }
        catch (UnauthorizedAccessException) { throw new LtcException($"{path}: permission denied"); }
        catch (IOException e) { throw new LtcException($"{path}: cannot read ({e.Message})"); }
        return Parse(bytes, path);
    }

    /// <summary>The fields of a validated .npy header; <paramref name="DataStart"/> is the offset of the first data byte.</summary>
    internal readonly record struct Header(NpyType Type, bool Fortran, long[] Shape, int DataStart);

    /// <summary>Bytes at the start of a file that always suffice to find where its header ends (see <see cref="HeaderEnd"/>).</summary>
    internal const int PreambleLength = 12;

    /// <summary>
    /// Checks the magic and version and returns the offset where the header ends (where the data starts). Needs the
    /// first 10 bytes (12 for versions 2.0 and 3.0), so a streaming reader can size its header read before parsing.
    /// </summary>
    internal static int HeaderEnd(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
            throw new LtcException($"{name}: not a .npy file (bad magic)");
        int major = bytes[6];
        switch (major)
        {
            case 1: return 10 + BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
            case 2 or 3:
                if (bytes.Length < 12) throw new LtcException($"{name}: truncated .npy header");
                uint len = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
                if (len > MaxHeaderLength) throw new LtcException($"{name}: .npy header length {len} is implausible");
                return 12 + (int)len;
            default: throw new LtcException($"{name}: unsupported .npy version {major}.{bytes[7]}");
        }
    }

    /// <summary>
    /// Parses and validates the header (magic, version, descr, fortran_order, shape); <paramref name="bytes"/> must hold
    /// at least the whole header. With <paramref name="floatsOnly"/> only &lt;f4 and &lt;f8 are accepted.
    /// </summary>
    internal static Header ParseHeader(ReadOnlySpan<byte> bytes, string name, bool floatsOnly)
    {
        int headerEnd = HeaderEnd(bytes, name);
        int headerStart = bytes[6] == 1 ? 10 : 12;
        if (headerEnd > bytes.Length) throw new LtcException($"{name}: truncated .npy header");
        var header = (bytes[6] == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes[headerStart..headerEnd]);

        var descr = HeaderString(header, "descr", name);
        var type = descr switch
        {
            "<f4" => NpyType.Float32,
            "<f8" => NpyType.Float64,
            "<i4" when !floatsOnly => NpyType.Int32,
            "<i8" when !floatsOnly => NpyType.Int64,
            _ => throw new LtcException($"{name}: unsupported .npy element type '{descr}' (expected {(floatsOnly ? "<f4 or <f8" : "<f4, <f8, <i4 or <i8")})"),
        };
        var fortranMatch = FortranRegex().Match(header);
        if (!fortranMatch.Success) throw new LtcException($"{name}: .npy header has no fortran_order");
        bool fortran = fortranMatch.Groups[1].Value == "True";
        var shapeMatch = ShapeRegex().Match(header);
        if (!shapeMatch.Success) throw new LtcException($"{name}: .npy header has no valid shape");
        var shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
                : throw new LtcException($"{name}: .npy shape entry '{s}' is not a non-negative integer"))
            .ToArray();
        return new Header(type, fortran, shape, headerEnd);
    }

    /// <summary>Parses the bytes of a .npy file; <paramref name="name"/> names it in error messages.</summary>
    public static NpyArray Parse(ReadOnlySpan<byte> bytes, string name = "<npy>")
    {
        var (type, fortran, shape, headerEnd) = ParseHeader(bytes, name, floatsOnly: false);

        int itemSize = type is NpyType.Float32 or NpyType.Int32 ? 4 : 8;
        long dataStart = headerEnd;
        long available = (bytes.Length - dataStart) / itemSize;
        long count = 1;
        foreach (var d in shape)
        {
            // Checked against the file's actual size at every step, so a forged shape cannot overflow or over-allocate.
            if (d != 0 && count > available / d + 1) throw new LtcException($"{name}: .npy data is truncated (shape ({string.Join(", ", shape)}) needs more bytes than the file has)");
            count *= d;
        }
        if (count > available)
            throw new LtcException($"{name}: .npy data is truncated (shape ({string.Join(", ", shape)}) needs {count * itemSize} bytes, file has {bytes.Length - dataStart})");
        if (count > Array.MaxLength) throw new LtcException($"{name}: .npy array too large ({count} elements)");

        var raw = bytes.Slice((int)dataStart, (int)(count * itemSize));
        var data = new double[count];
        switch (type)
        {
            case NpyType.Float32: { var s = MemoryMarshal.Cast<byte, float>(raw); for (int i = 0; i < s.Length; i++) data[i] = s[i]; break; }
            case NpyType.Float64: MemoryMarshal.Cast<byte, double>(raw).CopyTo(data); break;
            case NpyType.Int32: { var s = MemoryMarshal.Cast<byte, int>(raw); for (int i = 0; i < s.Length; i++) data[i] = s[i]; break; }
            case NpyType.Int64: { var s = MemoryMarshal.Cast<byte, long>(raw); for (int i = 0; i < s.Length; i++) data[i] = s[i]; break; }
        }
        if (fortran && shape.Length >= 2) data = FortranToC(data, shape);
        return new NpyArray(type, shape, data);
    }

    /// <summary>
    /// Reads a 2-d array of real vectors (count × dim) and rejects NaN or infinite values with a one-line error.
    /// A 1-d array is read as count × 1.
    /// </summary>
    public static NpyArray ReadMatrix(string path, int? expectedColumns = null)
    {
        var a = Read(path);
        if (a.Shape.Length is not (1 or 2)) throw new LtcException($"{path}: expected a 2-d array (count, dim), got shape ({string.Join(", ", a.Shape)})");
        if (expectedColumns is int c && a.Columns != c)
            throw new LtcException($"{path}: vectors have dimension {a.Columns}, expected {c}");
        for (long i = 0; i < a.Data.LongLength; i++)
            if (!double.IsFinite(a.Data[i]))
                throw new LtcException($"{path}: value at row {i / a.Columns}, column {i % a.Columns} is {a.Data[i]} (NaN or infinite values are not allowed)");
        return a;
    }

    /// <summary>Writes float64 values with the given shape, atomically.</summary>
    public static void Write(string path, ReadOnlySpan<double> data, params long[] shape) =>
        WriteRaw(path, "<f8", MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>Writes float32 values with the given shape, atomically.</summary>
    public static void Write(string path, ReadOnlySpan<float> data, params long[] shape) =>
        WriteRaw(path, "<f4", MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>Writes int64 values with the given shape, atomically.</summary>
    public static void Write(string path, ReadOnlySpan<long> data, params long[] shape) =>
        WriteRaw(path, "<i8", MemoryMarshal.AsBytes(data), data.Length, shape);

    /// <summary>Encodes an array as .npy bytes (version 1.0, C order).</summary>
    public static byte[] Encode(string descr, ReadOnlySpan<byte> payload, long elementCount, long[] shape)
    {
        long product = 1;
        foreach (var d in shape) product *= d;
        if (product != elementCount) throw new ArgumentException($"shape ({string.Join(", ", shape)}) does not hold {elementCount} elements");
        var header = EncodeHeader(descr, shape);
        var bytes = new byte[header.Length + payload.Length];
        header.CopyTo(bytes, 0);
        payload.CopyTo(bytes.AsSpan(header.Length));
        return bytes;
    }

    /// <summary>The magic, version and header of a version 1.0, C-order .npy file, padded as NumPy pads it.</summary>
    internal static byte[] EncodeHeader(string descr, long[] shape)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        int total = 10 + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        var header = dict + new string(' ', padded - total) + "\n";
        var bytes = new byte[10 + header.Length];
        Magic.CopyTo(bytes);
        bytes[6] = 1; bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.Latin1.GetBytes(header, bytes.AsSpan(10));
        return bytes;
    }

    private static void WriteRaw(string path, string descr, ReadOnlySpan<byte> payload, long count, long[] shape) =>
        AtomicFile.WriteAllBytes(path, Encode(descr, payload, count, shape));

    private static string HeaderString(string header, string key, string name)
    {
        var m = Regex.Match(header, $@"['""]{key}['""]\s*:\s*['""]([^'""]*)['""]");
        if (!m.Success) throw new LtcException($"{name}: .npy header has no {key}");
        return m.Groups[1].Value;
    }

    private static double[] FortranToC(double[] data, long[] shape)
    {
        // Column-major to row-major for any rank: walk C-order indices and gather.
        int rank = shape.Length;
        var result = new double[data.Length];
        var idx = new long[rank];
        for (long c = 0; c < data.LongLength; c++)
        {
            long f = 0, stride = 1;
            for (int a = 0; a < rank; a++) { f += idx[a] * stride; stride *= shape[a]; }
            result[c] = data[f];
            for (int a = rank - 1; a >= 0; a--) { if (++idx[a] < shape[a]) break; idx[a] = 0; }
        }
        return result;
    }

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
