using System.Buffers.Binary;
using Ltc.Coding;
using Ltc.Trellis;

namespace Ltc.Codec;

/// <summary>
/// Codes quantized latents exactly: a <see cref="LatentQuantizer"/> maps each latent to an integer vector t, and frozen
/// integer frequency tables code t coordinate by coordinate with rANS, from the last coordinate to the first. Coordinate
/// j is coded as s_j = ⌊t_j / B_jj⌋ under the table of (j, r_j), where r_j = t_j mod B_jj is already fixed by the
/// coordinates coded before it (B is triangular), so the residue is the context and never costs bits.
/// </summary>
/// <remarks>
/// The tables are fitted once (<see cref="Fit"/>) to the integer latents of a trained model on its training data — a
/// maximum-likelihood (histogram) coding distribution with Krichevsky–Trofimov smoothing and an escape for values
/// outside each table — and stored as integers with the model. Encoder and decoder read the same integers, so the
/// coding distribution involves no floating-point arithmetic at coding time and is identical on every machine and
/// thread count. See docs/file-format.md, "Latent codec".
/// <para>The trellis form (<see cref="LatentForm.Trellis"/>, trellis transform coding) is coded differently: its
/// quantizer's two union tables code the union indices in trellis order, and fitting replaces those tables (the search
/// uses the same tables, see <see cref="TrellisLatent"/>).</para>
/// </remarks>
public sealed class LatentCodec
{
    /// <summary>Most residue classes per coordinate with their own table; larger moduli share tables by bucket.</summary>
    public const int MaxClasses = 64;

    /// <summary>Most integer values per table (others are escaped).</summary>
    public const int MaxAlphabet = 4094;

    private static readonly byte[] Magic = "LTCQ"u8.ToArray();
    private const ushort FormatVersion = 1;

    private readonly IntegerTable[][] _tables; // [j][class]
    private readonly long[] _diag;
    private readonly int[] _classes;
    private readonly (int Row, long Value)[][] _below; // for each j: the nonzero B_ij with i > j

    private LatentCodec(LatentQuantizer quantizer, IntegerTable[][] tables)
    {
        Quantizer = quantizer;
        _tables = tables;
        int m = quantizer.Dimension;
        _diag = new long[m];
        _classes = new int[m];
        _below = new (int, long)[m][];
        var b = quantizer.Basis;
        for (int j = 0; j < m; j++)
        {
            _diag[j] = b[j * m + j];
            _classes[j] = ClassCount(_diag[j]);
            var list = new List<(int, long)>();
            for (int i = j + 1; i < m; i++) if (b[i * m + j] != 0) list.Add((i, b[i * m + j]));
            _below[j] = list.ToArray();
        }
    }

    /// <summary>The quantizer whose integer vectors this codec codes.</summary>
    public LatentQuantizer Quantizer { get; private set; }

    /// <summary>The latent dimension m.</summary>
    public int Dimension => Quantizer.Dimension;

    /// <summary>Number of frequency tables.</summary>
    public int TableCount => Quantizer.Trellis is not null ? 2 : _tables.Sum(t => t.Length);

    // Latent samples per trellis sequence (trellis form).
    private int TrellisLength => Quantizer.SequenceRows * Quantizer.Dimension;

    /// <summary>
    /// Fits the coding tables to integer latents <paramref name="t"/> (rows × m, from <see cref="LatentQuantizer.Quantize"/>
    /// on training data).
    /// </summary>
    /// <exception cref="ArgumentException">No rows, or rows that are not vectors of the quantizer's lattice.</exception>
    public static LatentCodec Fit(LatentQuantizer quantizer, ReadOnlySpan<long> t, int precision = FrequencyTable.DefaultPrecision)
    {
        ArgumentNullException.ThrowIfNull(quantizer);
        int m = quantizer.Dimension;
        if (t.Length == 0 || t.Length % m != 0) throw new ArgumentException("fitting needs at least one whole row", nameof(t));
        if (quantizer.Trellis is { } trellis)
        {
            var fitted = TrellisLatent.FitTables(trellis.Code, t, quantizer.SequenceRows * m);
            return new LatentCodec(LatentQuantizer.ForTrellis(TrellisLatent.Quantizer(trellis.Code, fitted), m, quantizer.SequenceRows), EmptyTables(m));
        }
        var shell = new LatentCodec(quantizer, new IntegerTable[m][]);
        var counts = new Dictionary<long, long>[m][];
        for (int j = 0; j < m; j++)
        {
            counts[j] = new Dictionary<long, long>[shell._classes[j]];
            for (int c = 0; c < counts[j].Length; c++) counts[j][c] = new();
        }
        var k = new long[m];
        for (int row = 0; row < t.Length / m; row++)
        {
            var tr = t.Slice(row * m, m);
            for (int j = m - 1; j >= 0; j--)
            {
                var (cls, s) = shell.SymbolOf(tr[j], j, k);
                var d = counts[j][cls];
                d[s] = d.GetValueOrDefault(s) + 1;
            }
        }
        var tables = new IntegerTable[m][];
        for (int j = 0; j < m; j++)
        {
            var pooled = new Dictionary<long, long>();
            foreach (var d in counts[j]) foreach (var (s, n) in d) pooled[s] = pooled.GetValueOrDefault(s) + n;
            tables[j] = new IntegerTable[counts[j].Length];
            for (int c = 0; c < counts[j].Length; c++)
                tables[j][c] = TableFromCounts(counts[j][c].Count > 0 ? counts[j][c] : pooled, precision);
        }
        return new LatentCodec(quantizer, tables);
    }

    /// <summary>Codes rows of integer latents (rows × m) into one rANS block.</summary>
    /// <exception cref="ArgumentException">A row is not a vector of the quantizer's lattice.</exception>
    public byte[] Encode(ReadOnlySpan<long> t)
    {
        int m = Dimension;
        if (t.Length % m != 0) throw new ArgumentException("t must hold whole rows", nameof(t));
        if (Quantizer.Trellis is { } trellis) return trellis.Encode(t, TrellisLength);
        var enc = new RansEncoder();
        var k = new long[m];
        for (int row = 0; row < t.Length / m; row++)
        {
            var tr = t.Slice(row * m, m);
            for (int j = m - 1; j >= 0; j--)
            {
                var (cls, s) = SymbolOf(tr[j], j, k);
                enc.EncodeInteger(s, _tables[j][cls]);
            }
        }
        return enc.Finish();
    }

    /// <summary>Decodes a block written by <see cref="Encode"/> into <paramref name="t"/> (rows × m).</summary>
    /// <exception cref="LtcFormatException">The block is corrupt, truncated or holds more or fewer symbols.</exception>
    public void Decode(ReadOnlyMemory<byte> block, Span<long> t, string name = "chunk")
    {
        int m = Dimension;
        if (t.Length % m != 0) throw new ArgumentException("t must hold whole rows", nameof(t));
        if (Quantizer.Trellis is { } trellis)
        {
            trellis.Decode(block, t, TrellisLength, name);
            return;
        }
        var dec = new RansDecoder(block, name);
        var k = new long[m];
        for (int row = 0; row < t.Length / m; row++)
        {
            var tr = t.Slice(row * m, m);
            for (int j = m - 1; j >= 0; j--)
            {
                long num = Above(j, k), dj = _diag[j];
                long r = FloorMod(num, dj);
                long s = dec.DecodeInteger(_tables[j][Class(r, j)]);
                if (Math.Abs(s) > LatentQuantizer.MaxMagnitude) throw new LtcFormatException($"{name}: decoded latent out of range (file is corrupt)");
                long tj = s * dj + r;
                tr[j] = tj;
                k[j] = (tj - num) / dj;
            }
        }
        dec.Finish();
    }

    /// <summary>Ideal code length in bits of rows <paramref name="t"/> under the tables (what the coder spends, up to a few bytes per block).</summary>
    public double CodeLength(ReadOnlySpan<long> t)
    {
        int m = Dimension;
        if (Quantizer.Trellis is { } trellis) return trellis.CodeLength(t, TrellisLength);
        var k = new long[m];
        double bits = 0;
        for (int row = 0; row < t.Length / m; row++)
            for (int j = m - 1; j >= 0; j--)
            {
                var (cls, s) = SymbolOf(t[row * m + j], j, k);
                bits += _tables[j][cls].CodeLength(s);
            }
        return bits;
    }

    /// <summary>This codec with a quantizer that can quantize with <paramref name="lattice"/> (null for rounding).</summary>
    /// <exception cref="LtcException">The lattice's integer structure is not the stored one.</exception>
    public LatentCodec Bind(Lattices.Lattice? lattice) => new(Quantizer.Bind(lattice), _tables);

    /// <summary>The codec's bytes: quantizer structure and integer tables (little-endian; docs/file-format.md).</summary>
    public byte[] ToBytes()
    {
        var q = Quantizer;
        int m = q.Dimension;
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            w.Write((byte)q.Form);
            w.Write((ushort)m);
            if (q.Trellis is { } trellis)
            {
                w.Write((ushort)trellis.Code.States);
                w.Write(q.SequenceRows);
                foreach (var table in trellis.Tables!) WriteTable(w, table);
                return ms.ToArray();
            }
            foreach (var s in q.Scales) w.Write(s);
            foreach (var o in q.Offsets) w.Write(o);
            foreach (var b in q.Basis) w.Write(b);
            if (q.Generator is not null) foreach (var g in q.Generator) w.Write(g);
            for (int j = 0; j < m; j++)
                foreach (var table in _tables[j]) WriteTable(w, table);
        }
        return ms.ToArray();
    }

    private static void WriteTable(BinaryWriter w, IntegerTable table)
    {
        w.Write(table.Lowest);
        w.Write((byte)table.Table.Precision);
        w.Write((ushort)table.Table.Count);
        for (int s = 0; s < table.Table.Count; s++) w.Write((ushort)table.Table.Frequency(s));
    }

    private static IntegerTable[][] EmptyTables(int m) => Enumerable.Repeat(Array.Empty<IntegerTable>(), m).ToArray();

    /// <summary>Reads what <see cref="ToBytes"/> wrote; the result decodes, and quantizes once bound to a lattice.</summary>
    /// <exception cref="LtcException">Malformed bytes (one line naming <paramref name="origin"/>).</exception>
    public static LatentCodec Read(ReadOnlySpan<byte> bytes, string origin)
    {
        var r = new SpanReader(bytes, origin);
        if (!r.Bytes(4).SequenceEqual(Magic)) throw r.Bad("not a latent codec");
        if (r.U16() != FormatVersion) throw r.Bad("unsupported latent codec version");
        var form = (LatentForm)r.U8();
        if (!Enum.IsDefined(form)) throw r.Bad("unknown latent form");
        int m = r.U16();
        if (m < 1) throw r.Bad("latent dimension 0");
        if (form == LatentForm.Trellis)
        {
            int states = r.U16();
            if (!TrellisCode.SupportedStates.Contains(states)) throw r.Bad($"no trellis with {states} states");
            r.Need(4);
            int rows = BinaryPrimitives.ReadInt32LittleEndian(r.Bytes(4));
            if (rows < 1 || (long)rows * m > TrellisLatent.MaxSequenceLength) throw r.Bad("trellis sequence length out of range");
            var unionTables = new[] { ReadTable(ref r), ReadTable(ref r) };
            if (!r.AtEnd) throw r.Bad("trailing bytes");
            if (unionTables.Any(t => t.Highest - t.Lowest + 1 > TrellisLatent.MaxAlphabet)) throw r.Bad("bad table size");
            var trellis = TrellisLatent.Quantizer(TrellisCode.Create(states), unionTables);
            return new LatentCodec(LatentQuantizer.ForTrellis(trellis, m, rows), EmptyTables(m));
        }
        r.Need(8L * (2 * m + (long)m * m));
        var scales = new double[m];
        var offsets = new double[m];
        var basis = new long[m * m];
        for (int j = 0; j < m; j++) scales[j] = r.F64();
        for (int j = 0; j < m; j++) offsets[j] = r.F64();
        for (int i = 0; i < m * m; i++) basis[i] = r.I64();
        double[]? generator = null;
        if (form == LatentForm.LatticeCoordinates)
        {
            r.Need(8L * m * m);
            generator = new double[m * m];
            for (int i = 0; i < m * m; i++) generator[i] = r.F64();
            if (generator.Any(g => !double.IsFinite(g))) throw r.Bad("non-finite generator");
        }
        if (scales.Any(s => !(s > 0) || !double.IsFinite(s)) || offsets.Any(o => !double.IsFinite(o))) throw r.Bad("bad scales or offsets");
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
            {
                long v = basis[i * m + j];
                long dj = basis[j * m + j];
                bool ok = j > i ? v == 0 : j == i ? v is >= 1 and <= 1L << 20 : v >= 0 && v < dj;
                if (!ok) throw r.Bad("basis is not a reduced triangular integer matrix");
            }
        if (form != LatentForm.ScaledIntegers)
            for (int i = 0; i < m; i++) if (basis[i * m + i] != 1) throw r.Bad("basis must be the identity for this form");
        var quantizer = LatentQuantizer.FromParts(form, m, scales, offsets, basis, generator);
        var tables = new IntegerTable[m][];
        for (int j = 0; j < m; j++)
        {
            tables[j] = new IntegerTable[ClassCount(basis[j * m + j])];
            for (int c = 0; c < tables[j].Length; c++) tables[j][c] = ReadTable(ref r);
        }
        if (!r.AtEnd) throw r.Bad("trailing bytes");
        return new LatentCodec(quantizer, tables);
    }

    private static IntegerTable ReadTable(ref SpanReader r)
    {
        long lowest = r.I64();
        int precision = r.U8();
        int count = r.U16();
        if (precision is < 1 or > FrequencyTable.MaxPrecision || count < 2 || count > MaxAlphabet + 1) throw r.Bad("bad table size");
        if (Math.Abs(lowest) > LatentQuantizer.MaxMagnitude) throw r.Bad("table range out of bounds");
        r.Need(2L * count);
        var freq = new uint[count];
        for (int s = 0; s < count; s++) freq[s] = r.U16();
        try { return new IntegerTable(lowest, FrequencyTable.FromFrequencies(freq, precision)); }
        catch (ArgumentException) { throw r.Bad("frequencies do not form a table"); }
    }

    // (class, symbol) of t_j given the lattice coordinates k_{j+1..m} of the coordinates already coded; sets k_j.
    private (int Class, long Symbol) SymbolOf(long tj, int j, long[] k)
    {
        long num = Above(j, k), dj = _diag[j];
        long r = FloorMod(num, dj);
        long diff = tj - num;
        if (diff % dj != 0) throw new ArgumentException($"coordinate {j} of a latent is not on the lattice");
        k[j] = diff / dj;
        return (Class(r, j), (tj - r) / dj);
    }

    private long Above(int j, long[] k)
    {
        long num = 0;
        foreach (var (i, v) in _below[j]) num += k[i] * v;
        return num;
    }

    private int Class(long r, int j) => _classes[j] == _diag[j] ? (int)r : (int)(r * _classes[j] / _diag[j]);

    private static int ClassCount(long modulus) => (int)Math.Min(modulus, MaxClasses);

    private static long FloorMod(long a, long b)
    {
        long r = a % b;
        return r < 0 ? r + b : r;
    }

    private static IntegerTable TableFromCounts(Dictionary<long, long> counts, int precision)
    {
        var keys = counts.Keys.Order().ToList();
        int lo = 0, hi = keys.Count - 1;
        long escaped = 0;
        // Outliers would stretch the alphabet; the rarer end goes to the escape until the range fits.
        while (keys[hi] - keys[lo] + 1 > MaxAlphabet)
        {
            if (counts[keys[lo]] <= counts[keys[hi]]) escaped += counts[keys[lo++]];
            else escaped += counts[keys[hi--]];
        }
        long lowest = keys[lo];
        int n = (int)(keys[hi] - lowest + 1);
        var pmf = new double[n];
        for (int i = 0; i < n; i++) pmf[i] = counts.GetValueOrDefault(lowest + i) + 0.5;
        return IntegerTable.FromProbabilities(lowest, pmf, escaped + 0.5, precision);
    }

    private ref struct SpanReader(ReadOnlySpan<byte> bytes, string origin)
    {
        private readonly ReadOnlySpan<byte> _b = bytes;
        private int _pos;

        public readonly bool AtEnd => _pos == _b.Length;

        public readonly LtcException Bad(string what) => new($"{origin}: corrupt latent codec ({what})");

        public readonly void Need(long n)
        {
            if (n > _b.Length - _pos) throw Bad("truncated");
        }

        public ReadOnlySpan<byte> Bytes(int n) { Need(n); var s = _b.Slice(_pos, n); _pos += n; return s; }
        public byte U8() => Bytes(1)[0];
        public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2));
        public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Bytes(8));
        public double F64() => BinaryPrimitives.ReadDoubleLittleEndian(Bytes(8));
    }
}
