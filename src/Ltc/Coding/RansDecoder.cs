using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ltc.Coding;

/// <summary>
/// Decoder for a block written by <see cref="RansEncoder"/>. It yields symbols one at a time in the order they were
/// encoded, so a caller can compute each table from the symbols decoded so far (<see cref="Decode"/>), or decode a
/// batch under static tables at full speed (<see cref="DecodeStatic"/>, <see cref="DecodeIntegers"/>).
/// </summary>
/// <remarks>
/// Corrupt input never throws anything but <see cref="LtcFormatException"/> and never reads out of bounds: reads
/// past the end give zeros and are reported by <see cref="Finish"/>, which also checks that the states returned to
/// their initial value and every byte was used — a cheap integrity check on top of the file's checksums.
/// </remarks>
public sealed class RansDecoder
{
    private const int N = RansCoder.Streams;
    private readonly byte[] _data;
    private readonly int _ransEnd;
    private readonly string _name;
    private readonly uint[] _x = new uint[N];
    private int _pos;
    private long _op;
    private bool _overrun;
    private BitReader _bypass;

    /// <summary>Starts decoding <paramref name="block"/>; <paramref name="name"/> names it in error messages.</summary>
    public RansDecoder(ReadOnlyMemory<byte> block, string name = "coded block")
    {
        _name = name;
        _data = MemoryMarshal.TryGetArray(block, out var seg) && seg.Offset == 0 && seg.Count == seg.Array!.Length
            ? seg.Array
            : block.ToArray();
        var d = _data;
        uint ransLen = 0;
        int shift = 0, pos = 0;
        while (true)
        {
            if (pos >= d.Length || shift > 28) throw new LtcFormatException($"{name}: bad rANS length field");
            byte b = d[pos++];
            ransLen |= (uint)(b & 0x7F) << shift;
            if (b < 0x80) break;
            shift += 7;
        }
        if (ransLen < 4 * N || ransLen > d.Length - pos)
            throw new LtcFormatException($"{name}: rANS section of {ransLen} bytes does not fit a block of {d.Length} bytes");
        _pos = pos;
        _ransEnd = pos + (int)ransLen;
        for (int i = 0; i < N; i++)
        {
            _x[i] = BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(_pos, 4));
            _pos += 4;
            if (_x[i] < RansCoder.L || _x[i] >= RansCoder.L << 8) throw new LtcFormatException($"{name}: invalid rANS state");
        }
        _bypass = new BitReader(block[_ransEnd..]);
    }

    /// <summary>Decodes one symbol under <paramref name="table"/> (which may be computed from the symbols so far).</summary>
    public int Decode(FrequencyTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        ref uint x = ref _x[(int)(_op++ & (N - 1))];
        int p = table.Precision;
        uint slot = x & ((1u << p) - 1);
        int s = table.FindSymbol(slot);
        var cum = table.Cumulative;
        uint start = cum[s];
        x = (cum[s + 1] - start) * (x >> p) + slot - start;
        Refill(ref x);
        return s;
    }

    /// <summary>Decodes one integer under an escape table.</summary>
    public long DecodeInteger(IntegerTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        int s = Decode(table.Table);
        return s == table.EscapeSymbol ? ReadEscape(table.Lowest, table.Highest) : table.Lowest + s;
    }

    /// <summary>Reads <paramref name="count"/> (0..64) raw bits written by <see cref="RansEncoder.EncodeBits"/>.</summary>
    public ulong DecodeBits(int count)
    {
        if ((uint)count > 64) throw new ArgumentOutOfRangeException(nameof(count));
        return _bypass.Read64(count);
    }

    /// <summary>Decodes what <see cref="RansEncoder.EncodeStatic"/> wrote, with the same tables and indices.</summary>
    public unsafe void DecodeStatic(Span<int> symbols, IReadOnlyList<FrequencyTable> tables, ReadOnlySpan<int> tableIndex)
    {
        var cycle = RansEncoder.Resolve(tables, tableIndex, symbols.Length);
        if (symbols.Length == 0) return;
        int L = cycle.Length, i = 0, k = 0;
        // Align to state 0 so the unrolled loop can keep the four states in registers.
        for (; i < symbols.Length && (_op & (N - 1)) != 0; i++)
        {
            symbols[i] = Decode(cycle[k]);
            if (++k == L) k = 0;
        }
        int p = cycle[0].Precision;
        bool samePrecision = true;
        foreach (var t in cycle) samePrecision &= t.Precision == p;
        if (samePrecision && symbols.Length - i >= N)
        {
            var lookups = new FrequencyTable.DecodeTables[L];
            for (int c = 0; c < L; c++) lookups[c] = cycle[c].GetDecodeTables();
            var ptrs = Pointers(lookups, out bool narrow);
            fixed (int* outp = symbols)
            fixed (nint* tp = ptrs)
            fixed (byte* data = _data)
            {
                // The tables are pinned, so their raw pointers stay valid; keep them alive across the loop.
                (int done, k) = narrow
                    ? StaticCore<byte>(outp + i, symbols.Length - i, tp, L, k, p, data)
                    : StaticCore<ushort>(outp + i, symbols.Length - i, tp, L, k, p, data);
                i += done;
                GC.KeepAlive(lookups);
            }
        }
        for (; i < symbols.Length; i++)
        {
            symbols[i] = Decode(cycle[k]);
            if (++k == L) k = 0;
        }
    }

    /// <summary>Decodes what <see cref="RansEncoder.EncodeIntegers"/> wrote, with the same tables and indices.</summary>
    public unsafe void DecodeIntegers(Span<long> values, IReadOnlyList<IntegerTable> tables, ReadOnlySpan<int> tableIndex)
    {
        var cycle = RansEncoder.Resolve(tables, tableIndex, values.Length);
        if (values.Length == 0) return;
        int L = cycle.Length, i = 0, k = 0;
        for (; i < values.Length && (_op & (N - 1)) != 0; i++)
        {
            values[i] = DecodeInteger(cycle[k]);
            if (++k == L) k = 0;
        }
        int p = cycle[0].Table.Precision;
        bool samePrecision = true;
        foreach (var t in cycle) samePrecision &= t.Table.Precision == p;
        if (samePrecision && values.Length - i >= N)
        {
            var lookups = new FrequencyTable.DecodeTables[L];
            var lows = new long[2 * L];
            for (int c = 0; c < L; c++)
            {
                lookups[c] = cycle[c].Table.GetDecodeTables();
                lows[2 * c] = cycle[c].Lowest;
                lows[2 * c + 1] = cycle[c].EscapeSymbol;
            }
            var ptrs = Pointers(lookups, out bool narrow);
            var symbols = new int[values.Length - i];
            int done;
            fixed (int* outp = symbols)
            fixed (nint* tp = ptrs)
            fixed (byte* data = _data)
            {
                (done, _) = narrow
                    ? StaticCore<byte>(outp, symbols.Length, tp, L, k, p, data)
                    : StaticCore<ushort>(outp, symbols.Length, tp, L, k, p, data);
                GC.KeepAlive(lookups);
            }
            // Escapes are rare and their payload sits in the separate bypass stream, so they are resolved afterwards
            // in order without disturbing the rANS loop.
            for (int j = 0; j < done; j++, i++)
            {
                int s = symbols[j];
                values[i] = s == (int)lows[2 * k + 1] ? ReadEscape(cycle[k].Lowest, cycle[k].Highest) : lows[2 * k] + s;
                if (++k == L) k = 0;
            }
        }
        for (; i < values.Length; i++)
        {
            values[i] = DecodeInteger(cycle[k]);
            if (++k == L) k = 0;
        }
    }

    /// <summary>
    /// Checks that the block was decoded exactly: no read past its end, the states back at their initial value, and
    /// no bytes left over. Throws <see cref="LtcFormatException"/> otherwise.
    /// </summary>
    public void Finish()
    {
        if (_overrun || _bypass.Overrun) throw new LtcFormatException($"{_name}: coded data is truncated or corrupt (read past its end)");
        foreach (var x in _x)
            if (x != RansCoder.L) throw new LtcFormatException($"{_name}: coded data is corrupt (final rANS state mismatch)");
        if (_pos != _ransEnd) throw new LtcFormatException($"{_name}: coded data has {_ransEnd - _pos} unused rANS bytes");
        if (!_bypass.AtCleanEnd) throw new LtcFormatException($"{_name}: coded data has unused bypass bits");
    }

    /// <summary>
    /// The raw lookups of a cycle of tables, two per position: slot → symbol (bytes when every table of the cycle is
    /// narrow, else 16-bit) and symbol → (frequency − 1) &lt;&lt; 16 | start.
    /// </summary>
    private static unsafe nint[] Pointers(FrequencyTable.DecodeTables[] tables, out bool narrow)
    {
        narrow = true;
        foreach (var t in tables) narrow &= t.Narrow;
        var ptrs = new nint[2 * tables.Length];
        for (int c = 0; c < tables.Length; c++)
        {
            ptrs[2 * c] = narrow ? (nint)tables[c].Symbols8Ptr : (nint)tables[c].Symbols16Ptr;
            ptrs[2 * c + 1] = (nint)tables[c].InfoPtr;
        }
        return ptrs;
    }

    // Decodes count symbols from state 0 on; returns how many it did (it stops early near the end of the data, where
    // the checked per-symbol path takes over) and the next cycle position. TSym is byte or ushort, the slot table's
    // element. Per symbol: slot → symbol (the one lookup that may miss L1), symbol → (f − 1, start) (an L1 hit),
    // x ← f·(x >> p) + slot − start, then a branch-free refill of 0–2 bytes.
    private unsafe (int Done, int K) StaticCore<TSym>(int* outp, int count, nint* tp, int L, int k, int p, byte* data)
        where TSym : unmanaged
    {
        uint mask = (1u << p) - 1;
        uint x0 = _x[0], x1 = _x[1], x2 = _x[2], x3 = _x[3];
        byte* ptr = data + _pos;
        // Each symbol reads at most 2 bytes, and the branchless refill loads 2 bytes ahead.
        byte* safeEnd = data + _ransEnd - 2 * N - 2;
        int i = 0;
        for (; i + N <= count && ptr <= safeEnd; i += N)
        {
            uint e, sl;
            int n, s;
            nint sy; uint* inf;

            sy = tp[2 * k]; inf = (uint*)tp[2 * k + 1]; if (++k == L) k = 0;
            sl = x0 & mask; s = Sym<TSym>(sy, sl); e = inf[s]; outp[i] = s;
            x0 = ((e >> 16) + 1) * (x0 >> p) + sl - (e & 0xFFFF);
            n = (x0 < RansCoder.L ? 1 : 0) + (x0 < RansCoder.L >> 8 ? 1 : 0);
            x0 = (x0 << (8 * n)) | ((uint)BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ptr)) >> (16 - 8 * n));
            ptr += n;

            sy = tp[2 * k]; inf = (uint*)tp[2 * k + 1]; if (++k == L) k = 0;
            sl = x1 & mask; s = Sym<TSym>(sy, sl); e = inf[s]; outp[i + 1] = s;
            x1 = ((e >> 16) + 1) * (x1 >> p) + sl - (e & 0xFFFF);
            n = (x1 < RansCoder.L ? 1 : 0) + (x1 < RansCoder.L >> 8 ? 1 : 0);
            x1 = (x1 << (8 * n)) | ((uint)BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ptr)) >> (16 - 8 * n));
            ptr += n;

            sy = tp[2 * k]; inf = (uint*)tp[2 * k + 1]; if (++k == L) k = 0;
            sl = x2 & mask; s = Sym<TSym>(sy, sl); e = inf[s]; outp[i + 2] = s;
            x2 = ((e >> 16) + 1) * (x2 >> p) + sl - (e & 0xFFFF);
            n = (x2 < RansCoder.L ? 1 : 0) + (x2 < RansCoder.L >> 8 ? 1 : 0);
            x2 = (x2 << (8 * n)) | ((uint)BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ptr)) >> (16 - 8 * n));
            ptr += n;

            sy = tp[2 * k]; inf = (uint*)tp[2 * k + 1]; if (++k == L) k = 0;
            sl = x3 & mask; s = Sym<TSym>(sy, sl); e = inf[s]; outp[i + 3] = s;
            x3 = ((e >> 16) + 1) * (x3 >> p) + sl - (e & 0xFFFF);
            n = (x3 < RansCoder.L ? 1 : 0) + (x3 < RansCoder.L >> 8 ? 1 : 0);
            x3 = (x3 << (8 * n)) | ((uint)BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ptr)) >> (16 - 8 * n));
            ptr += n;
        }
        _x[0] = x0; _x[1] = x1; _x[2] = x2; _x[3] = x3;
        _pos = (int)(ptr - data);
        _op += i;
        return (i, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int Sym<TSym>(nint table, uint slot) where TSym : unmanaged =>
        typeof(TSym) == typeof(byte) ? ((byte*)table)[slot] : ((ushort*)table)[slot];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Refill(ref uint x)
    {
        while (x < RansCoder.L)
        {
            uint b = 0;
            if (_pos < _ransEnd) b = _data[_pos++];
            else
            {
                _overrun = true;
                // Stop refilling garbage: leave a valid state so decoding ends quickly; Finish reports the overrun.
                x = RansCoder.L;
                return;
            }
            x = (x << 8) | b;
        }
    }

    private long ReadEscape(long lowest, long highest)
    {
        bool below = _bypass.Read(1) != 0;
        ulong ov = _bypass.ReadExpGolomb(_name);
        Int128 v = below ? (Int128)lowest - 1 - ov : (Int128)highest + 1 + ov;
        if (v < long.MinValue || v > long.MaxValue) throw new LtcFormatException($"{_name}: escaped integer is outside the 64-bit range");
        return (long)v;
    }
}
