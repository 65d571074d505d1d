using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Ltc.Coding;
using Ltc.Simd;

namespace Ltc.Trellis;

/// <summary>
/// A trellis-coded quantizer: a <see cref="TrellisCode"/>, a <see cref="TrellisCodebook"/> and optionally the
/// entropy coder's tables (one <see cref="IntegerTable"/> per union codebook, coding the union index k conditioned on
/// the union the current state allows). The encoder is the Viterbi algorithm over the trellis, started in state 0 and
/// free at the end, minimizing Σ (xₜ − yₜ)² + λ·ℓₜ with ℓₜ the code length of the chosen index in bits (λ = 0, or no
/// tables: plain TCQ, minimum squared error).
/// </summary>
/// <remarks>
/// <para><b>Branch metrics.</b> Every branch leaving a state with union u and branch bit b carries the subset
/// D_{2b+u}, and its metric is the smallest (x − y_u(k))² + λ·ℓ_u(k) over the codewords k ≡ b (mod 2) of the subset, so
/// one sample needs only four branch metrics (entropy-constrained TCQ, Fischer and Wang, "Entropy-constrained
/// trellis-coded quantization", IEEE Trans. Inf. Theory 38(2), 1992; Marcellin, "On entropy-constrained trellis coded
/// quantization", IEEE Trans. Commun. 42(1), 1994). Each is found exactly over the codewords of the table's index range
/// from the lower envelope of the lines −2y·x + y² + λℓ (found once per quantizer); a codeword outside the range
/// (coded with an escape) is considered only for inputs beyond the subset's outermost envelope codeword, and then only
/// the nearest one.</para>
/// <para><b>Search.</b> Path metrics are floats, updated by add–compare–select over the butterflies of the shift-register
/// trellis (next state q or q + S/2 from predecessors 2q and 2q + 1) and renormalized every 64 samples; on ties the
/// even predecessor wins. With AVX2 the states are processed 8 per vector (the small trellises as one vector); the
/// scalar path performs exactly the same float operations, so both return the same path on every machine. Decisions
/// take one bit per state and sample (32 bytes per sample with 256 states) for the trace-back.</para>
/// <para>The decoder needs no search: from state 0, index k of the current union gives the level y_u(k) and the branch
/// bit k mod 2, hence the next state.</para>
/// </remarks>
public sealed class TrellisQuantizer
{
    private readonly IntegerTable[]? _tables;
    private readonly int[] _jA, _jB, _pA, _pB; // per next-state lane: subsets and predecessors of the two branches

    /// <summary>
    /// The quantizer of <paramref name="code"/> and <paramref name="codebook"/>, with the code lengths of
    /// <paramref name="tables"/> (two tables, for A0 and A1; null for plain TCQ) weighted by
    /// <paramref name="lambda"/> (squared-error units per bit).
    /// </summary>
    /// <exception cref="LtcException">λ negative or not finite, λ &gt; 0 without tables, or not exactly two tables.</exception>
    public TrellisQuantizer(TrellisCode code, TrellisCodebook codebook, IReadOnlyList<IntegerTable>? tables = null, double lambda = 0)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(codebook);
        if (!(lambda >= 0) || !double.IsFinite(lambda)) throw new LtcException($"the Lagrange multiplier λ must be non-negative and finite, got {lambda}");
        if (tables != null && tables.Count != 2) throw new LtcException($"a trellis quantizer needs two tables (A0 and A1), got {tables.Count}");
        if (tables == null && lambda > 0) throw new LtcException("λ > 0 needs code lengths: give the entropy coder's tables");
        Code = code;
        Codebook = codebook;
        _tables = tables?.ToArray();
        Lambda = lambda;
        BuildEnvelopes();

        int s = code.States, half = s / 2, nu = code.Memory, lanes = Math.Max(s, 8);
        _jA = new int[lanes];
        _jB = new int[lanes];
        _pA = new int[lanes];
        _pB = new int[lanes];
        for (int l = 0; l < lanes; l++)
        {
            int sp = l % s, q = sp & (half - 1), w = sp >> (nu - 1);
            _pA[l] = 2 * q;
            _pB[l] = 2 * q + 1;
            _jA[l] = code.Subset(2 * q, code.BranchBit(2 * q, w));
            _jB[l] = code.Subset(2 * q + 1, code.BranchBit(2 * q + 1, w));
        }
    }

    /// <summary>The trellis.</summary>
    public TrellisCode Code { get; }

    /// <summary>The reproduction levels.</summary>
    public TrellisCodebook Codebook { get; }

    /// <summary>The entropy coder's tables (A0, A1), or null for plain TCQ.</summary>
    public IReadOnlyList<IntegerTable>? Tables => _tables;

    /// <summary>The Lagrange multiplier λ of the search cost D + λ·R.</summary>
    public double Lambda { get; }

    /// <summary>
    /// Quantizes one sequence from state 0: writes the union index of every sample to <paramref name="indices"/> and
    /// returns the path's cost Σ (xₜ − yₜ)² + λ·ℓₜ (bits from the tables; 0 without tables), computed in double.
    /// </summary>
    /// <exception cref="LtcException">A sample is NaN, infinite or beyond ±<see cref="TrellisCodebook.MaxInputSteps"/>·Δ.</exception>
    public double Quantize(ReadOnlySpan<double> x, Span<long> indices) => Quantize(x, indices, DefaultWidth, default);

    /// <summary>
    /// Quantizes consecutive sequences of <paramref name="sequenceLength"/> samples (the last may be shorter; 0: one
    /// sequence), each from state 0, on up to <paramref name="threads"/> threads (0: all cores). Returns the summed
    /// cost. The indices do not depend on the thread count.
    /// </summary>
    /// <exception cref="LtcException">Bad samples (see <see cref="Quantize(ReadOnlySpan{double}, Span{long})"/>) or a negative length.</exception>
    public double QuantizeSequences(ReadOnlySpan<double> x, Span<long> indices, int sequenceLength = 0, int threads = 0) =>
        QuantizeSequences(x, indices, sequenceLength, threads, DefaultWidth);

    internal unsafe double QuantizeSequences(ReadOnlySpan<double> x, Span<long> indices, int sequenceLength, int threads, SimdWidth width)
    {
        if (indices.Length != x.Length) throw new ArgumentException($"{x.Length} samples need as many indices, got {indices.Length}", nameof(indices));
        int n = x.Length;
        if (sequenceLength < 0) throw new LtcException($"sequence length must be non-negative, got {sequenceLength}");
        int len = sequenceLength == 0 ? Math.Max(n, 1) : sequenceLength;
        int count = (n + len - 1) / len;
        if (count <= 1 || threads == 1) return QuantizeChunks(x, indices, len, width);
        var costs = new double[count];
        fixed (double* px = x)
        fixed (long* pk = indices)
        {
            nint ax = (nint)px, ak = (nint)pk;
            var opts = new ParallelOptions { MaxDegreeOfParallelism = threads <= 0 ? Environment.ProcessorCount : threads };
            Parallel.For(0, count, opts, c =>
            {
                int start = c * len, m = Math.Min(len, n - start);
                costs[c] = Quantize(new ReadOnlySpan<double>((double*)ax + start, m), new Span<long>((long*)ak + start, m), width, default);
            });
        }
        double sum = 0;
        foreach (var c in costs) sum += c;
        return sum;
    }

    private double QuantizeChunks(ReadOnlySpan<double> x, Span<long> indices, int len, SimdWidth width)
    {
        double sum = 0;
        for (int start = 0; start < x.Length; start += len)
        {
            int m = Math.Min(len, x.Length - start);
            sum += Quantize(x.Slice(start, m), indices.Slice(start, m), width, default);
        }
        return sum;
    }

    /// <summary>The path a trellis search may take: AVX2 vectors when the machine has them, else scalar.</summary>
    internal static SimdWidth DefaultWidth { get; } = SimdPath.Current >= SimdWidth.Avx2 && Avx2.IsSupported ? SimdWidth.Avx2 : SimdWidth.Scalar;

    /// <summary>
    /// The Viterbi search on the given path; <paramref name="states"/>, when not empty (length n + 1), receives the
    /// state sequence of the chosen path.
    /// </summary>
    internal unsafe double Quantize(ReadOnlySpan<double> x, Span<long> indices, SimdWidth width, Span<int> states)
    {
        int n = x.Length;
        if (indices.Length != n) throw new ArgumentException($"{n} samples need as many indices, got {indices.Length}", nameof(indices));
        if (!states.IsEmpty && states.Length != n + 1) throw new ArgumentException("states needs n + 1 entries", nameof(states));
        double limit = TrellisCodebook.MaxInputSteps * Codebook.Step;
        for (int t = 0; t < n; t++)
        {
            double v = x[t];
            if (!(Math.Abs(v) <= limit))
                throw new LtcException(double.IsFinite(v)
                    ? $"sample {t} = {v} is too large for trellis step {Codebook.Step}"
                    : $"sample {t} is {v}; trellis quantization needs finite samples");
        }
        if (n == 0)
        {
            if (!states.IsEmpty) states[0] = 0;
            return 0;
        }
        int s = Code.States, half = s / 2, nu = Code.Memory, words = Math.Max(1, s / 64), lanes = Math.Max(s, 8);
        bool avx = width >= SimdWidth.Avx2 && Avx2.IsSupported;
        var decisions = ArrayPool<ulong>.Shared.Rent(n * words);
        var chosen = ArrayPool<long>.Shared.Rent(4 * n);
        var exact = ArrayPool<double>.Shared.Rent(4 * n);
        double total = 0;
        var costA = new float[lanes];
        var costB = new float[lanes];
        try
        {
            Array.Fill(costA, 1e30f);
            costA[0] = 0;
            Span<float> bm = stackalloc float[8];
            fixed (float* pa0 = costA, pb0 = costB)
            fixed (int* jA = _jA, jB = _jB, pA = _pA, pB = _pB)
            fixed (ulong* dec = decisions)
            fixed (long* ch = chosen)
            fixed (double* ex = exact)
            fixed (double* eT = _eT, eY = _eY, eC = _eC)
            fixed (long* eK = _eK)
            fixed (float* pbm = bm)
            {
                float* cur = pa0, nxt = pb0;
                for (int t = 0; t < n; t++)
                {
                    BranchMetrics(x[t], pbm, ch + 4 * t, ex + 4 * t, eT, eY, eC, eK);
                    ulong* d = dec + (long)t * words;
                    for (int w = 0; w < words; w++) d[w] = 0;
                    if (avx)
                    {
                        if (s >= 16) AcsAvx2(cur, nxt, pbm, d, half, jA, jB);
                        else AcsAvx2Small(cur, nxt, pbm, d, s, jA, jB, pA, pB);
                    }
                    else AcsScalar(cur, nxt, pbm, d, s, half, jA, jB);
                    if ((t & 63) == 63) Renormalize(nxt, s);
                    float* tmp = cur; cur = nxt; nxt = tmp;
                }
                // Trace back from the best final state (the first one on ties).
                int best = 0;
                for (int i = 1; i < s; i++) if (cur[i] < cur[best]) best = i;
                int sp = best;
                if (!states.IsEmpty) states[n] = sp;
                for (int t = n - 1; t >= 0; t--)
                {
                    int bit = (int)((dec[(long)t * words + (sp >> 6)] >> (sp & 63)) & 1);
                    int p = 2 * (sp & (half - 1)) + bit;
                    int w = sp >> (nu - 1);
                    int j = Code.Subset(p, Code.BranchBit(p, w));
                    indices[t] = ch[4 * t + j];
                    total += ex[4 * t + j];
                    sp = p;
                    if (!states.IsEmpty) states[t] = sp;
                }
                if (sp != 0) throw new InvalidOperationException("trellis trace-back did not end in the start state");
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(decisions);
            ArrayPool<long>.Shared.Return(chosen);
            ArrayPool<double>.Shared.Return(exact);
        }
        return total;
    }

    /// <summary>Σ (xₜ − yₜ)² + λ·ℓₜ of the index sequence from state 0 (ℓ = 0 without tables).</summary>
    public double PathCost(ReadOnlySpan<double> x, ReadOnlySpan<long> indices)
    {
        if (indices.Length != x.Length) throw new ArgumentException($"{x.Length} samples need as many indices, got {indices.Length}", nameof(indices));
        double sum = 0;
        int state = 0;
        for (int t = 0; t < x.Length; t++)
        {
            int u = Code.Union(state);
            long k = indices[t];
            double e = x[t] - Codebook.Level(u, k);
            sum += e * e;
            if (_tables != null && Lambda > 0) sum += Lambda * _tables[u].CodeLength(k);
            state = Code.Next(state, (int)(k & 1));
        }
        return sum;
    }

    /// <summary>
    /// The reconstruction of an index sequence: walks the trellis from state 0 (restarting every
    /// <paramref name="sequenceLength"/> samples; 0: one sequence) and writes y_u(k).
    /// </summary>
    public void Reconstruct(ReadOnlySpan<long> indices, Span<double> y, int sequenceLength = 0)
    {
        if (y.Length != indices.Length) throw new ArgumentException($"{indices.Length} indices need as many outputs, got {y.Length}", nameof(y));
        if (sequenceLength < 0) throw new LtcException($"sequence length must be non-negative, got {sequenceLength}");
        int state = 0;
        for (int t = 0; t < indices.Length; t++)
        {
            if (sequenceLength > 0 && t % sequenceLength == 0) state = 0;
            int u = Code.Union(state);
            long k = indices[t];
            y[t] = Codebook.Level(u, k);
            state = Code.Next(state, (int)(k & 1));
        }
    }

    /// <summary>The unions (0 or 1) the trellis walk from state 0 assigns to an index sequence (restarting every
    /// <paramref name="sequenceLength"/> samples; 0: one sequence).</summary>
    public void Unions(ReadOnlySpan<long> indices, Span<byte> unions, int sequenceLength = 0)
    {
        if (unions.Length != indices.Length) throw new ArgumentException("unions needs one entry per index", nameof(unions));
        int state = 0;
        for (int t = 0; t < indices.Length; t++)
        {
            if (sequenceLength > 0 && t % sequenceLength == 0) state = 0;
            unions[t] = (byte)Code.Union(state);
            state = Code.Next(state, (int)(indices[t] & 1));
        }
    }

    /// <summary>Ideal code length in bits of an index sequence under the tables (escapes included).</summary>
    /// <exception cref="LtcException">The quantizer has no tables.</exception>
    public double CodeLength(ReadOnlySpan<long> indices, int sequenceLength = 0)
    {
        var tables = _tables ?? throw new LtcException("plain TCQ has no code lengths: give the entropy coder's tables");
        var u = new byte[indices.Length];
        Unions(indices, u, sequenceLength);
        double bits = 0;
        for (int t = 0; t < indices.Length; t++) bits += tables[u[t]].CodeLength(indices[t]);
        return bits;
    }

    /// <summary>
    /// Codes an index sequence with rANS into one block: index t under the table of the union its state allows
    /// (sequences of <paramref name="sequenceLength"/> samples each restart in state 0; 0: one sequence).
    /// </summary>
    /// <exception cref="LtcException">The quantizer has no tables.</exception>
    public byte[] Encode(ReadOnlySpan<long> indices, int sequenceLength = 0)
    {
        var tables = _tables ?? throw new LtcException("plain TCQ has no code lengths: give the entropy coder's tables");
        var u = new byte[indices.Length];
        Unions(indices, u, sequenceLength);
        var enc = new RansEncoder();
        for (int t = 0; t < indices.Length; t++) enc.EncodeInteger(indices[t], tables[u[t]]);
        return enc.Finish();
    }

    /// <summary>Decodes a block written by <see cref="Encode"/> into <paramref name="indices"/> (its length is the sample count).</summary>
    /// <exception cref="LtcFormatException">The block is corrupt, truncated, or holds a different number of indices.</exception>
    /// <exception cref="LtcException">The quantizer has no tables.</exception>
    public void Decode(ReadOnlyMemory<byte> block, Span<long> indices, int sequenceLength = 0, string name = "trellis block")
    {
        var tables = _tables ?? throw new LtcException("plain TCQ has no code lengths: give the entropy coder's tables");
        if (sequenceLength < 0) throw new LtcException($"sequence length must be non-negative, got {sequenceLength}");
        var dec = new RansDecoder(block, name);
        int state = 0;
        for (int t = 0; t < indices.Length; t++)
        {
            if (sequenceLength > 0 && t % sequenceLength == 0) state = 0;
            long k = dec.DecodeInteger(tables[Code.Union(state)]);
            if (Math.Abs((double)k) > TrellisCodebook.MaxInputSteps) throw new LtcFormatException($"{name}: decoded index out of range (data is corrupt)");
            indices[t] = k;
            state = Code.Next(state, (int)(k & 1));
        }
        dec.Finish();
    }

    // ---- branch metrics -------------------------------------------------------------------------------------------

    // The lower envelopes of the four subsets' codewords, flattened: envelope j has cells Off[j] .. Off[j] + M[j] − 1;
    // cell i covers (T[i − 1], T[i]] (the last T of an envelope is +∞) with level Y[i], rate cost C[i], index K[i].
    private double[] _eT = [], _eY = [], _eC = [];
    private long[] _eK = [];
    private readonly int[] _eOff = new int[4], _eM = new int[4];
    private readonly double[] _eOrigin = new double[4], _eInvWidth = new double[4];
    private readonly long[] _escLow = new long[4], _escHigh = new long[4];

    private void BuildEnvelopes()
    {
        var all = new List<(double T, double Y, double C, long K)>();
        for (int j = 0; j < 4; j++)
        {
            var env = BuildEnvelope(j & 1, j >> 1, out _escLow[j], out _escHigh[j]);
            _eOff[j] = all.Count;
            _eM[j] = env.Count;
            for (int i = 0; i < env.Count; i++)
                all.Add((i + 1 < env.Count ? Cross(env[i], env[i + 1]) : double.PositiveInfinity, env[i].Y, env[i].C, env[i].K));
            int m = env.Count;
            if (m >= 3)
            {
                double t0 = all[_eOff[j]].T, tl = all[_eOff[j] + m - 2].T;
                _eOrigin[j] = t0;
                _eInvWidth[j] = tl > t0 ? (m - 2) / (tl - t0) : 0;
            }
        }
        _eT = all.Select(a => a.T).ToArray();
        _eY = all.Select(a => a.Y).ToArray();
        _eC = all.Select(a => a.C).ToArray();
        _eK = all.Select(a => a.K).ToArray();
    }

    // Where the line of b starts to undercut the line of a (a.Y < b.Y): (c_b − c_a + y_b² − y_a²) / (2(y_b − y_a)).
    private static double Cross((double Y, double C, long K) a, (double Y, double C, long K) b) =>
        (b.C - a.C + (b.Y - a.Y) * (b.Y + a.Y)) / (2 * (b.Y - a.Y));

    private List<(double Y, double C, long K)> BuildEnvelope(int u, int b, out long escLow, out long escHigh)
    {
        var cb = Codebook;
        long lo = cb.Lowest(u), hi = cb.Highest(u);
        var cand = new List<(double Y, double C, long K)>();
        for (long k = lo; k <= hi; k++)
        {
            if ((k & 1) != b) continue;
            cand.Add((cb.Level(u, k), RateCost(u, k), k));
        }
        escLow = ((lo - 1) & 1) == b ? lo - 1 : lo - 2;
        escHigh = ((hi + 1) & 1) == b ? hi + 1 : hi + 2;
        if (cand.Count == 0) cand.Add((cb.Level(u, escHigh), RateCost(u, escHigh), escHigh));
        // Cost as a function of x, dropping x²: −2y·x + (y² + c); sorted by y the slopes decrease, and the minimum
        // over the lines is their lower envelope.
        cand.Sort((p, q) => p.Y != q.Y ? p.Y.CompareTo(q.Y) : p.C != q.C ? p.C.CompareTo(q.C) : p.K.CompareTo(q.K));
        var st = new List<(double Y, double C, long K)>();
        foreach (var c in cand)
        {
            if (st.Count > 0 && st[^1].Y == c.Y) continue; // same level, the cheaper one is already kept
            while (st.Count >= 2 && Cross(st[^1], c) <= Cross(st[^2], st[^1])) st.RemoveAt(st.Count - 1);
            st.Add(c);
        }
        return st;
    }

    private double RateCost(int u, long k) => _tables != null && Lambda > 0 ? Lambda * _tables[u].CodeLength(k) : 0;

    /// <summary>The four branch metrics of sample x by subset j: as floats for the search, in double for the path
    /// cost, and each subset's best index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe void BranchMetrics(double x, float* bm, long* chosen, double* exact, double* eT, double* eY, double* eC, long* eK)
    {
        for (int j = 0; j < 4; j++)
        {
            int off = _eOff[j], m = _eM[j], i;
            double* tt = eT + off;
            if (m == 1) i = 0;
            else
            {
                double g = (x - _eOrigin[j]) * _eInvWidth[j] + 1;
                i = g <= 0 ? 0 : g >= m - 1 ? m - 1 : (int)g;
                while (i > 0 && x <= tt[i - 1]) i--;
                while (x > tt[i]) i++; // tt[m − 1] = +∞ stops it
            }
            double y = eY[off + i], d = x - y;
            double cost = d * d + eC[off + i];
            long k = eK[off + i];
            if (x > eY[off + m - 1] || x < eY[off])
            {
                // Beyond the table: the nearest escaped codeword of this subset may be cheaper.
                int u = j & 1, b = j >> 1;
                double step = Codebook.Step;
                long kk = 2 * (long)Math.Round((x / step - u - 2 * b) / 4) + b;
                kk = x > eY[off + m - 1] ? Math.Max(kk, _escHigh[j]) : Math.Min(kk, _escLow[j]);
                double de = x - step * (2.0 * kk + u);
                double ce = de * de + RateCost(u, kk);
                if (ce < cost) { cost = ce; k = kk; }
            }
            bm[j] = (float)cost;
            exact[j] = cost;
            chosen[j] = k;
        }
    }

    // ---- add–compare–select ---------------------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AcsScalar(float* cur, float* nxt, float* bm, ulong* dec, int s, int half, int* jA, int* jB)
    {
        for (int sp = 0; sp < s; sp++)
        {
            int q = sp & (half - 1);
            float c0 = cur[2 * q] + bm[jA[sp]];
            float c1 = cur[2 * q + 1] + bm[jB[sp]];
            bool take1 = c1 < c0;
            nxt[sp] = take1 ? c1 : c0;
            if (take1) dec[sp >> 6] |= 1UL << (sp & 63);
        }
    }

    // 16 states or more: 8 next states per vector; their predecessors 2q, 2q + 1 are de-interleaved from two loads.
    private static unsafe void AcsAvx2(float* cur, float* nxt, float* bm, ulong* dec, int half, int* jA, int* jB)
    {
        var bmv = Vector256.Create(bm[0], bm[1], bm[2], bm[3], bm[0], bm[1], bm[2], bm[3]);
        for (int q = 0; q < half; q += 8)
        {
            var a = Avx.LoadVector256(cur + 2 * q);
            var b = Avx.LoadVector256(cur + 2 * q + 8);
            // [a0 a2 b0 b2 | a4 a6 b4 b6] → 64-bit lanes (0, 2, 1, 3) → [a0 a2 a4 a6 b0 b2 b4 b6].
            var even = Avx2.Permute4x64(Avx.Shuffle(a, b, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
            var odd = Avx2.Permute4x64(Avx.Shuffle(a, b, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
            for (int w = 0; w < 2; w++)
            {
                int sp = q + w * half;
                var c0 = Avx.Add(even, Avx2.PermuteVar8x32(bmv, Avx.LoadVector256(jA + sp)));
                var c1 = Avx.Add(odd, Avx2.PermuteVar8x32(bmv, Avx.LoadVector256(jB + sp)));
                var take1 = Avx.CompareLessThan(c1, c0);
                Avx.Store(nxt + sp, Avx.BlendVariable(c0, c1, take1));
                dec[sp >> 6] |= (ulong)(uint)Avx.MoveMask(take1) << (sp & 63);
            }
        }
    }

    // 4 or 8 states: all next states in one vector (lanes l and l + 4 repeat for 4 states).
    private static unsafe void AcsAvx2Small(float* cur, float* nxt, float* bm, ulong* dec, int s, int* jA, int* jB, int* pA, int* pB)
    {
        var bmv = Vector256.Create(bm[0], bm[1], bm[2], bm[3], bm[0], bm[1], bm[2], bm[3]);
        var cv = Avx.LoadVector256(cur);
        var c0 = Avx.Add(Avx2.PermuteVar8x32(cv, Avx.LoadVector256(pA)), Avx2.PermuteVar8x32(bmv, Avx.LoadVector256(jA)));
        var c1 = Avx.Add(Avx2.PermuteVar8x32(cv, Avx.LoadVector256(pB)), Avx2.PermuteVar8x32(bmv, Avx.LoadVector256(jB)));
        var take1 = Avx.CompareLessThan(c1, c0);
        Avx.Store(nxt, Avx.BlendVariable(c0, c1, take1));
        dec[0] |= (ulong)((uint)Avx.MoveMask(take1) & ((1u << s) - 1));
    }

    private static unsafe void Renormalize(float* c, int s)
    {
        float min = c[0];
        for (int i = 1; i < s; i++) if (c[i] < min) min = c[i];
        for (int i = 0; i < s; i++) c[i] -= min;
    }
}
