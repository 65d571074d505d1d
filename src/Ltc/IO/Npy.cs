using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Numerics;

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
    /// <summary>Number of rows (the first entry of the shape; 1 for a 0-d array), as a long: an empty array of shape
    /// (3·10⁹, 0) is valid.</summary>
    public long RowCount => Shape.Length == 0 ? 1 : Shape[0];

    /// <summary>Number of rows of a 2-d array (count of vectors), or the length of a 1-d array.</summary>
    /// <exception cref="LtcException">The array has more than <see cref="int.MaxValue"/> rows (possible only when it
    /// is empty, with a zero in its shape).</exception>
    public int Rows => RowCount <= int.MaxValue
        ? (int)RowCount
        : throw new LtcException($"array of shape {ShapeText(Shape)} has {RowCount} rows, more than {int.MaxValue}");

    /// <summary>Number of columns of a 2-d array (vector dimension), from the shape, so a (0, 8) array has 8; 1 for a
    /// 1-d array; the product of the trailing entries for higher ranks.</summary>
    /// <exception cref="LtcException">The trailing entries multiply to more than <see cref="int.MaxValue"/>.</exception>
    public int Columns
    {
        get
        {
            long c = 1;
            for (int i = 1; i < Shape.Length; i++)
            {
                if (Shape[i] != 0 && c > int.MaxValue / Shape[i])
                    throw new LtcException($"array of shape {ShapeText(Shape)} has more than {int.MaxValue} columns");
                c *= Shape[i];
            }
            return (int)c;
        }
    }

    /// <summary>A shape as Python writes it: (3, 2), (5,), ().</summary>
    public static string ShapeText(IReadOnlyList<long> shape) =>
        shape.Count == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
}

/// <summary>
/// A strict reader and writer of the NumPy .npy format (NEP 1, versions 1.0, 2.0 and 3.0). The reader validates the
/// header and checks the data length against the file size before allocating, so a malformed or truncated file gives a
/// one-line <see cref="LtcException"/> rather than an exception trace or a huge allocation.
/// </summary>
public static class Npy
{
    private static ReadOnlySpan<byte> Magic => FileSignature.Npy;
    private const int MaxHeaderLength = 1 << 16;

    /// <summary>
    /// Reads a .npy file. Fortran-ordered arrays are returned in C order. The magic is checked on the first bytes and
    /// only the bytes the shape needs are read, so a device or pipe (<c>/dev/zero</c>, a FIFO) gives a one-line error or
    /// the array, never an endless read.
    /// </summary>
    public static NpyArray Read(string path)
    {
        AtomicFile.CheckInput(path); // an empty path or a directory, named as such
        FileStream stream;
        try { stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan); }
        catch (FileNotFoundException) { throw new LtcException($"{path}: file not found"); }
        catch (DirectoryNotFoundException) { throw new LtcException($"{path}: file not found"); }
        catch (UnauthorizedAccessException) { throw new LtcException($"{path}: permission denied"); }
        catch (IOException e) { throw new LtcException($"{path}: cannot read ({e.Message})"); }
        using (stream)
        {
            try { return Read(stream, path); }
            catch (IOException e) { throw new LtcException($"{path}: cannot read ({e.Message})"); }
        }
    }

    /// <summary>
    /// Reads a .npy array from <paramref name="stream"/> (seekable or not), reading the header, then exactly the data
    /// bytes its shape needs (whatever follows is ignored, as numpy.load ignores it). A seekable stream too short for the
    /// shape is refused before any data is read; a non-seekable one when it ends, with memory growing only with the data
    /// that actually arrives.
    /// </summary>
    public static NpyArray Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> pre = stackalloc byte[PreambleLength];
        int got = stream.ReadAtLeast(pre, pre.Length, throwOnEndOfStream: false);
        int headerEnd = HeaderEnd(pre[..got], name);
        var head = new byte[Math.Max(headerEnd, got)];
        pre[..got].CopyTo(head);
        if (headerEnd > got) got += stream.ReadAtLeast(head.AsSpan(got), headerEnd - got, throwOnEndOfStream: false);
        var (type, fortran, shape, _) = ParseHeader(head.AsSpan(0, got), name, floatsOnly: false);
        int itemSize = type is NpyType.Float32 or NpyType.Int32 ? 4 : 8;
        int carried = got - headerEnd; // preamble bytes past a (very short) header are data
        long availableBytes = stream.CanSeek ? stream.Length - stream.Position + carried : long.MaxValue;
        long count = ElementCount(shape, availableBytes == long.MaxValue ? long.MaxValue : availableBytes / itemSize, name);
        if (stream.CanSeek && count > availableBytes / itemSize)
            throw new LtcException($"{name}: .npy data is truncated (shape {NpyArray.ShapeText(shape)} needs {count * itemSize} bytes, file has {availableBytes})");

        var data = new double[stream.CanSeek ? count : Math.Min(count, 1 << 16)];
        var chunk = new byte[Math.Max(itemSize, (int)Math.Min(1 << 20, count * itemSize))];
        head.AsSpan(headerEnd, carried).CopyTo(chunk);
        int fill = carried;
        long done = 0;
        while (done < count)
        {
            int want = (int)Math.Min(chunk.Length, (count - done) * itemSize);
            if (fill < want) fill += stream.ReadAtLeast(chunk.AsSpan(fill, want - fill), want - fill, throwOnEndOfStream: false);
            int items = Math.Min(fill, want) / itemSize;
            if (items == 0)
                throw new LtcException($"{name}: .npy data is truncated (shape {NpyArray.ShapeText(shape)} needs {count * itemSize} bytes, the stream ended after {done * itemSize})");
            if (done + items > data.Length) Array.Resize(ref data, (int)Math.Min(count, Math.Max(done + items, 2L * data.Length)));
            Widen(chunk.AsSpan(0, items * itemSize), type, data.AsSpan((int)done, items));
            done += items;
            int rest = fill - items * itemSize;
            chunk.AsSpan(items * itemSize, rest).CopyTo(chunk);
            fill = rest;
        }
        if (fortran && shape.Length >= 2) data = FortranToC(data, shape);
        return new NpyArray(type, shape, data);
    }

    // The element count of a shape, as numpy's int64 product (any zero gives 0), refused beyond what the data holds
    // (checked at every step, so a forged shape can neither overflow nor over-allocate) or what an array can hold.
    private static long ElementCount(long[] shape, long availableItems, string name)
    {
        if (shape.Contains(0)) return 0;
        long limit = Math.Min(availableItems, Array.MaxLength);
        long count = 1;
        foreach (var d in shape)
        {
            if (count > limit / d)
                throw new LtcException(availableItems < Array.MaxLength
                    ? $"{name}: .npy data is truncated (shape {NpyArray.ShapeText(shape)} needs more bytes than the file has)"
                    : $"{name}: .npy array of shape {NpyArray.ShapeText(shape)} is too large (more than {Array.MaxLength} elements)");
            count *= d;
        }
        return count;
    }

    private static void Widen(ReadOnlySpan<byte> raw, NpyType type, Span<double> data)
    {
        switch (type)
        {
            case NpyType.Float32: { var s = MemoryMarshal.Cast<byte, float>(raw); for (int i = 0; i < s.Length; i++) data[i] = s[i]; break; }
            case NpyType.Float64: MemoryMarshal.Cast<byte, double>(raw).CopyTo(data); break;
            case NpyType.Int32: { var s = MemoryMarshal.Cast<byte, int>(raw); for (int i = 0; i < s.Length; i++) data[i] = s[i]; break; }
            case NpyType.Int64: { var s = MemoryMarshal.Cast<byte, long>(raw); for (int i = 0; i < s.Length; i++) data[i] = s[i]; break; }
        }
    }

    /// <summary>The fields of a validated .npy header; <paramref name="DataStart"/> is the offset of the first data byte.</summary>
    internal readonly record struct Header(NpyType Type, bool Fortran, long[] Shape, int DataStart);

    /// <summary>Bytes at the start of a file that always suffice to find where its header ends (see <see cref="HeaderEnd"/>).</summary>
    internal const int PreambleLength = 12;

    /// <summary>
    /// Checks the magic and version and returns the offset where the header ends (where the data starts). Needs the
    /// first 10 bytes (12 for versions 2.0 and 3.0), so a streaming reader can size its header read before parsing.
    /// Versions 1.0, 2.0 and 3.0 are accepted, as numpy.load accepts them (a minor version other than 0 is refused).
    /// </summary>
    internal static int HeaderEnd(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.IsEmpty) throw new LtcException($"{name}: empty (no bytes), not a .npy file");
        // A file cut inside its first 10 bytes that starts as a .npy does is truncated, not foreign.
        if (bytes.Length < 10 && (Magic.StartsWith(bytes) || bytes.StartsWith(Magic)))
            throw new LtcException($"{name}: truncated .npy header ({bytes.Length} bytes)");
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
            throw new LtcException($"{name}: not a .npy file (bad magic{FileSignature.ItIs(bytes)})");
        int major = bytes[6], minor = bytes[7];
        if (major is not (1 or 2 or 3) || minor != 0)
            throw new LtcException($"{name}: unsupported .npy version {major}.{minor} (numpy reads 1.0, 2.0 and 3.0)");
        if (major == 1) return 10 + BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
        if (bytes.Length < 12) throw new LtcException($"{name}: truncated .npy header");
        uint len = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (len > MaxHeaderLength) throw new LtcException($"{name}: .npy header length {len} is implausible");
        return 12 + (int)len;
    }

    /// <summary>
    /// The longest header numpy.load reads by default (its <c>max_header_size</c>), in characters after decoding.
    /// </summary>
    public const int MaxHeaderCharacters = 10000;

    /// <summary>
    /// Parses and validates the header (magic, version, descr, fortran_order, shape); <paramref name="bytes"/> must hold
    /// at least the whole header. With <paramref name="floatsOnly"/> only float32 and float64 are accepted.
    /// </summary>
    /// <remarks>
    /// The header is read exactly as numpy.load reads it: decoded as Latin-1 (versions 1.0, 2.0) or UTF-8 (3.0), at
    /// most <see cref="MaxHeaderCharacters"/> characters, Python 2 long suffixes (<c>1L</c>) dropped in versions 1.0 and
    /// 2.0, then evaluated as a Python literal (<see cref="PyLiteral"/>: any quoting, spacing, key order, comments,
    /// trailing commas, hex or underscored integers), which must be a dict with exactly the keys descr, fortran_order
    /// and shape, shape a tuple of integers and fortran_order a bool. Ltc refuses, where numpy would read, negative
    /// shape entries (numpy infers a single −1 from the file length by accident) and element types other than
    /// little-endian float32, float64, int32 and int64 (in any of numpy's spellings of them: &lt;f8, f8, =f8, |f8, d,
    /// float64, double, ...).
    /// </remarks>
    internal static Header ParseHeader(ReadOnlySpan<byte> bytes, string name, bool floatsOnly)
    {
        int headerEnd = HeaderEnd(bytes, name);
        int major = bytes[6];
        int headerStart = major == 1 ? 10 : 12;
        if (headerEnd > bytes.Length) throw new LtcException($"{name}: truncated .npy header");
        string header;
        try
        {
            header = major == 3
                ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes[headerStart..headerEnd])
                : Encoding.Latin1.GetString(bytes[headerStart..headerEnd]);
        }
        catch (DecoderFallbackException) { throw new LtcException($"{name}: .npy header is not valid UTF-8"); }
        if (header.Length > MaxHeaderCharacters)
            throw new LtcException($"{name}: .npy header is {header.Length} characters long, more than numpy reads ({MaxHeaderCharacters})");

        object? value;
        try { value = PyLiteral.Parse(header, dropLongSuffix: major <= 2); }
        catch (FormatException e) { throw new LtcException($"{name}: .npy header is not a Python literal ({e.Message})"); }
        if (value is not PyLiteral.Dict dict)
            throw new LtcException($"{name}: .npy header is not a dictionary");
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in dict.Items)
        {
            if (k is not string key) throw new LtcException($"{name}: .npy header has a key that is not a string");
            keys.Add(key);
            fields[key] = v; // a repeated key keeps its last value, as in Python
        }
        if (!keys.SetEquals(["descr", "fortran_order", "shape"]))
            throw new LtcException($"{name}: .npy header must have exactly the keys descr, fortran_order and shape, has {string.Join(", ", keys)}");

        if (fields["shape"] is not PyLiteral.Tuple shapeTuple || shapeTuple.Items.Any(i => i is not BigInteger))
            throw new LtcException($"{name}: .npy shape is not a tuple of integers");
        var shape = new long[shapeTuple.Items.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            var v = (BigInteger)shapeTuple.Items[i]!;
            if (v.Sign < 0) throw new LtcException($"{name}: .npy shape entry {v} is negative");
            if (v > long.MaxValue) throw new LtcException($"{name}: .npy shape entry {v} is too large");
            shape[i] = (long)v;
        }
        if (fields["fortran_order"] is not bool fortran)
            throw new LtcException($"{name}: .npy fortran_order is not True or False");
        var descr = fields["descr"] as string;
        NpyType? type = descr is null ? null : ElementType(descr);
        if (type is null || (floatsOnly && type is not (NpyType.Float32 or NpyType.Float64)))
        {
            string shown = descr is null ? "a structured or non-string descr" : $"'{descr}'";
            throw new LtcException($"{name}: unsupported .npy element type {shown} (expected {(floatsOnly ? "<f4 or <f8" : "<f4, <f8, <i4 or <i8")})");
        }
        return new Header(type.Value, fortran, shape, headerEnd);
    }

    /// <summary>The element type of a numpy dtype string that means little-endian float32, float64, int32 or int64 on
    /// every platform (numpy's own spellings), or null.</summary>
    internal static NpyType? ElementType(string descr)
    {
        switch (descr)
        {
            case "float32" or "single": return NpyType.Float32;
            case "float64" or "double" or "float": return NpyType.Float64;
            case "int32" or "intc": return NpyType.Int32;
            case "int64" or "longlong": return NpyType.Int64;
        }
        var code = descr.Length > 0 && descr[0] is '<' or '=' or '|' ? descr[1..] : descr;
        return code switch
        {
            "f4" or "f" => NpyType.Float32,
            "f8" or "d" => NpyType.Float64,
            "i4" or "i" => NpyType.Int32,
            "i8" or "q" => NpyType.Int64,
            _ => null,
        };
    }

    /// <summary>Parses the bytes of a .npy file; <paramref name="name"/> names it in error messages.</summary>
    public static NpyArray Parse(ReadOnlySpan<byte> bytes, string name = "<npy>")
    {
        var (type, fortran, shape, headerEnd) = ParseHeader(bytes, name, floatsOnly: false);
        int itemSize = type is NpyType.Float32 or NpyType.Int32 ? 4 : 8;
        long available = (bytes.Length - headerEnd) / itemSize;
        long count = ElementCount(shape, available, name);
        var data = new double[count];
        Widen(bytes.Slice(headerEnd, (int)(count * itemSize)), type, data);
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
                throw new LtcException($"{path}: value at row {i / a.Columns}, column {i % a.Columns} (counting from 0) is {a.Data[i]} (NaN or infinite values are not allowed)");
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
        foreach (var d in shape)
        {
            // A negative extent could multiply out to the element count ((-2, -2) holds 4) and write a file numpy refuses.
            if (d < 0) throw new ArgumentException($"shape ({string.Join(", ", shape)}) has a negative extent");
            product *= d;
        }
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
}

/// <summary>
/// Evaluates a Python literal the way <c>ast.literal_eval</c> does (Python 3.11), for .npy headers: strings (any quotes,
/// triple quotes, r/u/b prefixes, escapes, adjacent concatenation), integers (decimal, hex, octal, binary, underscores,
/// one unary sign), floats, complex numbers, True, False, None, ..., tuples, lists, sets, set() and dicts, with
/// comments, line continuations and newlines inside brackets. Anything else (names, calls, operators, a leading indent,
/// a NUL) is a <see cref="FormatException"/>. With <c>dropLongSuffix</c> a name <c>L</c> right after a number is
/// dropped first, as numpy's <c>_filter_header</c> does for Python 2 headers. The one deliberate gap: <c>\N{name}</c>
/// escapes are refused (.NET has no Unicode name table).
/// </summary>
internal static class PyLiteral
{
    /// <summary>A tuple.</summary>
    public sealed record Tuple(object?[] Items);

    /// <summary>A dict, as its key/value pairs in order (repeated keys included).</summary>
    public sealed record Dict(List<(object? Key, object? Value)> Items);

    /// <summary>A set or list literal (only hashability matters).</summary>
    public sealed record Collection(object?[] Items, bool IsSet);

    /// <summary>A bytes literal.</summary>
    public sealed record Bytes(string Latin1);

    /// <summary>A complex number (never a valid header field).</summary>
    public sealed record Complex(double Real, double Imaginary);

    /// <summary>None and the Ellipsis.</summary>
    public sealed record Singleton(string Name);

    /// <summary>Evaluates <paramref name="text"/>; throws <see cref="FormatException"/> with a short reason.</summary>
    public static object? Parse(string text, bool dropLongSuffix)
    {
        if (text.Contains('\0')) throw new FormatException("it contains a NUL character");
        var p = new Parser(Tokenize(text.TrimStart(' ', '\t'), dropLongSuffix));
        return p.ParseAll();
    }

    private enum Kind { Number, String, Name, Op, NewLine, End }

    private readonly record struct Token(Kind Kind, string Text, object? Value = null);

    // Leaf kinds of a parsed expression, for literal_eval's rules on signs and complex sums.
    private enum Node { Constant, Signed, Sum, Other }

    private static List<Token> Tokenize(string s, bool dropLongSuffix)
    {
        var tokens = new List<Token>();
        int i = 0, depth = 0;
        // atLineStart: no token or continuation yet on this physical line; indent: blanks seen there. Python refuses an
        // indented first line (after literal_eval has stripped the leading blanks of the text).
        bool atLineStart = true, indent = false, prevNumber = false;
        while (i < s.Length)
        {
            char c = s[i];
            if (c is ' ' or '\t')
            {
                if (atLineStart) indent = true;
                i++;
                continue;
            }
            if (c == '\f') { if (atLineStart) indent = false; i++; continue; }
            if (c == '\\')
            {
                // A line continuation: backslash, then the end of the line. It makes no token.
                if (i + 1 < s.Length && s[i + 1] == '\n') { i += 2; atLineStart = false; continue; }
                if (i + 1 < s.Length && s[i + 1] == '\r') { i += i + 2 < s.Length && s[i + 2] == '\n' ? 3 : 2; atLineStart = false; continue; }
                throw new FormatException("a backslash outside a string does not end the line");
            }
            if (c == '#')
            {
                // A COMMENT token: it separates a number from a following L.
                while (i < s.Length && s[i] is not ('\n' or '\r')) i++;
                prevNumber = false;
                continue;
            }
            if (c is '\n' or '\r')
            {
                i += c == '\r' && i + 1 < s.Length && s[i + 1] == '\n' ? 2 : 1;
                if (depth == 0 && tokens.Count > 0 && tokens[^1].Kind != Kind.NewLine) tokens.Add(new Token(Kind.NewLine, "\n"));
                atLineStart = true;
                indent = false;
                prevNumber = false;
                continue;
            }
            if (tokens.Count == 0 && atLineStart && indent) throw new FormatException("unexpected indent");
            atLineStart = false;
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1])))
            {
                tokens.Add(ReadNumber(s, ref i));
                prevNumber = true;
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                int start = i;
                while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_')) i++;
                string name = s[start..i];
                if (i < s.Length && s[i] is '\'' or '"')
                {
                    tokens.Add(ReadString(s, ref i, name));
                    prevNumber = false;
                    continue;
                }
                if (i < s.Length && s[i] > 127) throw new FormatException("non-ASCII character outside a string");
                if (dropLongSuffix && prevNumber && name == "L") { prevNumber = false; continue; }
                tokens.Add(new Token(Kind.Name, name));
                prevNumber = false;
                continue;
            }
            prevNumber = false;
            if (c is '\'' or '"') { tokens.Add(ReadString(s, ref i, "")); continue; }
            if (c == '.' && i + 2 < s.Length && s[i + 1] == '.' && s[i + 2] == '.') { tokens.Add(new Token(Kind.Op, "...")); i += 3; continue; }
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}') { if (--depth < 0) throw new FormatException($"unmatched '{c}'"); }
            else if (c is not (',' or ':' or '+' or '-')) throw new FormatException($"unexpected character '{(c < 32 || c > 126 ? $"\\u{(int)c:x4}" : c.ToString())}'");
            tokens.Add(new Token(Kind.Op, c.ToString()));
            i++;
        }
        if (depth != 0) throw new FormatException("unclosed bracket");
        tokens.Add(new Token(Kind.End, ""));
        return tokens;
    }

    private static Token ReadNumber(string s, ref int i)
    {
        int start = i;
        object value;
        if (s[i] == '0' && i + 1 < s.Length && s[i + 1] is 'x' or 'X' or 'o' or 'O' or 'b' or 'B')
        {
            int radix = s[i + 1] is 'x' or 'X' ? 16 : s[i + 1] is 'o' or 'O' ? 8 : 2;
            i += 2;
            var digits = new StringBuilder();
            while (i < s.Length)
            {
                if (s[i] == '_' && i + 1 < s.Length && Digit(s[i + 1], radix) >= 0) i++;
                int d = Digit(s[i], radix);
                if (d < 0) break;
                digits.Append(s[i]);
                i++;
            }
            if (digits.Length == 0) throw new FormatException($"invalid number '{s[start..i]}'");
            BigInteger v = 0;
            foreach (char ch in digits.ToString()) v = v * radix + Digit(ch, radix);
            value = v;
        }
        else
        {
            string intPart = DigitPart(s, ref i);
            bool isFloat = false;
            string frac = "", exp = "";
            if (i < s.Length && s[i] == '.')
            {
                isFloat = true;
                i++;
                frac = DigitPart(s, ref i);
            }
            if (i < s.Length && s[i] is 'e' or 'E')
            {
                int save = i;
                i++;
                string sign = i < s.Length && s[i] is '+' or '-' ? s[i++].ToString() : "";
                string e = DigitPart(s, ref i);
                if (e.Length == 0) i = save; // not an exponent: the 'e' is a name (rejected below)
                else { isFloat = true; exp = "e" + sign + e; }
            }
            bool imaginary = i < s.Length && s[i] is 'j' or 'J';
            if (imaginary) i++;
            if (isFloat || imaginary)
            {
                double v = double.Parse((intPart.Length == 0 ? "0" : intPart) + "." + (frac.Length == 0 ? "0" : frac) + exp, NumberStyles.Float, CultureInfo.InvariantCulture);
                value = imaginary ? new Complex(0, v) : v;
            }
            else
            {
                if (intPart.Length > 1 && intPart[0] == '0' && intPart.Any(ch => ch != '0'))
                    throw new FormatException($"leading zeros in '{s[start..i]}'");
                value = BigInteger.Parse(intPart, CultureInfo.InvariantCulture);
            }
        }
        // A number runs into letters only in Python 2's 1L, which the tokenizer leaves to the caller as a name.
        if (i < s.Length && (char.IsAsciiDigit(s[i]) || (s[i] == '_' ))) throw new FormatException($"invalid number '{s[start..(i + 1)]}'");
        if (i < s.Length && char.IsAsciiLetter(s[i]) && s[i] != 'L') throw new FormatException($"invalid number '{s[start..(i + 1)]}'");
        return new Token(Kind.Number, s[start..i], value);
    }

    private static string DigitPart(string s, ref int i)
    {
        var sb = new StringBuilder();
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            sb.Append(s[i++]);
            if (i + 1 < s.Length && s[i] == '_' && char.IsAsciiDigit(s[i + 1])) i++;
        }
        return sb.ToString();
    }

    private static int Digit(char c, int radix)
    {
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
        return d < radix ? d : -1;
    }

    private static Token ReadString(string s, ref int i, string prefix)
    {
        string p = prefix.ToLowerInvariant();
        if (p is not ("" or "r" or "u" or "b" or "br" or "rb" or "f" or "fr" or "rf"))
            throw new FormatException($"unknown string prefix '{prefix}'");
        if (p.Contains('f')) throw new FormatException("f-strings are not literals");
        bool raw = p.Contains('r'), bytes = p.Contains('b');
        char q = s[i];
        bool triple = i + 2 < s.Length && s[i + 1] == q && s[i + 2] == q;
        i += triple ? 3 : 1;
        var sb = new StringBuilder();
        while (true)
        {
            if (i >= s.Length) throw new FormatException("unterminated string");
            char c = s[i];
            if (c == q && (!triple || (i + 2 < s.Length && s[i + 1] == q && s[i + 2] == q)))
            {
                i += triple ? 3 : 1;
                break;
            }
            if (c is '\n' or '\r' && !triple) throw new FormatException("unterminated string");
            if (bytes && c > 127) throw new FormatException("bytes can only contain ASCII characters");
            if (c != '\\') { sb.Append(c); i++; continue; }
            if (i + 1 >= s.Length) throw new FormatException("unterminated string");
            char e = s[i + 1];
            if (raw)
            {
                // The backslash stays; it only keeps the next character (a quote, say) from ending the string.
                sb.Append('\\').Append(e);
                i += 2;
                continue;
            }
            i += 2;
            switch (e)
            {
                case '\n': break;
                case '\r': if (i < s.Length && s[i] == '\n') i++; break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case >= '0' and <= '7':
                {
                    int v = e - '0';
                    for (int k = 0; k < 2 && i < s.Length && s[i] is >= '0' and <= '7'; k++) v = v * 8 + (s[i++] - '0');
                    sb.Append((char)v);
                    break;
                }
                case 'x':
                    sb.Append((char)HexEscape(s, ref i, 2));
                    break;
                case 'u' when !bytes:
                    sb.Append((char)HexEscape(s, ref i, 4));
                    break;
                case 'U' when !bytes:
                {
                    int v = HexEscape(s, ref i, 8);
                    if (v > 0x10FFFF) throw new FormatException("illegal Unicode character");
                    sb.Append(char.ConvertFromUtf32(v >= 0xD800 && v <= 0xDFFF ? 0xFFFD : v));
                    break;
                }
                case 'N' when !bytes:
                    throw new FormatException("\\N{...} escapes are not supported");
                default:
                    sb.Append('\\').Append(e); // unknown escapes keep their backslash
                    break;
            }
        }
        return new Token(Kind.String, bytes ? "b" : "s", sb.ToString());
    }

    private static int HexEscape(string s, ref int i, int count)
    {
        if (i + count > s.Length) throw new FormatException("truncated escape");
        int v = 0;
        for (int k = 0; k < count; k++)
        {
            int d = Digit(s[i + k], 16);
            if (d < 0) throw new FormatException("truncated escape");
            v = v * 16 + d;
        }
        i += count;
        return v;
    }

    private sealed class Parser(List<Token> tokens)
    {
        private int _p;

        private Token Peek => tokens[_p];

        private bool IsOp(string op) => Peek.Kind == Kind.Op && Peek.Text == op;

        private void Expect(string op)
        {
            if (!IsOp(op)) throw new FormatException($"expected '{op}'");
            _p++;
        }

        public object? ParseAll()
        {
            while (Peek.Kind == Kind.NewLine) _p++;
            if (Peek.Kind == Kind.End) throw new FormatException("empty");
            var (value, node) = ParseSum();
            var v = Literal(value, node);
            while (Peek.Kind == Kind.NewLine) _p++;
            if (Peek.Kind != Kind.End) throw new FormatException("more than one expression");
            return v;
        }

        // literal_eval's acceptance of a parsed node: a sign needs a plain number, a sum a real plus a complex.
        private static object? Literal(object? value, Node node) => node switch
        {
            Node.Other => throw new FormatException("not a literal"),
            _ => value,
        };

        private (object? Value, Node Node) ParseSum()
        {
            var (left, ln) = ParseUnary();
            while (IsOp("+") || IsOp("-"))
            {
                bool minus = Peek.Text == "-";
                _p++;
                var (right, rn) = ParseUnary();
                // BinOp(left, ±, right): left a real (signed) number, right a plain complex constant.
                bool ok = ln is Node.Constant or Node.Signed && left is BigInteger or double
                          && rn == Node.Constant && right is Complex;
                if (!ok) { left = null; ln = Node.Other; continue; }
                var c = (Complex)right!;
                double re = left is BigInteger b ? (double)b : (double)left!;
                left = new Complex(re + (minus ? -c.Real : c.Real), minus ? -c.Imaginary : c.Imaginary);
                ln = Node.Sum;
            }
            return (left, ln);
        }

        private (object? Value, Node Node) ParseUnary()
        {
            if (IsOp("+") || IsOp("-"))
            {
                bool minus = Peek.Text == "-";
                _p++;
                var (v, n) = ParseUnary();
                if (n != Node.Constant || v is not (BigInteger or double or Complex)) return (null, Node.Other);
                object r = v switch
                {
                    BigInteger b => minus ? -b : b,
                    double d => minus ? -d : d,
                    Complex c => minus ? new Complex(-c.Real, -c.Imaginary) : c,
                    _ => throw new InvalidOperationException(),
                };
                return (r, Node.Signed);
            }
            return ParsePrimary();
        }

        private (object? Value, Node Node) ParsePrimary()
        {
            var t = Peek;
            (object? Value, Node Node) result;
            switch (t.Kind)
            {
                case Kind.Number:
                    _p++;
                    result = (t.Value, Node.Constant);
                    break;
                case Kind.String:
                {
                    var sb = new StringBuilder();
                    string kind = t.Text;
                    while (Peek.Kind == Kind.String)
                    {
                        if (Peek.Text != kind) throw new FormatException("cannot mix bytes and nonbytes literals");
                        sb.Append((string)Peek.Value!);
                        _p++;
                    }
                    result = (kind == "b" ? new Bytes(sb.ToString()) : sb.ToString(), Node.Constant);
                    break;
                }
                case Kind.Name:
                    _p++;
                    if (t.Text == "set" && IsOp("("))
                    {
                        _p++;
                        Expect(")");
                        result = (new Collection([], IsSet: true), Node.Constant);
                        break;
                    }
                    result = t.Text switch
                    {
                        "True" => (true, Node.Constant),
                        "False" => (false, Node.Constant),
                        "None" => (new Singleton("None"), Node.Constant),
                        _ => throw new FormatException($"name '{t.Text}' is not a literal"),
                    };
                    break;
                case Kind.Op when t.Text == "...":
                    _p++;
                    result = (new Singleton("Ellipsis"), Node.Constant);
                    break;
                case Kind.Op when t.Text == "(":
                {
                    _p++;
                    if (IsOp(")")) { _p++; result = (new Tuple([]), Node.Constant); break; }
                    var first = ParseSum();
                    if (IsOp(")")) { _p++; result = first; break; } // parentheses only group
                    var items = new List<object?> { Literal(first.Value, first.Node) };
                    while (IsOp(","))
                    {
                        _p++;
                        if (IsOp(")")) break;
                        var e = ParseSum();
                        items.Add(Literal(e.Value, e.Node));
                    }
                    Expect(")");
                    result = (new Tuple([.. items]), Node.Constant);
                    break;
                }
                case Kind.Op when t.Text == "[":
                {
                    _p++;
                    var items = Items("]");
                    result = (new Collection([.. items], IsSet: false), Node.Constant);
                    break;
                }
                case Kind.Op when t.Text == "{":
                {
                    _p++;
                    if (IsOp("}")) { _p++; result = (new Dict([]), Node.Constant); break; }
                    var first = ParseSum();
                    var firstValue = Literal(first.Value, first.Node);
                    if (IsOp(":"))
                    {
                        _p++;
                        var pairs = new List<(object?, object?)>();
                        var v = ParseSum();
                        pairs.Add((Hashable(firstValue), Literal(v.Value, v.Node)));
                        while (IsOp(","))
                        {
                            _p++;
                            if (IsOp("}")) break;
                            var k = ParseSum();
                            Expect(":");
                            var w = ParseSum();
                            pairs.Add((Hashable(Literal(k.Value, k.Node)), Literal(w.Value, w.Node)));
                        }
                        Expect("}");
                        result = (new Dict(pairs), Node.Constant);
                    }
                    else
                    {
                        var items = new List<object?> { Hashable(firstValue) };
                        while (IsOp(","))
                        {
                            _p++;
                            if (IsOp("}")) break;
                            var e = ParseSum();
                            items.Add(Hashable(Literal(e.Value, e.Node)));
                        }
                        Expect("}");
                        result = (new Collection([.. items], IsSet: true), Node.Constant);
                    }
                    break;
                }
                default:
                    throw new FormatException(t.Kind == Kind.End ? "unexpected end" : $"unexpected '{t.Text}'");
            }
            // Calls, subscripts and attributes make a non-literal.
            if (IsOp("(") || IsOp("[")) throw new FormatException("not a literal");
            if (Peek.Kind is Kind.Number or Kind.Name || (Peek.Kind == Kind.String && result.Value is not (string or Bytes)))
                throw new FormatException("invalid syntax");
            return result;
        }

        private List<object?> Items(string close)
        {
            var items = new List<object?>();
            while (!IsOp(close))
            {
                var e = ParseSum();
                items.Add(Literal(e.Value, e.Node));
                if (!IsOp(",")) break;
                _p++;
            }
            Expect(close);
            return items;
        }

        private static object? Hashable(object? v) => IsHashable(v) ? v : throw new FormatException("unhashable value");

        private static bool IsHashable(object? v) => v switch
        {
            Collection or Dict => false,
            Tuple t => t.Items.All(IsHashable),
            _ => true,
        };
    }
}
