using System.Buffers.Binary;
using System.Text;
using Ltc.IO;

namespace Ltc.Tests;

public sealed class NpyStreamTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ltc-npystream");

    public void Dispose() => _dir.Delete(recursive: true);

    private string TempPath(string name) => Path.Combine(_dir.FullName, name);

    private static double[] RandomValues(int count, int seed)
    {
        var rng = new Random(seed);
        var v = new double[count];
        for (int i = 0; i < count; i++) v[i] = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-8, 9));
        return v;
    }

    private static double[] AsStored(double[] values, NpyType type) =>
        type == NpyType.Float32 ? values.Select(x => (double)(float)x).ToArray() : values;

    /// <summary>Writes with NpyMatrixWriter in uneven blocks (including an empty one).</summary>
    private static void WriteInBlocks(string path, NpyType type, double[] data, long rows, int columns, bool oneDimensional = false)
    {
        using var file = File.Create(path);
        var w = new NpyMatrixWriter(file, type, rows, columns, oneDimensional);
        int[] blockRows = [3, 0, 1, 5];
        int at = 0, k = 0;
        while (at < data.Length)
        {
            int n = Math.Min(blockRows[k++ % blockRows.Length] * columns, data.Length - at);
            w.WriteRows(data.AsSpan(at, n));
            at += n;
        }
        w.Complete();
    }

    private static double[] ReadAll(NpyMatrixReader r, int blockRows)
    {
        var result = new List<double>();
        var block = new double[blockRows * r.Columns];
        int n;
        while ((n = r.ReadRows(block)) > 0)
        {
            Assert.True(n <= blockRows);
            result.AddRange(block.AsSpan(0, n * r.Columns).ToArray());
        }
        Assert.Equal(r.Rows, r.RowsRead);
        Assert.Equal(0, r.ReadRows(block));
        return [.. result];
    }

    [Theory]
    [InlineData(NpyType.Float32)]
    [InlineData(NpyType.Float64)]
    public void RoundTripsThroughNpyReadAndTheReaderInAnyBlockSize(NpyType type)
    {
        const int rows = 23, columns = 5;
        var data = RandomValues(rows * columns, seed: 1);
        var expected = AsStored(data, type);
        var p = TempPath("rt.npy");
        WriteInBlocks(p, type, data, rows, columns);

        var a = Npy.Read(p);
        Assert.Equal(type, a.Type);
        Assert.Equal(new long[] { rows, columns }, a.Shape);
        Assert.Equal(expected, a.Data);

        foreach (int blockRows in new[] { 1, 7, rows, rows + 10 })
        {
            using var r = NpyMatrixReader.Open(p);
            Assert.Equal(type, r.Type);
            Assert.Equal(rows, r.Rows);
            Assert.Equal(columns, r.Columns);
            Assert.Equal(new long[] { rows, columns }, r.Shape);
            Assert.Equal(expected, ReadAll(r, blockRows));
        }
    }

    [Theory]
    [InlineData(NpyType.Float32, 9, 4, false)]
    [InlineData(NpyType.Float64, 9, 4, false)]
    [InlineData(NpyType.Float32, 11, 1, true)]
    [InlineData(NpyType.Float64, 11, 1, true)]
    [InlineData(NpyType.Float32, 0, 3, false)]
    [InlineData(NpyType.Float64, 0, 1, true)]
    public void WritesTheSameBytesAsNpyWrite(NpyType type, int rows, int columns, bool oneDimensional)
    {
        // Arbitrary doubles, so float32 also checks that both writers round the same way.
        var data = RandomValues(rows * columns, seed: 2);
        long[] shape = oneDimensional ? [rows] : [rows, columns];
        var p = TempPath("ref.npy");
        if (type == NpyType.Float32) Npy.Write(p, data.Select(x => (float)x).ToArray(), shape);
        else Npy.Write(p, data, shape);

        using var ms = new MemoryStream();
        var w = new NpyMatrixWriter(ms, type, rows, columns, oneDimensional);
        w.WriteRows(data);
        w.Complete();
        var bytes = ms.ToArray();
        Assert.Equal(File.ReadAllBytes(p), bytes);
        Assert.Equal(0, (10 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8))) % 64);
    }

    [Fact]
    public void ReadsOneDimensionalArrays()
    {
        var data = RandomValues(13, seed: 3);
        var p = TempPath("1d.npy");
        WriteInBlocks(p, NpyType.Float64, data, 13, 1, oneDimensional: true);
        Assert.Equal([13L], Npy.Read(p).Shape);
        using var r = NpyMatrixReader.Open(p);
        Assert.Equal(new long[] { 13 }, r.Shape);
        Assert.Equal(1, r.Columns);
        Assert.Equal(data, ReadAll(r, 4));

        Assert.Throws<ArgumentException>(() => new NpyMatrixWriter(new MemoryStream(), NpyType.Float64, 3, 2, oneDimensional: true));
    }

    [Fact]
    public void ReadsZeroRowArrays()
    {
        var p = TempPath("empty.npy");
        using (var file = File.Create(p))
        {
            var w = new NpyMatrixWriter(file, NpyType.Float32, 0, 3);
            w.WriteRows([]);
            w.Complete();
        }
        Assert.Equal([0L, 3L], Npy.Read(p).Shape);
        using var r = NpyMatrixReader.Open(p);
        Assert.Equal(0, r.Rows);
        Assert.Equal(3, r.Columns);
        Assert.Equal(0, r.ReadRows(new double[6]));
        Assert.Equal(0, r.ReadRows([]));
    }

    [Fact]
    public void ReadsNumpyWrittenFileLikeNpyReadMatrix()
    {
        var path = Path.Combine(TestPaths.SharedData, "physics", "ppzee-split=test.npy");
        var expected = Npy.ReadMatrix(path);
        using var r = NpyMatrixReader.Open(path);
        Assert.Equal(expected.Shape, r.Shape.ToArray());
        Assert.Equal(expected.Data, ReadAll(r, 999));
    }

    [Fact]
    public void ReadsVersion2And3Headers()
    {
        var data = RandomValues(6, seed: 4);
        var v1 = Npy.Encode("<f8", System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()), 6, [3, 2]);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(v1.AsSpan(8));
        foreach (byte major in new byte[] { 2, 3 })
        {
            // Same header text, with the 4-byte length of versions 2.0 and 3.0.
            var v = new byte[v1.Length + 2];
            v1.AsSpan(0, 8).CopyTo(v);
            v[6] = major;
            BinaryPrimitives.WriteUInt32LittleEndian(v.AsSpan(8), (uint)headerLength);
            v1.AsSpan(10).CopyTo(v.AsSpan(12));
            using var r = NpyMatrixReader.Open(new MemoryStream(v), $"v{major}.npy");
            Assert.Equal(new long[] { 3, 2 }, r.Shape);
            Assert.Equal(data, ReadAll(r, 2));
        }
    }

    [Fact]
    public void RejectsTruncatedDataWhenOpeningASeekableFile()
    {
        var p = TempPath("trunc.npy");
        WriteInBlocks(p, NpyType.Float64, RandomValues(30, seed: 5), 10, 3);
        var bytes = File.ReadAllBytes(p);
        File.WriteAllBytes(p, bytes[..^1]);
        var e = Assert.Throws<LtcException>(() => NpyMatrixReader.Open(p));
        Assert.Contains("truncated: shape says 10 rows, file ends at row 9", e.Message);
        Assert.Contains(p, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData(NpyType.Float32)]
    [InlineData(NpyType.Float64)]
    public void RejectsTruncatedDataWhenReachedInANonSeekableStream(NpyType type)
    {
        var p = TempPath("trunc.npy");
        var data = RandomValues(30, seed: 6);
        WriteInBlocks(p, type, data, 10, 3);
        var bytes = File.ReadAllBytes(p);
        using var r = NpyMatrixReader.Open(new NonSeekableStream(bytes[..^5]), "pipe");
        var block = new double[4 * 3];
        Assert.Equal(4, r.ReadRows(block));
        Assert.Equal(AsStored(data, type)[..12], block);
        Assert.Equal(4, r.ReadRows(block));
        var e = Assert.Throws<LtcException>(() => r.ReadRows(block));
        Assert.Equal("pipe: truncated: shape says 10 rows, file ends at row 9", e.Message);
        Assert.Throws<InvalidOperationException>(() => r.ReadRows(block));
    }

    [Fact]
    public void RejectsTruncatedHeaders()
    {
        var p = TempPath("trunc.npy");
        WriteInBlocks(p, NpyType.Float64, RandomValues(6, seed: 7), 3, 2);
        var bytes = File.ReadAllBytes(p);
        foreach (int length in new[] { 0, 5, 11, 40, 127 })
        {
            File.WriteAllBytes(p, bytes[..length]);
            var e = Assert.Throws<LtcException>(() => NpyMatrixReader.Open(p));
            Assert.Contains(length == 0 ? "empty (no bytes)" : "truncated .npy header", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            e = Assert.Throws<LtcException>(() => NpyMatrixReader.Open(new NonSeekableStream(bytes[..length]), "pipe"));
            Assert.Contains(length == 0 ? "empty (no bytes)" : "truncated .npy header", e.Message);
        }
        Assert.Contains("file not found", Assert.Throws<LtcException>(() => NpyMatrixReader.Open(TempPath("missing.npy"))).Message);
    }

    [Theory]
    [InlineData(NpyType.Float32, double.NaN)]
    [InlineData(NpyType.Float64, double.NaN)]
    [InlineData(NpyType.Float32, double.PositiveInfinity)]
    [InlineData(NpyType.Float64, double.NegativeInfinity)]
    public void RejectsNonFiniteValuesNamingRowAndColumn(NpyType type, double bad)
    {
        var data = RandomValues(8 * 3, seed: 8);
        data[5 * 3 + 2] = bad;
        var p = TempPath("nan.npy");
        WriteInBlocks(p, type, data, 8, 3);
        foreach (int blockRows in new[] { 1, 3, 8 })
        {
            using var r = NpyMatrixReader.Open(p);
            var block = new double[blockRows * 3];
            var e = Assert.Throws<LtcException>(() => { while (r.ReadRows(block) > 0) { } });
            Assert.Contains($"{p}: value at row 5, column 2 (counting from 0) is {bad}", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Equal(5 / blockRows * blockRows, r.RowsRead);
        }
    }

    [Theory]
    [InlineData("<i4")]
    [InlineData("<i8")]
    [InlineData(">f4")]
    [InlineData(">f8")]
    [InlineData("|b1")]
    public void RejectsOtherElementTypes(string descr)
    {
        var p = TempPath("type.npy");
        File.WriteAllBytes(p, Npy.Encode(descr, new byte[8 * 6], 6, [3, 2]));
        var e = Assert.Throws<LtcException>(() => NpyMatrixReader.Open(p));
        Assert.Contains($"unsupported .npy element type '{descr}' (expected <f4 or <f8)", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData(1_000_000_000_000_000L, 16L, "truncated: shape says 1000000000000000 rows, file ends at row 2")]
    [InlineData(1L << 62, 1L << 20, "truncated: shape says")]
    [InlineData(3L, 1_000_000_000_000_000L, "too many columns")]
    public void RejectsForgedHugeShapesWithoutAllocating(long rows, long columns, string expected)
    {
        var p = TempPath("huge.npy");
        using (var file = File.Create(p))
        {
            file.Write(Npy.EncodeHeader("<f8", [rows, columns]));
            file.Write(new byte[2 * 16 * 8 + 3]);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<LtcException>(() => NpyMatrixReader.Open(p));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void RejectsTwoDimensionalFortranOrderButReadsOneColumnFortranOrder()
    {
        var data = RandomValues(6, seed: 9);
        var payload = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
        // Same header length: "True " replaces "False".
        byte[] Fortran(long[] shape) => Encoding.Latin1.GetBytes(
            Encoding.Latin1.GetString(Npy.Encode("<f8", payload, 6, shape)).Replace("'fortran_order': False", "'fortran_order': True "));

        var e = Assert.Throws<LtcException>(() => NpyMatrixReader.Open(new MemoryStream(Fortran([3, 2])), "f.npy"));
        Assert.Contains("Fortran-order", e.Message);
        Assert.Contains("(3, 2)", e.Message);
        Assert.DoesNotContain('\n', e.Message);

        foreach (long[] shape in new long[][] { [6], [6, 1] })
        {
            var bytes = Fortran(shape);
            Assert.Equal(data, Npy.Parse(bytes).Data);
            using var r = NpyMatrixReader.Open(new MemoryStream(bytes), "f.npy");
            Assert.Equal(data, ReadAll(r, 4));
        }
    }

    [Fact]
    public void RejectsZeroColumnsAndOtherRanks()
    {
        var e = Assert.Throws<LtcException>(() => NpyMatrixReader.Open(new MemoryStream(Npy.Encode("<f8", [], 0, [3, 0])), "z.npy"));
        Assert.Contains("has 0 columns", e.Message);
        e = Assert.Throws<LtcException>(() => NpyMatrixReader.Open(new MemoryStream(Npy.Encode("<f8", new byte[64], 8, [2, 2, 2])), "r.npy"));
        Assert.Contains("(2, 2, 2)", e.Message);
        e = Assert.Throws<LtcException>(() => NpyMatrixReader.Open(new MemoryStream(Npy.Encode("<f8", new byte[8], 1, [])), "s.npy"));
        Assert.Contains("got shape ()", e.Message);
    }

    [Fact]
    public void WriterEnforcesTheDeclaredShape()
    {
        using var ms = new MemoryStream();
        var w = new NpyMatrixWriter(ms, NpyType.Float64, 3, 2);
        w.WriteRows([1, 2, 3, 4]);
        Assert.Throws<InvalidOperationException>(() => w.Complete());
        Assert.Throws<ArgumentException>(() => w.WriteRows([1, 2, 3]));
        Assert.Throws<InvalidOperationException>(() => w.WriteRows([1, 2, 3, 4]));
        w.WriteRows([5, 6]);
        w.Complete();
        Assert.Throws<InvalidOperationException>(() => w.WriteRows([7, 8]));

        Assert.Throws<ArgumentException>(() => new NpyMatrixWriter(ms, NpyType.Int32, 3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NpyMatrixWriter(ms, NpyType.Float32, 3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NpyMatrixWriter(ms, NpyType.Float32, -1, 2));
    }

    [Fact]
    public void ReaderChecksDestinationAndOwnership()
    {
        var p = TempPath("own.npy");
        WriteInBlocks(p, NpyType.Float64, RandomValues(6, seed: 10), 3, 2);
        var stream = new MemoryStream(File.ReadAllBytes(p));
        using (var r = NpyMatrixReader.Open(stream, "m.npy", leaveOpen: true))
        {
            Assert.Throws<ArgumentException>(() => r.ReadRows(new double[3]));
            Assert.Throws<ArgumentException>(() => r.ReadRows([]));
        }
        Assert.True(stream.CanRead);
        var owned = NpyMatrixReader.Open(new MemoryStream(File.ReadAllBytes(p)), "m.npy");
        owned.Dispose();
        Assert.Throws<ObjectDisposedException>(() => owned.ReadRows(new double[2]));
    }

    /// <summary>A read-only stream that cannot seek or report its length, like a pipe.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        // Short reads, as a pipe gives, so the reader must loop.
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 5));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
