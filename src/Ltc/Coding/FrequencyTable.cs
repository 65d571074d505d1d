using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ltc.Coding;

/// <summary>
/// Integer symbol frequencies that sum exactly to 2^<see cref="Precision"/>, every symbol at least 1, so that every
/// symbol can be coded by <see cref="RansEncoder"/>. Immutable and safe to share between threads.
/// </summary>
public sealed class FrequencyTable
{
    /// <summary>The default precision: frequencies sum to 2^16.</summary>
    public const int DefaultPrecision = 16;

    /// <summary>
    /// The largest precision. The coder's 32-bit state lives in [2^23, 2^31) with byte renormalisation; 16 bits keep
    /// the state at least 2^7 times the table total, which holds the coder's loss well under 0.1%.
    /// </summary>
    public const int MaxPrecision = 16;

    // cumulative[s] = sum of frequencies of symbols before s; cumulative[Count] = 2^Precision.
    private readonly uint[] _cumulative;
    private DecodeTables? _decode;

    private FrequencyTable(uint[] cumulative, int precision)
    {
        _cumulative = cumulative;
        Precision = precision;
    }

    /// <summary>The frequencies sum to 2^Precision.</summary>
    public int Precision { get; }

    /// <summary>Number of symbols (0 .. Count-1).</summary>
    public int Count => _cumulative.Length - 1;

    /// <summary>2^Precision, the sum of the frequencies.</summary>
    public uint Total => 1u << Precision;

    /// <summary>Frequency of <paramref name="symbol"/> (at least 1).</summary>
    public uint Frequency(int symbol) => _cumulative[symbol + 1] - _cumulative[symbol];

    /// <summary>Sum of the frequencies of the symbols before <paramref name="symbol"/>.</summary>
    public uint Start(int symbol) => _cumulative[symbol];

    /// <summary>Ideal code length of <paramref name="symbol"/> under this table, in bits: Precision − log2 f.</summary>
    public double CodeLength(int symbol) => Precision - Math.Log2(Frequency(symbol));

    internal ReadOnlySpan<uint> Cumulative => _cumulative;

    /// <summary>Builds a table from integer frequencies, which must all be at least 1 and sum to 2^precision.</summary>
    public static FrequencyTable FromFrequencies(ReadOnlySpan<uint> frequencies, int precision = DefaultPrecision)
    {
        CheckPrecision(precision);
        if (frequencies.Length == 0) throw new ArgumentException("a frequency table needs at least one symbol", nameof(frequencies));
        var cum = new uint[frequencies.Length + 1];
        ulong sum = 0;
        for (int i = 0; i < frequencies.Length; i++)
        {
            if (frequencies[i] == 0) throw new ArgumentException($"symbol {i} has frequency 0; every symbol needs at least 1", nameof(frequencies));
            sum += frequencies[i];
            if (sum > 1u << precision) break;
            cum[i + 1] = (uint)sum;
        }
        if (sum != 1u << precision) throw new ArgumentException($"frequencies sum to {sum}, not 2^{precision}", nameof(frequencies));
        return new FrequencyTable(cum, precision);
    }

    /// <summary>A table giving every one of <paramref name="count"/> symbols (nearly) the same frequency.</summary>
    public static FrequencyTable Uniform(int count, int precision = DefaultPrecision)
    {
        CheckPrecision(precision);
        if (count < 1 || count > 1 << precision) throw new ArgumentOutOfRangeException(nameof(count), $"{count} symbols do not fit a table of precision {precision}");
        var f = new uint[count];
        uint q = (1u << precision) / (uint)count, r = (1u << precision) % (uint)count;
        for (int i = 0; i < count; i++) f[i] = q + (i < r ? 1u : 0u);
        return FromFrequencies(f, precision);
    }

    /// <summary>
    /// Quantizes a probability mass function (non-negative, finite, not all zero; normalised here) to the integer table
    /// of the given precision that minimises the expected code length Σ p_i (precision − log2 f_i), i.e. the
    /// Kullback–Leibler loss against the ideal, subject to every f_i ≥ 1 and Σ f_i = 2^precision.
    /// </summary>
    /// <remarks>
    /// The objective is separable and convex in each f_i, so a table is optimal exactly when no single unit moved from
    /// one symbol to another lowers it. We start from rounded frequencies, restore the sum greedily by the cheapest
    /// unit moves, then apply improving moves until none is left (two priority queues, so this costs O(k log n) for k
    /// moves, and k is small after rounding).
    /// </remarks>
    public static FrequencyTable FromProbabilities(ReadOnlySpan<double> pmf, int precision = DefaultPrecision)
    {
        CheckPrecision(precision);
        int n = pmf.Length;
        long total = 1L << precision;
        if (n < 1 || n > total) throw new ArgumentException($"{n} symbols do not fit a table of precision {precision}", nameof(pmf));
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double v = pmf[i];
            if (!(v >= 0) || double.IsPositiveInfinity(v)) throw new ArgumentException($"probability {i} is {v}; probabilities must be finite and non-negative", nameof(pmf));
            sum += v;
        }
        if (!(sum > 0) || double.IsInfinity(sum)) throw new ArgumentException("probabilities sum to zero or overflow", nameof(pmf));

        var p = new double[n];
        var f = new long[n];
        long fsum = 0;
        for (int i = 0; i < n; i++)
        {
            p[i] = pmf[i] / sum;
            f[i] = Math.Max(1L, (long)Math.Round(p[i] * total));
            fsum += f[i];
        }
        Rebalance(p, f, fsum, total);
        Refine(p, f);

        var cum = new uint[n + 1];
        for (int i = 0; i < n; i++) cum[i + 1] = cum[i] + (uint)f[i];
        return new FrequencyTable(cum, precision);
    }

    /// <summary>
    /// Quantizes a table given by cumulative values: symbol i has mass cdf[i+1] − cdf[i] (so <paramref name="cdf"/> has
    /// Count + 1 entries and must not decrease; differences down to −1e−9 from floating-point rounding count as 0).
    /// </summary>
    public static FrequencyTable FromCdf(ReadOnlySpan<double> cdf, int precision = DefaultPrecision)
    {
        if (cdf.Length < 2) throw new ArgumentException("a CDF needs at least two values", nameof(cdf));
        var pmf = new double[cdf.Length - 1];
        for (int i = 0; i < pmf.Length; i++)
        {
            double d = cdf[i + 1] - cdf[i];
            if (double.IsNaN(d) || d < -1e-9) throw new ArgumentException($"CDF decreases (or is NaN) between {i} and {i + 1}", nameof(cdf));
            pmf[i] = Math.Max(0, d);
        }
        return FromProbabilities(pmf, precision);
    }

    /// <summary>Expected code length in bits per symbol of data distributed as <paramref name="pmf"/> coded with this table.</summary>
    public double CrossEntropy(ReadOnlySpan<double> pmf)
    {
        if (pmf.Length != Count) throw new ArgumentException($"the PMF has {pmf.Length} entries, the table {Count}", nameof(pmf));
        double sum = 0, h = 0;
        foreach (var v in pmf) sum += v;
        for (int i = 0; i < Count; i++)
            if (pmf[i] > 0) h += pmf[i] / sum * CodeLength(i);
        return h;
    }

    /// <summary>Entropy of a probability mass function (normalised here) in bits.</summary>
    public static double Entropy(ReadOnlySpan<double> pmf)
    {
        double sum = 0, h = 0;
        foreach (var v in pmf) sum += v;
        foreach (var v in pmf)
            if (v > 0) h -= v / sum * Math.Log2(v / sum);
        return h;
    }

    /// <summary>Symbol whose interval [Start, Start + Frequency) holds <paramref name="slot"/>.</summary>
    internal int FindSymbol(uint slot)
    {
        var d = _decode;
        if (d != null) return d.Symbol(slot);
        // Conditional coding builds a table per symbol; a binary search avoids filling a 2^precision lookup for one use.
        int lo = 0, hi = Count - 1;
        var cum = _cumulative;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >>> 1;
            if (cum[mid] <= slot) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /// <summary>The slot → symbol and symbol → (frequency, start) lookups that the batch decoder uses, built on first use.</summary>
    internal DecodeTables GetDecodeTables()
    {
        var d = Volatile.Read(ref _decode);
        if (d != null) return d;
        d = new DecodeTables(this);
        return Interlocked.CompareExchange(ref _decode, d, null) ?? d;
    }

    private static void CheckPrecision(int precision)
    {
        if (precision < 1 || precision > MaxPrecision)
            throw new ArgumentOutOfRangeException(nameof(precision), $"precision must be 1..{MaxPrecision}, not {precision}");
    }

    // Gain in bits of expected length from giving symbol i one more unit.
    private static double Gain(double p, long f) => p * Math.Log2((f + 1.0) / f);

    // Cost in bits of taking one unit from symbol i (which must have f > 1).
    private static double Cost(double p, long f) => p * Math.Log2(f / (f - 1.0));

    private static void Rebalance(double[] p, long[] f, long fsum, long total)
    {
        int n = p.Length;
        if (fsum < total)
        {
            var q = new PriorityQueue<int, double>(n);
            for (int i = 0; i < n; i++) q.Enqueue(i, -Gain(p[i], f[i]));
            for (; fsum < total; fsum++)
            {
                int i = q.Dequeue();
                f[i]++;
                q.Enqueue(i, -Gain(p[i], f[i]));
            }
        }
        else if (fsum > total)
        {
            var q = new PriorityQueue<int, double>(n);
            for (int i = 0; i < n; i++) if (f[i] > 1) q.Enqueue(i, Cost(p[i], f[i]));
            for (; fsum > total; fsum--)
            {
                int i = q.Dequeue();
                f[i]--;
                if (f[i] > 1) q.Enqueue(i, Cost(p[i], f[i]));
            }
        }
    }

    private static void Refine(double[] p, long[] f)
    {
        int n = p.Length;
        if (n < 2) return;
        // Lazy queues: an entry is stale when its recorded frequency differs from the current one.
        var gains = new PriorityQueue<(int Sym, long F), double>(n);
        var costs = new PriorityQueue<(int Sym, long F), double>(n);
        for (int i = 0; i < n; i++)
        {
            gains.Enqueue((i, f[i]), -Gain(p[i], f[i]));
            if (f[i] > 1) costs.Enqueue((i, f[i]), Cost(p[i], f[i]));
        }
        // Each move strictly lowers a bounded objective, so this ends; the cap guards against float ties.
        for (int moves = 0; moves < 4 * n + 64; moves++)
        {
            (int Sym, long F) gi, cj;
            double g, c;
            while (gains.TryPeek(out gi, out g) && f[gi.Sym] != gi.F) gains.Dequeue();
            while (costs.TryPeek(out cj, out c) && f[cj.Sym] != cj.F) costs.Dequeue();
            if (gains.Count == 0 || costs.Count == 0) return;
            g = -g;
            if (gi.Sym == cj.Sym || g <= c * (1 + 1e-12) + 1e-15) return;
            int i = gi.Sym, j = cj.Sym;
            f[i]++;
            f[j]--;
            gains.Enqueue((i, f[i]), -Gain(p[i], f[i]));
            gains.Enqueue((j, f[j]), -Gain(p[j], f[j]));
            costs.Enqueue((i, f[i]), Cost(p[i], f[i]));
            if (f[j] > 1) costs.Enqueue((j, f[j]), Cost(p[j], f[j]));
        }
    }

    /// <summary>
    /// Lookups on the pinned heap, so the decoder's hot loop indexes raw pointers: slot → symbol (one byte per slot for
    /// alphabets of at most 256 symbols, else two), and symbol → (frequency − 1) &lt;&lt; 16 | start.
    /// </summary>
    /// <remarks>
    /// The slot table is what the decoder's dependent loads walk through at random, so it is kept small: 2^16 slots
    /// take 64 KiB as bytes, and a stream cycling through 16 such tables stays within a 1 MiB L2 cache (a per-slot
    /// entry of 6 bytes took 6 MiB and ran from L3, which a busy neighbouring core shares). The per-symbol entry is
    /// then an L1 hit.
    /// </remarks>
    internal sealed unsafe class DecodeTables
    {
        private readonly byte[]? _symbols8;
        private ushort[]? _symbols16;
        private readonly uint[] _info;
        private readonly FrequencyTable _table;

        public DecodeTables(FrequencyTable t)
        {
            _table = t;
            int m = 1 << t.Precision;
            var cum = t._cumulative;
            _info = GC.AllocateUninitializedArray<uint>(t.Count, pinned: true);
            for (int s = 0; s < t.Count; s++) _info[s] = ((cum[s + 1] - cum[s] - 1) << 16) | cum[s];
            if (t.Count <= 256)
            {
                _symbols8 = GC.AllocateUninitializedArray<byte>(m, pinned: true);
                for (int s = 0; s < t.Count; s++) _symbols8.AsSpan((int)cum[s], (int)(cum[s + 1] - cum[s])).Fill((byte)s);
            }
            else _symbols16 = BuildWide(t);
        }

        /// <summary>True when slots map to one-byte symbols (alphabets of at most 256 symbols).</summary>
        public bool Narrow => _symbols8 != null;

        /// <summary>The symbol of a slot.</summary>
        public int Symbol(uint slot) => _symbols8 != null ? _symbols8[slot] : _symbols16![slot];

        /// <summary>slot → symbol as bytes; only when <see cref="Narrow"/>.</summary>
        public byte* Symbols8Ptr => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_symbols8!));

        /// <summary>slot → symbol as 16-bit values (built on first use for narrow tables that share a stream with wide ones).</summary>
        public ushort* Symbols16Ptr
        {
            get
            {
                var w = Volatile.Read(ref _symbols16);
                if (w == null)
                {
                    w = BuildWide(_table);
                    w = Interlocked.CompareExchange(ref _symbols16, w, null) ?? w;
                }
                return (ushort*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(w));
            }
        }

        /// <summary>symbol → (frequency − 1) &lt;&lt; 16 | start.</summary>
        public uint* InfoPtr => (uint*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_info));

        private static ushort[] BuildWide(FrequencyTable t)
        {
            var cum = t._cumulative;
            var w = GC.AllocateUninitializedArray<ushort>(1 << t.Precision, pinned: true);
            for (int s = 0; s < t.Count; s++) w.AsSpan((int)cum[s], (int)(cum[s + 1] - cum[s])).Fill((ushort)s);
            return w;
        }
    }
}
