using Ltc.IO;
using static Ltc.Tests.Robustness.NpyHeaderFiles;

namespace Ltc.Tests.Robustness;

/// <summary>
/// Kind 2, array shapes at the edges and numpy.load's exact acceptance of headers. The random variants combine
/// features whose effect numpy 1.24 was checked to have (accepted: quotes of any kind, string concatenation, escapes,
/// any spacing with newlines, comments and line continuations inside the dict, key order, trailing commas, repeated
/// keys, hex/octal/binary/underscored/signed/parenthesized integers, Python 2 long suffixes in versions 1.0 and 2.0;
/// rejected: each of the listed defects), so the expected verdict follows from the features drawn. The commands on such
/// arrays are tested in Ltc.Cli.Tests (NpyHeaderVariantCliTests).
/// </summary>
public class NpyHeaderVariantTests
{
    private sealed record Variant(string Header, int Major, long[] Shape, NpyType Type, string? Defect);

    [Fact]
    public void RandomHeaderVariantsAreAcceptedExactlyWhenNumpyAcceptsThem()
    {
        var rng = new Random(20240601);
        int accepted = 0, rejected = 0;
        for (int trial = 0; trial < 3000; trial++)
        {
            var v = Draw(rng);
            var bytes = NpyBytes(v.Header, v.Major, 64);
            if (v.Defect is null)
            {
                NpyArray a;
                try { a = Npy.Parse(bytes, "v.npy"); }
                catch (LtcException e) { throw new Xunit.Sdk.XunitException($"rejected a header numpy reads (v{v.Major}): {v.Header}\n{e.Message}"); }
                Assert.Equal(v.Shape, a.Shape);
                Assert.Equal(v.Type, a.Type);
                accepted++;
            }
            else
            {
                var e = Record.Exception(() => Npy.Parse(bytes, "v.npy"));
                Assert.True(e is LtcException, $"accepted a header numpy rejects ({v.Defect}, v{v.Major}): {v.Header}");
                Assert.DoesNotContain('\n', e!.Message);
                rejected++;
            }
        }
        Assert.True(accepted > 500 && rejected > 500, $"{accepted} accepted, {rejected} rejected");
    }

    [Theory]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 8L), }", 1, true)]   // Python 2 on Windows
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 8L), }", 2, true)]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 8L), }", 3, false)]  // no L filter in 3.0
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 8), 'extra': 1, }", 1, false)]
    [InlineData("{'descr': '<f8', 'fortran_order': False}", 1, false)]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 8), 'shape': (1, 8)}", 1, true)]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': 1+2j, 'shape': (1, 8)}", 1, true)]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': {[1]}, 'shape': (1, 8)}", 1, false)] // unhashable
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (True, 8), }", 1, false)]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 8), 1: 2}", 1, false)]
    [InlineData("\n  {'descr': '<f8', 'fortran_order': False, 'shape': (1, 8), }", 1, false)] // indented first line
    [InlineData(" \n{'descr': '<f8', 'fortran_order': False, 'shape': (1, 8), }", 1, true)]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 8), }\\", 1, false)]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 8)#, }", 1, false)]
    [InlineData("{'descr': '<\\x668', 'fortran_order': False, 'shape': (1, 8), }", 1, true)]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 8 # c\n L), }", 1, false)]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 8 \\\n L), }", 1, true)]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (- -1, 8), }", 1, false)]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (01, 8), }", 1, false)]
    [InlineData("{'descr': '<f8', 'fortran_order': -False, 'shape': (1, 8), }", 1, false)]
    [InlineData("{'descr': ur'<f8', 'fortran_order': False, 'shape': (1, 8), }", 1, false)]
    [InlineData("{'descr': '<' b'f8', 'fortran_order': False, 'shape': (1, 8), }", 1, false)]
    public void NumpyVerifiedHeaders(string header, int major, bool accepted)
    {
        var bytes = NpyBytes(header, major, 64);
        if (accepted) Assert.Equal([1L, 8L], Npy.Parse(bytes, "h.npy").Shape);
        else Assert.Throws<LtcException>(() => Npy.Parse(bytes, "h.npy"));
    }

    [Fact]
    public void VersionsHeaderLengthAndTheSharedReaderFollowNumpy()
    {
        const string h = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 8), }";
        var ok = NpyBytes(h, 1, 64);
        ok[7] = 1; // version 1.1
        Assert.Contains("1.1", Assert.Throws<LtcException>(() => Npy.Parse(ok, "v.npy")).Message);
        // numpy refuses headers longer than 10000 characters, however they are padded.
        var longHeader = NpyBytes(h + new string(' ', 10001), 2, 64);
        Assert.Contains("10000", Assert.Throws<LtcException>(() => Npy.Parse(longHeader, "l.npy")).Message);
        // The streaming reader parses headers with the same code.
        using var r = NpyMatrixReader.Open(new MemoryStream(NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 8L), }", 1, 64)), "s.npy");
        Assert.Equal(8, r.Columns);
        Assert.Throws<LtcException>(() => NpyMatrixReader.Open(new MemoryStream(NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 8), 'x': 0}", 1, 64)), "x.npy"));
    }

    [Fact]
    public void EmptyArraysKeepTheirShapeAndHugeEmptyOnesDoNotOverflow()
    {
        var huge = Npy.Parse(NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3000000000, 0), }", 1, 0), "h.npy");
        Assert.Equal([3000000000L, 0L], huge.Shape);
        Assert.Equal(3000000000L, huge.RowCount);
        Assert.Equal(0, huge.Columns);
        Assert.Throws<LtcException>(() => huge.Rows); // a one-line error, not an OverflowException
        var wide = Npy.Parse(NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 8), }", 1, 0), "w.npy");
        Assert.Equal((0, 8), (wide.Rows, wide.Columns));
        // Zeros anywhere make an empty array, whatever the other entries (numpy multiplies in int64).
        Assert.Empty(Npy.Parse(NpyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (1099511627776, 1099511627776, 0), }", 1, 0), "z.npy").Data);
    }

    [Fact]
    public async Task DevicesAndPipesAreReadOnlyAsFarAsTheHeaderAndShapeSay()
    {
        var work = Task.Run(() =>
        {
            // /dev/zero: the magic is checked on the first bytes, not after reading gigabytes.
            Assert.Contains("bad magic", Assert.Throws<LtcException>(() => Npy.Read("/dev/zero")).Message);
            Assert.Throws<LtcException>(() => Ltc.Lattices.LatticeCatalog.Parse("G:/dev/zero"));
            Assert.Throws<LtcException>(() => Ltc.Metrics.RdCsv.Read("/dev/zero"));
            // A pipe: a valid header followed by endless data gives the array the shape declares; a short one, an error.
            var header = NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 1, 0);
            var endless = new PipeStream(header, endlessZeros: true);
            var a = Npy.Read(endless, "pipe");
            Assert.Equal([2L, 3L], a.Shape);
            Assert.Equal(new double[6], a.Data);
            var shortPipe = new PipeStream([.. header, .. new byte[40]], endlessZeros: false);
            Assert.Contains("truncated", Assert.Throws<LtcException>(() => Npy.Read(shortPipe, "pipe")).Message);
            // A huge declared shape on a pipe is not allocated up front.
            var huge = NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2000000000,), }", 1, 0);
            Assert.Contains("truncated", Assert.Throws<LtcException>(() => Npy.Read(new PipeStream([.. huge, .. new byte[80]], false), "pipe")).Message);
        });
        Assert.True(await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(60))) == work, "reading a device or pipe did not stop");
        await work;
    }

    /// <summary>A non-seekable stream: the given bytes, then zeros forever or the end.</summary>
    private sealed class PipeStream(byte[] head, bool endlessZeros) : Stream
    {
        private int _pos;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(count, head.Length - _pos);
            if (n > 0)
            {
                Array.Copy(head, _pos, buffer, offset, n);
                _pos += n;
                return n;
            }
            if (!endlessZeros) return 0;
            Array.Clear(buffer, offset, count);
            return count;
        }
    }

    private static Variant Draw(Random rng)
    {
        string? defect = null;
        int major = rng.Next(4) switch { 0 or 1 => 1, 2 => 2, _ => 3 };
        void Defect(string what) => defect ??= what;
        T Pick<T>(params T[] xs) => xs[rng.Next(xs.Length)];
        string Ws() => Pick("", " ", "  ", "\t", "\n", "\\\n", " # c\n", "\r\n", "\f");
        string Quote(string s)
        {
            switch (rng.Next(24))
            {
                case 0: return "\"" + s + "\"";
                case 1: return "'''" + s + "'''";
                case 2: return "u'" + s + "'";
                case 3: return "R'" + s + "'";
                case 4: return "'" + s[..1] + "' \"" + s[1..] + "\"";
                case 5: return "'" + s.Replace("e", "\\x65") + "'";
                case 6: Defect("bytes string"); return "b'" + s + "'";
                case 7: Defect("f-string"); return "f'" + s + "'";
                default: return "'" + s + "'";
            }
        }
        string Int(long v)
        {
            switch (rng.Next(40))
            {
                case 0: return "0x" + v.ToString("x");
                case 1: return "0o" + Convert.ToString(v, 8);
                case 2: return "0b" + Convert.ToString(v, 2);
                case 3: return "+" + v;
                case 4: return "(" + v + ")";
                case 5: return "0X" + v.ToString("X");
                case 6:
                    if (major == 3) Defect("L suffix in version 3.0");
                    return v + "L";
                case 7:
                    if (major == 3) Defect("L suffix in version 3.0");
                    return v + " L";
                case 8: Defect("float shape entry"); return v + ".0";
                case 9: Defect("lowercase l suffix"); return v + "l";
                case 10:
                    if (v == 0) return "00";
                    Defect("leading zero"); return "0" + v;
                case 11: Defect("trailing underscore"); return v + "_";
                case 12:
                    if (v != 0) Defect("negative shape entry (Ltc refuses; numpy infers a single -1)");
                    return "-" + v;
                default: return v.ToString();
            }
        }
        long[] shape = Pick<long[]>([1, 8], [8], [2, 4], [0, 8], [], [1, 1, 8]);
        var ents = shape.Select(Int).ToArray();
        string shapeText = rng.Next(24) switch
        {
            0 => Def("list shape", "[" + string.Join(", ", ents) + "]"),
            1 => ents.Length == 1 ? Def("bare integer shape", ents[0]) : "(" + string.Join(", ", ents) + ")",
            _ => "(" + Ws() + string.Join(Ws() + "," + Ws(), ents) + (ents.Length == 1 ? "," : rng.Next(3) == 0 && ents.Length > 0 ? "," : "") + Ws() + ")",
        };
        string Def(string what, string text) { Defect(what); return text; }
        (string Text, NpyType Type) descr = rng.Next(32) switch
        {
            0 => ("<f4", NpyType.Float32),
            1 => ("f8", NpyType.Float64),
            2 => ("=f8", NpyType.Float64),
            3 => ("|f8", NpyType.Float64),
            4 => ("d", NpyType.Float64),
            5 => ("float64", NpyType.Float64),
            6 => ("<i8", NpyType.Int64),
            7 => ("int32", NpyType.Int32),
            8 => ("single", NpyType.Float32),
            9 => (Def("big-endian element type (Ltc refuses; numpy reads it)", ">f8"), NpyType.Float64),
            10 => (Def("not a dtype", "<F8"), NpyType.Float64),
            11 => (Def("space in descr", " <f8"), NpyType.Float64),
            _ => ("<f8", NpyType.Float64),
        };
        string fortran = rng.Next(20) switch
        {
            0 => "True",
            1 => "(False)",
            2 => Def("integer fortran_order", "0"),
            3 => Def("None fortran_order", "None"),
            4 => Def("string fortran_order", "'False'"),
            5 => Def("lowercase false", "false"),
            _ => "False",
        };
        var items = new List<(string K, string V)> { (Quote("descr"), Quote(descr.Text)), (Quote("fortran_order"), fortran), (Quote("shape"), shapeText) };
        switch (rng.Next(28))
        {
            case 0: Defect("extra key"); items.Add((Quote("extra"), "1")); break;
            case 1: Defect("missing key"); items.RemoveAt(rng.Next(items.Count)); break;
            case 2: items.Insert(0, (Quote("shape"), "(9, 9)")); break; // an earlier duplicate: the last value wins
            case 3: Defect("non-string key"); items.Add(("1", "2")); break;
        }
        var order = items.OrderBy(_ => rng.Next()).ToList();
        // A duplicate key must stay before the one that wins.
        int firstShape = order.FindIndex(i => i.V == "(9, 9)");
        if (firstShape >= 0)
        {
            var dup = order[firstShape];
            order.RemoveAt(firstShape);
            order.Insert(0, dup);
        }
        string body = string.Join("," + Ws(), order.Select(i => Ws() + i.K + Ws() + ":" + Ws() + i.V + Ws()));
        string header = "{" + body + (rng.Next(2) == 0 ? "," + Ws() : "") + "}";
        switch (rng.Next(40))
        {
            case 0: header = " " + header; break;
            case 1: header = "\n" + header; break;
            case 2: Defect("indented first line"); header = "\n  " + header; break;
            case 3: header += " # trailing comment"; break;
            case 4: Defect("backslash not ending a line"); header += "\\ "; break;
        }
        return new Variant(header, major, shape, descr.Type, defect);
    }
}
