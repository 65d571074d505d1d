using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ltc.Coding;

/// <summary>
/// Interleaved rANS encoder (<see cref="RansCoder.Streams"/> 32-bit states, byte renormalisation). The caller codes
/// forward, in the order the decoder will read; the encoder records each symbol's interval and runs rANS backwards in
/// <see cref="Finish"/>, as rANS requires. Symbols of any precision, conditional tables and static batches can be
/// mixed freely in one stream, as long as the decoder asks for them in the same order with the same tables.
/// </summary>
/// <remarks>
/// The output is one block: a LEB128 length of the rANS bytes, the rANS bytes, then the bypass bits (escapes and
/// <see cref="EncodeBits"/>). An encoder is reusable after <see cref="Finish"/>; it is not thread-safe.
/// </remarks>
public sealed class RansEncoder
{
    // One recorded symbol: start (16 bits) | frequency (17 bits) << 16 | precision << 40.
    private ulong[] _ops = new ulong[1024];
    private int _count;
    private readonly BitWriter _bypass = new();

    /// <summary>Number of table symbols recorded since the last <see cref="Finish"/>.</summary>
    public int SymbolCount => _count;

    /// <summary>Records <paramref name="symbol"/> (0 .. table.Count−1) under <paramref name="table"/>.</summary>
    public void Encode(int symbol, FrequencyTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if ((uint)symbol >= (uint)table.Count) throw new ArgumentOutOfRangeException(nameof(symbol), $"symbol {symbol} is outside the table's 0..{table.Count - 1}");
        var cum = table.Cumulative;
        Push(cum[symbol], cum[symbol + 1] - cum[symbol], table.Precision);
    }

    /// <summary>Records an integer under an escape table: in range as its symbol, otherwise escape plus bypass code.</summary>
    public void EncodeInteger(long value, IntegerTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (value >= table.Lowest && value <= table.Highest)
        {
            Encode((int)(value - table.Lowest), table.Table);
            return;
        }
        Encode(table.EscapeSymbol, table.Table);
        WriteEscape(value, table);
    }

    /// <summary>Writes the low <paramref name="count"/> (0..64) bits of <paramref name="value"/> to the bypass stream.</summary>
    public void EncodeBits(ulong value, int count)
    {
        if ((uint)count > 64) throw new ArgumentOutOfRangeException(nameof(count));
        _bypass.Write64(value, count);
    }

    /// <summary>
    /// Static tables chosen by index (a factorized prior): symbol i is coded under
    /// tables[tableIndex[i mod tableIndex.Length]]; e.g. tableIndex = 0..C−1 for C channels of a row-major latent.
    /// </summary>
    public void EncodeStatic(ReadOnlySpan<int> symbols, IReadOnlyList<FrequencyTable> tables, ReadOnlySpan<int> tableIndex)
    {
        var resolved = Resolve(tables, tableIndex, symbols.Length);
        Reserve(symbols.Length);
        int k = 0;
        for (int i = 0; i < symbols.Length; i++)
        {
            var t = resolved[k];
            if (++k == resolved.Length) k = 0;
            int s = symbols[i];
            if ((uint)s >= (uint)t.Count) throw new ArgumentOutOfRangeException(nameof(symbols), $"symbol {s} at {i} is outside its table's 0..{t.Count - 1}");
            var cum = t.Cumulative;
            _ops[_count++] = Pack(cum[s], cum[s + 1] - cum[s], t.Precision);
        }
    }

    /// <summary>Like <see cref="EncodeStatic"/> for integers under escape tables (NTC latents).</summary>
    public void EncodeIntegers(ReadOnlySpan<long> values, IReadOnlyList<IntegerTable> tables, ReadOnlySpan<int> tableIndex)
    {
        var resolved = Resolve(tables, tableIndex, values.Length);
        Reserve(values.Length);
        int k = 0;
        for (int i = 0; i < values.Length; i++)
        {
            var t = resolved[k];
            if (++k == resolved.Length) k = 0;
            long v = values[i];
            var cum = t.Table.Cumulative;
            int s;
            if (v >= t.Lowest && v <= t.Highest) s = (int)(v - t.Lowest);
            else
            {
                s = t.EscapeSymbol;
                WriteEscape(v, t);
            }
            _ops[_count++] = Pack(cum[s], cum[s + 1] - cum[s], t.Table.Precision);
        }
    }

    /// <summary>Runs the coder over everything recorded and returns the coded block; the encoder is then empty.</summary>
    public byte[] Finish()
    {
        int maxRans = 2 * _count + 4 * RansCoder.Streams;
        var rans = new byte[maxRans];
        int ransLen = RunBackwards(rans);
        int bypassLen = _bypass.ByteCount;
        Span<byte> lenBytes = stackalloc byte[5];
        int lenLen = WriteLeb128(lenBytes, (uint)ransLen);
        var result = new byte[lenLen + ransLen + bypassLen];
        lenBytes[..lenLen].CopyTo(result);
        rans.AsSpan(maxRans - ransLen).CopyTo(result.AsSpan(lenLen));
        _bypass.CopyTo(result.AsSpan(lenLen + ransLen));
        _count = 0;
        _bypass.Reset();
        return result;
    }

    /// <summary>Forgets everything recorded.</summary>
    public void Reset()
    {
        _count = 0;
        _bypass.Reset();
    }

    private void WriteEscape(long value, IntegerTable table)
    {
        _bypass.Write(value > table.Highest ? 0u : 1u, 1);
        _bypass.WriteExpGolomb(table.Overflow(value));
    }

    /// <summary>The table of every position of a cycle of table indexes (shared with <see cref="RansDecoder"/>).</summary>
    internal static T[] Resolve<T>(IReadOnlyList<T> tables, ReadOnlySpan<int> tableIndex, int count) where T : class
    {
        ArgumentNullException.ThrowIfNull(tables);
        if (tableIndex.Length == 0)
        {
            if (count == 0) return [];
            throw new ArgumentException("tableIndex is empty", nameof(tableIndex));
        }
        var r = new T[tableIndex.Length];
        for (int i = 0; i < r.Length; i++)
        {
            int ti = tableIndex[i];
            if ((uint)ti >= (uint)tables.Count) throw new ArgumentOutOfRangeException(nameof(tableIndex), $"table index {ti} at {i} is outside 0..{tables.Count - 1}");
            r[i] = tables[ti] ?? throw new ArgumentNullException(nameof(tables), $"table {ti} is null");
        }
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Pack(uint start, uint freq, int precision) => start | ((ulong)freq << 16) | ((ulong)precision << 40);

    private void Push(uint start, uint freq, int precision)
    {
        if (_count == _ops.Length) Reserve(1);
        _ops[_count++] = Pack(start, freq, precision);
    }

    private void Reserve(int more)
    {
        long need = (long)_count + more;
        if (need > Array.MaxLength / 2) throw new InvalidOperationException("too many symbols for one coded block");
        if (need > _ops.Length) Array.Resize(ref _ops, (int)Math.Max(need, Math.Min(Array.MaxLength / 2, 2L * _ops.Length)));
    }

    // Encodes ops in reverse into the end of dest; returns the number of bytes used (at the end of dest).
    private unsafe int RunBackwards(byte[] dest)
    {
        const int N = RansCoder.Streams;
        Span<uint> x = stackalloc uint[N];
        x.Fill(RansCoder.L);
        fixed (byte* destStart = dest)
        fixed (ulong* ops = _ops)
        {
            byte* end = destStart + dest.Length, ptr = end;
            for (int j = _count - 1; j >= 0; j--)
            {
                ulong op = ops[j];
                uint start = (uint)op & 0xFFFF, freq = (uint)(op >> 16) & 0x1FFFF;
                int p = (int)(op >> 40);
                ref uint s = ref x[j & (N - 1)];
                uint xs = s;
                // The state must stay below 2^31 after coding: shift out bytes while x ≥ f·2^(31−p).
                uint xmax = freq << (31 - p);
                while (xs >= xmax)
                {
                    *--ptr = (byte)xs;
                    xs >>= 8;
                }
                uint q = xs / freq;
                s = (q << p) + (xs - q * freq) + start;
            }
            for (int i = N - 1; i >= 0; i--)
            {
                ptr -= 4;
                BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(ptr, 4), x[i]);
            }
            return (int)(end - ptr);
        }
    }

    internal static int WriteLeb128(Span<byte> dest, uint v)
    {
        int n = 0;
        while (v >= 0x80)
        {
            dest[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        dest[n++] = (byte)v;
        return n;
    }
}

/// <summary>Constants shared by <see cref="RansEncoder"/> and <see cref="RansDecoder"/>.</summary>
public static class RansCoder
{
    /// <summary>Number of interleaved rANS states; symbol j of a block uses state j mod Streams.</summary>
    public const int Streams = 4;

    /// <summary>Lower bound of the normalised state interval [L, 2^8 L) = [2^23, 2^31).</summary>
    public const uint L = 1u << 23;
}
