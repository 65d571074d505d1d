using System.Runtime.InteropServices;

namespace Ltc.IO;

/// <summary>
/// Reads a 2-d (count, dim) or 1-d (count) float32 or float64 little-endian .npy file a block of rows at a time, so
/// arrays larger than memory can be processed. Only the header is validated by <see cref="Open(string)"/>; values are
/// widened to double and checked to be finite as they are read. Errors are one-line <see cref="LtcException"/>s.
/// </summary>
public sealed class NpyMatrixReader : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly string _name;
    private readonly IReadOnlyList<long> _shape;
    private readonly int _itemSize;
    private bool _failed;
    private bool _disposed;

    private NpyMatrixReader(Stream stream, bool leaveOpen, string name, NpyType type, long[] shape, long rows, int columns)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _name = name;
        _shape = Array.AsReadOnly(shape);
        Type = type;
        Rows = rows;
        Columns = columns;
        _itemSize = type == NpyType.Float32 ? 4 : 8;
    }

    /// <summary>Element type in the file: <see cref="NpyType.Float32"/> or <see cref="NpyType.Float64"/>.</summary>
    public NpyType Type { get; }

    /// <summary>Number of rows: the first entry of the shape.</summary>
    public long Rows { get; }

    /// <summary>Number of columns: the second entry of a 2-d shape, 1 for a 1-d array. Never 0.</summary>
    public int Columns { get; }

    /// <summary>The shape from the header: (Rows, Columns) or (Rows,).</summary>
    public IReadOnlyList<long> Shape => _shape;

    /// <summary>Rows returned so far by <see cref="ReadRows"/>.</summary>
    public long RowsRead { get; private set; }

    /// <summary>
    /// Opens a .npy file and validates its header; no data is read. The file must hold all the data the shape claims.
    /// </summary>
    /// <param name="path">File to read; it is named in error messages.</param>
    /// <exception cref="LtcException">The file is missing or unreadable, its header is malformed, its element type is
    /// not &lt;f4 or &lt;f8, its shape is not 1-d or 2-d, it has 0 columns, it is a Fortran-order 2-d array with more
    /// than one column, or it is shorter than its shape needs.</exception>
    public static NpyMatrixReader Open(string path)
    {
        FileStream stream;
        try { stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan); }
        catch (FileNotFoundException) { throw new LtcException($"{path}: file not found"); }
        catch (DirectoryNotFoundException) { throw new LtcException($"{path}: file not found"); }
        catch (UnauthorizedAccessException) { throw new LtcException($"{path}: permission denied"); }
        catch (IOException e) { throw new LtcException($"{path}: cannot read ({e.Message})"); }
        try { return Open(stream, path); }
        catch { stream.Dispose(); throw; }
    }

    /// <summary>
    /// Reads and validates a .npy header from the current position of <paramref name="stream"/>, leaving it at the
    /// first data byte. For a seekable stream the length left after the header is checked against the shape at once;
    /// for a non-seekable one a short file is reported by <see cref="ReadRows"/> when it is reached.
    /// </summary>
    /// <param name="stream">The stream to read; seekable or not.</param>
    /// <param name="name">Names the stream in error messages (usually its path).</param>
    /// <param name="leaveOpen">Whether <see cref="Dispose"/> leaves <paramref name="stream"/> open.</param>
    /// <exception cref="LtcException">As for <see cref="Open(string)"/>.</exception>
    public static NpyMatrixReader Open(Stream stream, string name, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        try { return OpenCore(stream, name, leaveOpen); }
        catch (IOException e) { throw new LtcException($"{name}: cannot read ({e.Message})"); }
    }

    private static NpyMatrixReader OpenCore(Stream stream, string name, bool leaveOpen)
    {
        // The preamble says how long the header is, so the header read is sized by that (at most 64 KiB), never
        // by the shape. A header shorter than 2 bytes cannot hold a descr, so reading the whole preamble never
        // consumes data bytes of a valid file.
        Span<byte> preamble = stackalloc byte[Npy.PreambleLength];
        int got = stream.ReadAtLeast(preamble, preamble.Length, throwOnEndOfStream: false);
        int headerEnd = Npy.HeaderEnd(preamble[..got], name);
        var headerBytes = new byte[Math.Max(headerEnd, got)];
        preamble[..got].CopyTo(headerBytes);
        if (headerEnd > got) got += stream.ReadAtLeast(headerBytes.AsSpan(got), headerEnd - got, throwOnEndOfStream: false);
        var (type, fortran, shape, _) = Npy.ParseHeader(headerBytes.AsSpan(0, got), name, floatsOnly: true);

        string shapeText = $"({string.Join(", ", shape)}{(shape.Length == 1 ? "," : "")})";
        if (shape.Length is not (1 or 2))
            throw new LtcException($"{name}: expected a 2-d array (count, dim) or a 1-d array, got shape {shapeText}");
        long rows = shape[0];
        long columns = shape.Length == 2 ? shape[1] : 1;
        if (columns == 0) throw new LtcException($"{name}: shape {shapeText} has 0 columns");
        if (columns > Array.MaxLength) throw new LtcException($"{name}: shape {shapeText} has too many columns to read a row at a time");
        if (fortran && columns > 1)
            throw new LtcException($"{name}: Fortran-order (column-major) array of shape {shapeText} cannot be read row by row; save it in C order (numpy.ascontiguousarray)");

        int itemSize = type == NpyType.Float32 ? 4 : 8;
        long rowBytes = columns * itemSize;
        if (stream.CanSeek)
        {
            // Compared by division so that a forged shape (say 10^15 rows) can neither overflow nor be trusted.
            long available = stream.Length - stream.Position;
            if (rows > available / rowBytes)
                throw new LtcException($"{name}: truncated: shape says {rows} rows, file ends at row {available / rowBytes} ({available} data bytes, {rowBytes} per row)");
        }
        return new NpyMatrixReader(stream, leaveOpen, name, type, shape, rows, (int)columns);
    }

    /// <summary>
    /// Reads the next rows, widened to double, in C order: up to <c>destination.Length / Columns</c> rows, fewer only at
    /// the end of the array. Only the filled prefix of <paramref name="destination"/> is meaningful.
    /// </summary>
    /// <param name="destination">Receives the rows; its length must be a multiple of <see cref="Columns"/>.</param>
    /// <returns>The number of rows read; 0 once all <see cref="Rows"/> rows have been read.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not a whole number of rows, or holds no
    /// row while rows remain.</exception>
    /// <exception cref="LtcException">A value is NaN or infinite (the message names the row and column), the file ends
    /// before the shape says, or it cannot be read. The reader cannot be used after this.</exception>
    /// <exception cref="ObjectDisposedException">The reader was disposed.</exception>
    /// <exception cref="InvalidOperationException">An earlier call failed.</exception>
    public int ReadRows(Span<double> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failed) throw new InvalidOperationException($"{_name}: an earlier read failed");
        if (destination.Length % Columns != 0)
            throw new ArgumentException($"destination length {destination.Length} is not a multiple of the {Columns} columns", nameof(destination));
        long remaining = Rows - RowsRead;
        if (remaining == 0) return 0;
        if (destination.Length == 0) throw new ArgumentException("destination holds no row", nameof(destination));

        int rows = (int)Math.Min(destination.Length / Columns, remaining);
        var values = destination[..(rows * Columns)];
        try
        {
            Fill(values);
            CheckFinite(values);
        }
        catch (LtcException) { _failed = true; throw; }
        catch (IOException e) { _failed = true; throw new LtcException($"{_name}: cannot read ({e.Message})", e); }
        RowsRead += rows;
        return rows;
    }

    /// <summary>Closes the stream unless the reader was opened with leaveOpen.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_leaveOpen) _stream.Dispose();
    }

    private void Fill(Span<double> values)
    {
        // The data is read straight into the caller's span, so the reader itself holds no buffer at all. float32
        // goes into the upper half of the span's bytes and is widened upwards in place: writing double i covers
        // bytes [8i, 8i + 8), which ends at or before float i + 1 (at 4n + 4i + 4), so no unread float is overwritten.
        // Both rely on a little-endian host, as Npy does.
        var bytes = MemoryMarshal.AsBytes(values);
        var target = _itemSize == 8 ? bytes : bytes[(bytes.Length / 2)..];
        int got = _stream.ReadAtLeast(target, target.Length, throwOnEndOfStream: false);
        if (got < target.Length)
        {
            long endRow = RowsRead + got / ((long)Columns * _itemSize);
            throw new LtcException($"{_name}: truncated: shape says {Rows} rows, file ends at row {endRow}");
        }
        if (_itemSize == 4)
        {
            var floats = MemoryMarshal.Cast<byte, float>(target);
            for (int i = 0; i < floats.Length; i++) values[i] = floats[i];
        }
    }

    private void CheckFinite(ReadOnlySpan<double> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (double.IsFinite(values[i])) continue;
            throw new LtcException($"{_name}: value at row {RowsRead + i / Columns}, column {i % Columns} (counting from 0) is {values[i]} (NaN or infinite values are not allowed)");
        }
    }
}

/// <summary>
/// Writes a (rows, columns) or (rows,) float32 or float64 .npy file to a stream a block of rows at a time. The bytes are
/// identical to those of <see cref="Npy.Write(string, ReadOnlySpan{double}, long[])"/> (or its float overload) for the
/// same values and shape: version 1.0, C order, header padded to 64 bytes.
/// </summary>
public sealed class NpyMatrixWriter
{
    // Bounds the float32 conversion buffer whatever the caller's block size.
    private const int ChunkElements = 1 << 14;

    private readonly Stream _stream;
    private readonly NpyType _type;
    private readonly long _rows;
    private readonly int _columns;
    private long _rowsWritten;
    private float[]? _floats;

    /// <summary>Writes the header to <paramref name="stream"/> at once; the data follows through <see cref="WriteRows"/>.</summary>
    /// <param name="stream">Receives the file; it is not closed by the writer.</param>
    /// <param name="type"><see cref="NpyType.Float32"/> or <see cref="NpyType.Float64"/>.</param>
    /// <param name="rows">Number of rows that will be written; may be 0.</param>
    /// <param name="columns">Number of columns; at least 1.</param>
    /// <param name="oneDimensional">Write shape (rows,) instead of (rows, 1); requires <paramref name="columns"/> == 1.</param>
    /// <exception cref="ArgumentException"><paramref name="type"/> is not a float type, or <paramref name="oneDimensional"/>
    /// is set with more than one column.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> is negative or <paramref name="columns"/> is below 1.</exception>
    public NpyMatrixWriter(Stream stream, NpyType type, long rows, int columns, bool oneDimensional = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (type is not (NpyType.Float32 or NpyType.Float64))
            throw new ArgumentException($"NpyMatrixWriter writes Float32 or Float64, not {type}", nameof(type));
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if (oneDimensional && columns != 1)
            throw new ArgumentException($"a 1-d array has 1 column, not {columns}", nameof(columns));
        _stream = stream;
        _type = type;
        _rows = rows;
        _columns = columns;
        long[] shape = oneDimensional ? [rows] : [rows, columns];
        _stream.Write(Npy.EncodeHeader(type == NpyType.Float32 ? "<f4" : "<f8", shape));
    }

    /// <summary>
    /// Appends whole rows in C order, converted to the file's type (float32 rounds to nearest; values are not checked).
    /// </summary>
    /// <param name="rows">The values; its length must be a multiple of the number of columns.</param>
    /// <exception cref="ArgumentException">The length is not a multiple of the number of columns.</exception>
    /// <exception cref="InvalidOperationException">This would write more rows than the shape declared.</exception>
    public void WriteRows(ReadOnlySpan<double> rows)
    {
        if (rows.Length % _columns != 0)
            throw new ArgumentException($"length {rows.Length} is not a multiple of the {_columns} columns", nameof(rows));
        long count = rows.Length / _columns;
        if (count > _rows - _rowsWritten)
            throw new InvalidOperationException($"writing {count} rows would exceed the {_rows} rows declared ({_rowsWritten} written)");
        if (_type == NpyType.Float64)
        {
            _stream.Write(MemoryMarshal.AsBytes(rows));
        }
        else
        {
            _floats ??= new float[ChunkElements];
            for (int start = 0; start < rows.Length; start += _floats.Length)
            {
                var source = rows.Slice(start, Math.Min(_floats.Length, rows.Length - start));
                var chunk = _floats.AsSpan(0, source.Length);
                for (int i = 0; i < source.Length; i++) chunk[i] = (float)source[i];
                _stream.Write(MemoryMarshal.AsBytes(chunk));
            }
        }
        _rowsWritten += count;
    }

    /// <summary>Checks that every declared row was written and flushes the stream.</summary>
    /// <exception cref="InvalidOperationException">Fewer rows were written than the shape declared.</exception>
    public void Complete()
    {
        if (_rowsWritten != _rows)
            throw new InvalidOperationException($"{_rowsWritten} rows written, the header declares {_rows}");
        _stream.Flush();
    }
}
