using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ltc.Simd;

namespace Ltc.Lattices;

/// <summary>
/// The Leech lattice Λ24 in integer MOG coordinates (coordinate index = row·6 + column of the 4 × 6 MOG array),
/// minimal norm 32, 196560 minimal vectors, cell volume 8¹² (det 1 after scaling by 1/√8).
/// </summary>
/// <remarks>
/// Λ24 = H ∪ (H + a) with a = (−3, 1²³) and the half-Leech lattice H = 2(C24 + 2D24), C24 the Golay code. Each
/// of the 2 · 128 pairs (coset, hexacode word, column parity) stands for 32 Golay codewords; the cost of the best of
/// them with both parity constraints (top row of the MOG, and D24) dropped is a lower bound, and all 256 bounds come
/// from column tables and the hexacode's F4-linear structure. Pairs are then evaluated exactly (a 4-state parity
/// trellis over the 6 columns), best bound first, until no remaining bound beats the best exact cost: maximum
/// likelihood, not bounded distance.
/// </remarks>
public sealed class LeechLattice : Lattice
{
    private static readonly double[] Basis = BuildGenerator();

    /// <summary>Creates Λ24 (integer MOG coordinates, minimal norm 32).</summary>
    public LeechLattice() : base("Leech", (double[])Basis.Clone(), 24) { }

    /// <inheritdoc/>
    public override double? PublishedNsm => 0.065754;

    /// <inheritdoc/>
    public override double? SupersededNsm => 0.0657710;

    /// <inheritdoc/>
    public override double MinimumNorm => 32;

    /// <inheritdoc/>
    public override bool IsMinimumNormKnown => true;

    /// <inheritdoc/>
    public override string Decoder => "half-Leech cosets, hexacode lower bounds + exact parity trellis";

    /// <inheritdoc/>
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y) => KernelClosestPoint<Kernel>(x, y);

    /// <inheritdoc/>
    internal override unsafe void ClosestPointsCore(double* xs, double* ys, int count, SimdWidth width) =>
        KernelClosestPoints<Kernel>(xs, ys, count, width);

    private readonly struct Kernel : IPointKernel
    {
        public static unsafe void Decode<T>(double* x, double* y) where T : unmanaged, IVec8<T> => LeechLattice.Decode<T>(x, y);
    }

    // Column offsets of the hexacode word (a, b, c, ·, ·, ·) in columns 3, 4, 5 at index a·4 + b: φ(x) − c, packed as
    // 2-bit fields (= BuildOffsets(), checked by a test). Constant data in the image: its address is a JIT-time constant.
    internal static ReadOnlySpan<byte> Offsets =>
    [
        0, 57, 30, 39, 45, 20, 51, 10, 54, 15, 40, 17, 27, 34, 5, 60,
    ];

    // GolayCode.Pattern (checked by a test): the column pattern of (score s, parity p, top bit t) at (p·4 + s)·2 + t.
    internal static ReadOnlySpan<byte> ColumnPatterns =>
    [
        0, 15, 12, 3, 10, 5, 6, 9, 14, 1, 2, 13, 4, 11, 8, 7,
    ];

    // For each candidate's low bits (a·4 + b)·8 + p·4 + c: the 6 column patterns with top bit 0
    // (= BuildPatternIndex(), checked by a test).
    internal static ReadOnlySpan<byte> PatternIndex =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 12, 12, 12, 12, 0, 0, 10, 10, 10, 10, 0, 0, 6, 6, 6, 6,
        14, 14, 14, 14, 14, 14, 14, 14, 2, 2, 2, 2, 14, 14, 4, 4, 4, 4, 14, 14, 8, 8, 8, 8,
        0, 12, 0, 12, 10, 6, 0, 12, 12, 0, 6, 10, 0, 12, 10, 6, 0, 12, 0, 12, 6, 10, 12, 0,
        14, 2, 14, 2, 4, 8, 14, 2, 2, 14, 8, 4, 14, 2, 4, 8, 14, 2, 14, 2, 8, 4, 2, 14,
        0, 10, 0, 10, 6, 12, 0, 10, 12, 6, 10, 0, 0, 10, 10, 0, 12, 6, 0, 10, 6, 12, 0, 10,
        14, 4, 14, 4, 8, 2, 14, 4, 2, 8, 4, 14, 14, 4, 4, 14, 2, 8, 14, 4, 8, 2, 14, 4,
        0, 6, 0, 6, 12, 10, 0, 6, 12, 10, 0, 6, 0, 6, 10, 12, 6, 0, 0, 6, 6, 0, 10, 12,
        14, 8, 14, 8, 2, 4, 14, 8, 2, 4, 14, 8, 14, 8, 4, 2, 8, 14, 14, 8, 8, 14, 4, 2,
        12, 0, 0, 12, 6, 10, 12, 0, 12, 0, 10, 6, 12, 0, 10, 6, 12, 0, 12, 0, 6, 10, 0, 12,
        2, 14, 14, 2, 8, 4, 2, 14, 2, 14, 4, 8, 2, 14, 4, 8, 2, 14, 2, 14, 8, 4, 14, 2,
        12, 12, 0, 0, 12, 12, 12, 12, 12, 12, 0, 0, 12, 12, 10, 10, 6, 6, 12, 12, 6, 6, 10, 10,
        2, 2, 14, 14, 2, 2, 2, 2, 2, 2, 14, 14, 2, 2, 4, 4, 8, 8, 2, 2, 8, 8, 4, 4,
        12, 10, 0, 6, 0, 6, 12, 10, 12, 10, 12, 10, 12, 10, 10, 12, 10, 12, 12, 10, 6, 0, 6, 0,
        2, 4, 14, 8, 14, 8, 2, 4, 2, 4, 2, 4, 2, 4, 4, 2, 4, 2, 2, 4, 8, 14, 8, 14,
        12, 6, 0, 10, 10, 0, 12, 6, 12, 6, 6, 12, 12, 6, 10, 0, 0, 10, 12, 6, 6, 12, 12, 6,
        2, 8, 14, 4, 4, 14, 2, 8, 2, 8, 8, 2, 2, 8, 4, 14, 14, 4, 2, 8, 8, 2, 2, 8,
        10, 0, 0, 10, 12, 6, 10, 0, 12, 6, 0, 10, 10, 0, 10, 0, 6, 12, 10, 0, 6, 12, 10, 0,
        4, 14, 14, 4, 2, 8, 4, 14, 2, 8, 14, 4, 4, 14, 4, 14, 8, 2, 4, 14, 8, 2, 4, 14,
        10, 12, 0, 6, 6, 0, 10, 12, 12, 10, 10, 12, 10, 12, 10, 12, 12, 10, 10, 12, 6, 0, 0, 6,
        4, 2, 14, 8, 8, 14, 4, 2, 2, 4, 4, 2, 4, 2, 4, 2, 2, 4, 4, 2, 8, 14, 14, 8,
        10, 10, 0, 0, 10, 10, 10, 10, 12, 12, 6, 6, 10, 10, 10, 10, 0, 0, 10, 10, 6, 6, 12, 12,
        4, 4, 14, 14, 4, 4, 4, 4, 2, 2, 8, 8, 4, 4, 4, 4, 14, 14, 4, 4, 8, 8, 2, 2,
        10, 6, 0, 12, 0, 12, 10, 6, 12, 0, 12, 0, 10, 6, 10, 6, 10, 6, 10, 6, 6, 10, 6, 10,
        4, 8, 14, 2, 14, 2, 4, 8, 2, 14, 2, 14, 4, 8, 4, 8, 4, 8, 4, 8, 8, 4, 8, 4,
        6, 0, 0, 6, 10, 12, 6, 0, 12, 10, 6, 0, 6, 0, 10, 12, 0, 6, 6, 0, 6, 0, 12, 10,
        8, 14, 14, 8, 4, 2, 8, 14, 2, 4, 8, 14, 8, 14, 4, 2, 14, 8, 8, 14, 8, 14, 2, 4,
        6, 12, 0, 10, 0, 10, 6, 12, 12, 6, 12, 6, 6, 12, 10, 0, 10, 0, 6, 12, 6, 12, 6, 12,
        8, 2, 14, 4, 14, 4, 8, 2, 2, 8, 2, 8, 8, 2, 4, 14, 4, 14, 8, 2, 8, 2, 8, 2,
        6, 10, 0, 12, 12, 0, 6, 10, 12, 0, 0, 12, 6, 10, 10, 6, 6, 10, 6, 10, 6, 10, 10, 6,
        8, 4, 14, 2, 2, 14, 8, 4, 2, 14, 14, 2, 8, 4, 4, 8, 8, 4, 8, 4, 8, 4, 4, 8,
        6, 6, 0, 0, 6, 6, 6, 6, 12, 12, 10, 10, 6, 6, 10, 10, 12, 12, 6, 6, 6, 6, 0, 0,
        8, 8, 14, 14, 8, 8, 8, 8, 2, 2, 4, 4, 8, 8, 4, 4, 2, 2, 8, 8, 8, 8, 14, 14,
    ];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe byte* Ptr(ReadOnlySpan<byte> data) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(data));

    /// <summary>Per-point working memory (a stack local: no allocation, no stackalloc, so the kernel tiers normally).</summary>
    private unsafe struct Scratch
    {
        // Per coset k (stride 128), over the 16 column patterns (lanes = MOG columns, 6 of 8 used): pattern sums
        // D[v][col], and the trellis' column costs C0 = D + P − P·(−1)^G, C1 = D + P + P·(−1)^G with P the halved
        // cheapest flip (C0: the column's D-parity as the even choices give it, C1: flipped).
        public fixed double D[256];
        public fixed double C0[256];
        public fixed double C1[256];
        // Per coset and row (stride 32): nearest even e, sign s, |t − e|.
        public fixed double E[64];
        public fixed double Sign[64];
        public fixed double U[64];
        // The 256 lower bounds (coset · 128 + (a·4 + b)·8 + p·4 + c).
        public fixed double L[256];
        // Per coset: the per-row vectors d0, d1, q0, q1, z of the 4 rows (between stages).
        public fixed double Rows[2 * 4 * 5 * 8];
        // Min table m[p·4 + s][col], its columns, and the 16 permuted column vectors of the bound stage.
        public fixed double M[64];
        public fixed double Cols[48];
        public fixed double X[128];
        // Per coset: D-parities of the even choices and the coordinates whose two choices differ in D-parity, as
        // 24-bit words (bit row·6 + column); then the candidates (a 256-bit mask) and the trellis' column choices.
        public fixed int Info[4];
        public fixed ulong CandMask[4];
        public fixed byte Choice[8];
        // The trellis' state costs after each column, for two candidates: the best so far and the one being evaluated.
        public fixed double States[2 * 24];
    }

    /// <summary>The decoder at vector width T (every width computes the same operations, so the same point).</summary>
    [SkipLocalsInit]
    internal static unsafe void Decode<T>(double* px, double* py) where T : unmanaged, IVec8<T>
    {
        Scratch scratch;
        Scratch* w = &scratch;
        // The vector stages are separate methods: each is small enough for the JIT to inline all of its vector
        // operations (one method for everything exceeds the inliner's budget and leaves calls behind).
        Rows<T>(px, 0, w);
        Rows<T>(px, 1, w);
        Patterns<T>(0, w);
        Patterns<T>(1, w);
        Costs<T>(0, w);
        Costs<T>(1, w);
        double lmin = Vec8.Min(Bounds<T>(0, w), Bounds<T>(1, w));

        double* lb = w->L;
        var lv = T.Splat(lmin);
        int bestIdx = 0;
        for (int i = 0; i < 32; i++)
        {
            uint eq = T.Equal(T.Load(lb + i * 8), lv);
            if (eq != 0)
            {
                bestIdx = i * 8 + BitOperations.TrailingZeroCount(eq);
                break;
            }
        }
        double* c0 = w->C0, c1 = w->C1;
        byte* pidx = Ptr(PatternIndex);
        // The trellis records its states; the winner's are traced back (slot `kept`), the next candidate's go to the other.
        double* states = w->States;
        int kept = 0;
        double best = Exact(bestIdx, c0, c1, pidx, states);
        if (best > lmin)
        {
            // The candidates whose bound beats the first exact cost, as a 256-bit mask built without branches, are
            // evaluated best bound first (ties: lowest index) so that the threshold drops as early as possible.
            var bv = T.Splat(best);
            ulong* cm = w->CandMask;
            for (int q = 0; q < 4; q++)
            {
                ulong m = 0;
                for (int i = 0; i < 8; i++) m |= (ulong)T.Less(T.Load(lb + (q * 8 + i) * 8), bv) << (8 * i);
                cm[q] = m;
            }
            cm[bestIdx >> 6] &= ~(1UL << bestIdx);
            while (true)
            {
                double lo = double.PositiveInfinity;
                int at = 0;
                for (int q = 0; q < 4; q++)
                    for (ulong m = cm[q]; m != 0; m &= m - 1)
                    {
                        int i = q * 64 + BitOperations.TrailingZeroCount(m);
                        double v = lb[i];
                        at = v < lo ? i : at;
                        lo = Vec8.Min(v, lo);
                    }
                if (!(lo < best)) break;
                cm[at >> 6] &= ~(1UL << at);
                double c = Exact(at, c0, c1, pidx, states + 24 * (kept ^ 1));
                if (c < best)
                {
                    best = c;
                    bestIdx = at;
                    kept ^= 1;
                }
            }
        }

        Trace(bestIdx, c0, c1, pidx, w->Choice, states + 24 * kept);
        Reconstruct<T>(py, bestIdx, w);
    }

    /// <summary>Stage 1 of coset k (0: H, 1: H + a = (−3, 1²³)): the per-row quantities of the 4 MOG rows.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void Rows<T>(double* px, int k, Scratch* w) where T : unmanaged, IVec8<T>
    {
        var half = T.Splat(0.5);
        // Decode x − k·a, halved. Row r of the MOG is x[6r .. 6r + 6) in lanes 0–5; lanes 6, 7 hold other (finite)
        // values that never reach a result.
        var sh0 = k == 0 ? T.Splat(0) : T.FirstAndRest(-1.5, 0.5);
        var sh = k == 0 ? T.Splat(0) : T.Splat(0.5);
        double* rows = w->Rows + k * 160, e = w->E + k * 32, s = w->Sign + k * 32, u = w->U + k * 32;
        int g0a = Prep(T.Load(px) * half - sh0, rows, e, s, u, out int gxa);
        int g0b = Prep(T.Load(px + 6) * half - sh, rows + 40, e + 8, s + 8, u + 8, out int gxb);
        int g0c = Prep(T.Load(px + 12) * half - sh, rows + 80, e + 16, s + 16, u + 16, out int gxc);
        int g0d = Prep(T.Load6(px + 18) * half - sh, rows + 120, e + 24, s + 24, u + 24, out int gxd);
        w->Info[2 * k] = g0a | (g0b << 6) | (g0c << 12) | (g0d << 18);
        w->Info[2 * k + 1] = gxa | (gxb << 6) | (gxc << 12) | (gxd << 18);
    }

    /// <summary>
    /// Per-row quantities of t: costs d0, d1 of the nearest even/odd integers, their halved flip penalties q0, q1 and
    /// the signs z = (−1)^(D-parities differ) (stored at <paramref name="r"/>, 5 vectors); e, s, u; returns the
    /// D-parities of the even choices (6 bits) and those that differ (<paramref name="gx"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int Prep<T>(T t, double* r, double* e, double* s, double* u, out int gx) where T : unmanaged, IVec8<T>
    {
        var one = T.Splat(1);
        var two = T.Splat(2);
        var hr = T.Round(t * T.Splat(0.5));
        var ev = hr * two;
        var rr = t - ev;
        var uv = T.Abs(rr);
        var sv = T.SignOf(rr);
        var w = one - uv;
        T.Store(uv * uv, r);
        T.Store(w * w, r + 8);
        // Moving to the other even (odd) neighbour costs (2 − u)² − u² = 4 − 4u (resp. 4u); kept halved.
        var q1 = two * uv;
        T.Store(two - q1, r + 16);
        T.Store(q1, r + 24);
        T.Store(ev, e);
        T.Store(sv, s);
        T.Store(uv, u);
        // D-parities: of ev/2 (the even choice) and of ⌊(ev + s)/2⌋ (the odd one).
        int g0 = (int)Vec8.OddBits(hr) & 63;
        gx = g0 ^ ((int)Vec8.OddBits(T.Floor((ev + sv) * T.Splat(0.5))) & 63);
        T.Store(Vec8.Signs<T>((uint)gx), r + 32);
        return g0;
    }

    /// <summary>Stage 2a of coset k: the 16-pattern column tables D and P (the cheapest flip, kept in C1 until stage 2b).</summary>
    /// <remarks>
    /// Pattern v = lo + 4·hi (lo: rows 0–1, hi: rows 2–3). Three passes, each keeping only the four lo-vectors live
    /// and reading the rest from the row table (16 vector registers on AVX2: one pass over everything would spill).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void Patterns<T>(int k, Scratch* w) where T : unmanaged, IVec8<T>
    {
        // Row j's vectors at r + 40j: d0 (cost of the even choice), d1 (odd), q0, q1 (halved flip penalties), z.
        double* r = w->Rows + k * 160;
        double* dk = w->D + k * 128, c0k = w->C0 + k * 128, c1k = w->C1 + k * 128;
        // D[v] = A[lo] + C[hi], A[lo] = d(lo&1) of row 0 + d(lo>>1) of row 1, C[hi] likewise from rows 2, 3.
        {
            T a0 = T.Load(r) + T.Load(r + 40), a1 = T.Load(r + 8) + T.Load(r + 40);
            T a2 = T.Load(r) + T.Load(r + 48), a3 = T.Load(r + 8) + T.Load(r + 48);
            Sum4(dk, a0, a1, a2, a3, T.Load(r + 80) + T.Load(r + 120));
            Sum4(dk + 32, a0, a1, a2, a3, T.Load(r + 88) + T.Load(r + 120));
            Sum4(dk + 64, a0, a1, a2, a3, T.Load(r + 80) + T.Load(r + 128));
            Sum4(dk + 96, a0, a1, a2, a3, T.Load(r + 88) + T.Load(r + 128));
        }
        // P[v] = min(E[lo], F[hi]): the cheapest flip in the column, E from rows 0–1, F from rows 2–3 (into C1 for now).
        {
            T e0 = T.Min(T.Load(r + 16), T.Load(r + 56)), e1 = T.Min(T.Load(r + 24), T.Load(r + 56));
            T e2 = T.Min(T.Load(r + 16), T.Load(r + 64)), e3 = T.Min(T.Load(r + 24), T.Load(r + 64));
            Min4(c1k, e0, e1, e2, e3, T.Min(T.Load(r + 96), T.Load(r + 136)));
            Min4(c1k + 32, e0, e1, e2, e3, T.Min(T.Load(r + 104), T.Load(r + 136)));
            Min4(c1k + 64, e0, e1, e2, e3, T.Min(T.Load(r + 96), T.Load(r + 144)));
            Min4(c1k + 96, e0, e1, e2, e3, T.Min(T.Load(r + 104), T.Load(r + 144)));
        }
    }

    /// <summary>
    /// Stage 2b of coset k: S[v] = P[v]·(−1)^G(v), G(v) = parity of the even choices, flipped by each odd row whose two
    /// choices differ (z = −1 there; the lo rows' signs s, the hi rows' sh); then C0 = (D + P) − S, C1 = (D + P) + S.
    /// A stage of its own: with 2a in one method the JIT's inlining budget runs out and leaves calls behind.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void Costs<T>(int k, Scratch* w) where T : unmanaged, IVec8<T>
    {
        double* r = w->Rows + k * 160;
        double* dk = w->D + k * 128, c0k = w->C0 + k * 128, c1k = w->C1 + k * 128;
        {
            int g0 = w->Info[2 * k];
            var sp = Vec8.Signs<T>((uint)((g0 ^ (g0 >> 6) ^ (g0 >> 12) ^ (g0 >> 18)) & 63));
            T z0 = T.Load(r + 32), z1 = T.Load(r + 72);
            T s0 = sp, s1 = sp * z0, s2 = sp * z1, s3 = s1 * z1;
            T z2 = T.Load(r + 112), z3 = T.Load(r + 152);
            Costs4(dk, c0k, c1k, s0, s1, s2, s3, T.Splat(1));
            Costs4(dk + 32, c0k + 32, c1k + 32, s0, s1, s2, s3, z2);
            Costs4(dk + 64, c0k + 64, c1k + 64, s0, s1, s2, s3, z3);
            Costs4(dk + 96, c0k + 96, c1k + 96, s0, s1, s2, s3, z2 * z3);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Sum4<T>(double* d, T a0, T a1, T a2, T a3, T c) where T : unmanaged, IVec8<T>
    {
        T.Store(a0 + c, d);
        T.Store(a1 + c, d + 8);
        T.Store(a2 + c, d + 16);
        T.Store(a3 + c, d + 24);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Min4<T>(double* p, T e0, T e1, T e2, T e3, T f) where T : unmanaged, IVec8<T>
    {
        T.Store(T.Min(e0, f), p);
        T.Store(T.Min(e1, f), p + 8);
        T.Store(T.Min(e2, f), p + 16);
        T.Store(T.Min(e3, f), p + 24);
    }

    /// <summary>C0 = (D + P) − P·s·sh, C1 = (D + P) + P·s·sh for four patterns (P read from, and C1 written to, c1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Costs4<T>(double* d, double* c0, double* c1, T s0, T s1, T s2, T s3, T sh) where T : unmanaged, IVec8<T>
    {
        Cost(d, c0, c1, s0, sh);
        Cost(d + 8, c0 + 8, c1 + 8, s1, sh);
        Cost(d + 16, c0 + 16, c1 + 16, s2, sh);
        Cost(d + 24, c0 + 24, c1 + 24, s3, sh);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Cost<T>(double* d, double* c0, double* c1, T s, T sh) where T : unmanaged, IVec8<T>
    {
        var p = T.Load(c1);
        var t = T.Load(d) + p;
        var x = p * s * sh;
        T.Store(t - x, c0);
        T.Store(t + x, c1);
    }

    /// <summary>
    /// Stage 3 of coset k: the 128 hexacode lower bounds into its slice of L; returns their minimum.
    /// Bound of (a, b, p, c) in lane p·4 + c: m0[p, a] + m1[p, b] + m2[p, c] + Σ_{j=3..5} m_j[p, o_j(a, b) ⊕ c].
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe double Bounds<T>(int k, Scratch* w) where T : unmanaged, IVec8<T>
    {
        double* dk = w->D + k * 128, mt = w->M, cols = w->Cols, xv = w->X, lk = w->L + k * 128;
        // m[p·4 + s][col] = min over the two patterns of (s, p), then one vector per column (m_j at cols + 8j).
        byte* pat = Ptr(ColumnPatterns);
        for (int ps = 0; ps < 8; ps++)
            T.Store(T.Min(T.Load(dk + pat[ps * 2] * 8), T.Load(dk + pat[ps * 2 + 1] * 8)), mt + ps * 8);
        T.Transpose6(mt, cols);
        XorTable(T.Load(cols + 24), xv);
        XorTable(T.Load(cols + 32), xv + 32);
        XorTable(T.Load(cols + 40), xv + 64);
        var m1 = T.Load(cols + 8);
        T.Store(T.Broadcast(m1, 0), xv + 96);
        T.Store(T.Broadcast(m1, 1), xv + 104);
        T.Store(T.Broadcast(m1, 2), xv + 112);
        T.Store(T.Broadcast(m1, 3), xv + 120);
        byte* off = Ptr(Offsets);
        var m0 = T.Load(cols);
        var m2 = T.Load(cols + 16);
        var runMin = BoundsOfA(T.Broadcast(m0, 0) + m2, xv, off, lk, T.Splat(double.PositiveInfinity));
        runMin = BoundsOfA(T.Broadcast(m0, 1) + m2, xv, off + 4, lk + 32, runMin);
        runMin = BoundsOfA(T.Broadcast(m0, 2) + m2, xv, off + 8, lk + 64, runMin);
        runMin = BoundsOfA(T.Broadcast(m0, 3) + m2, xv, off + 12, lk + 96, runMin);
        return T.MinAcross(runMin);
    }

    /// <summary>m with its symbol lanes XORed by 0..3 (lane p·4 + c ← m[p·4 + (c ⊕ q)]) at x + 8q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void XorTable<T>(T m, double* x) where T : unmanaged, IVec8<T>
    {
        T.Store(m, x);
        T.Store(T.Xor(m, 1), x + 8);
        T.Store(T.Xor(m, 2), x + 16);
        T.Store(T.Xor(m, 3), x + 24);
    }

    /// <summary>The bounds of the four b for one a (ba = m0[·, a] + m2); returns the running minimum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe T BoundsOfA<T>(T ba, double* xv, byte* off, double* l, T runMin) where T : unmanaged, IVec8<T>
    {
        for (int b = 0; b < 4; b++)
        {
            int o = off[b];
            var v = ba + T.Load(xv + 96 + b * 8) + T.Load(xv + (o & 3) * 8) + T.Load(xv + 32 + ((o >> 2) & 3) * 8) + T.Load(xv + 64 + (o >> 4) * 8);
            T.Store(v, l + b * 8);
            runMin = T.Min(runMin, v);
        }
        return runMin;
    }

    /// <summary>
    /// Exact cost of the best point of candidate <paramref name="idx"/> (coset · 128 + (a·4 + b)·8 + p·4 + c) under
    /// both parity constraints: a 4-state trellis over the columns on (Σt mod 2, ΣQ mod 2). The state costs after each
    /// column go to <paramref name="rec"/> (24 values) for <see cref="Trace"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe double Exact(int idx, double* c0, double* c1, byte* pidx, double* rec)
    {
        int kb = (idx >> 7) * 128;
        byte* pv = pidx + (idx & 127) * 6;
        double s00 = 0, s01 = Inf, s10 = Inf, s11 = Inf;
        for (int j = 0; j < 6; j++)
        {
            int o0 = kb + pv[j] * 8 + j, o1 = o0 ^ (15 * 8);
            // c(t, Q): pattern t (or its complement) with column D-parity Q.
            double c00 = c0[o0], c01 = c1[o0], c10 = c0[o1], c11 = c1[o1];
            double n00 = Min2(Min2(s00 + c00, s01 + c01), Min2(s10 + c10, s11 + c11));
            double n01 = Min2(Min2(s00 + c01, s01 + c00), Min2(s10 + c11, s11 + c10));
            double n10 = Min2(Min2(s00 + c10, s01 + c11), Min2(s10 + c00, s11 + c01));
            double n11 = Min2(Min2(s00 + c11, s01 + c10), Min2(s10 + c01, s11 + c00));
            s00 = n00; s01 = n01; s10 = n10; s11 = n11;
            rec[j * 4] = s00; rec[j * 4 + 1] = s01; rec[j * 4 + 2] = s10; rec[j * 4 + 3] = s11;
        }
        return (idx & 4) == 0 ? s00 : s10;
    }

    /// <summary>
    /// The traceback of <see cref="Exact"/> from its recorded states <paramref name="rec"/>: writes each column's
    /// (t, Q) as t·2 + Q, walking back to the state sum that produced each minimum (the same floating-point sums, so
    /// equality is exact).
    /// </summary>
    private static unsafe void Trace(int idx, double* c0, double* c1, byte* pidx, byte* choice, double* rec)
    {
        int kb = (idx >> 7) * 128;
        byte* pv = pidx + (idx & 127) * 6;
        int state = (idx & 4) >> 1;
        for (int j = 5; j >= 0; j--)
        {
            int o0 = kb + pv[j] * 8 + j, o1 = o0 ^ (15 * 8);
            // c(t, Q) at index t·2 + Q.
            double c00 = c0[o0], c01 = c1[o0], c10 = c0[o1], c11 = c1[o1];
            double target = rec[j * 4 + state];
            double p00 = j == 0 ? 0 : rec[j * 4 - 4], p01 = j == 0 ? Inf : rec[j * 4 - 3], p10 = j == 0 ? Inf : rec[j * 4 - 2];
            double cs = state switch { 0 => c00, 1 => c01, 2 => c10, _ => c11 };
            double cs1 = (state ^ 1) switch { 0 => c00, 1 => c01, 2 => c10, _ => c11 };
            double cs2 = (state ^ 2) switch { 0 => c00, 1 => c01, 2 => c10, _ => c11 };
            int hit = (p00 + cs == target ? 1 : 0) | (p01 + cs1 == target ? 2 : 0) | (p10 + cs2 == target ? 4 : 0) | 8;
            int os = BitOperations.TrailingZeroCount(hit);
            choice[j] = (byte)(state ^ os);
            state = os;
        }
    }

    /// <summary>Writes the lattice point of candidate <paramref name="idx"/> with the trellis' column choices.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void Reconstruct<T>(double* y, int idx, Scratch* w) where T : unmanaged, IVec8<T>
    {
        byte* choice = w->Choice;
        int* colInfo = w->Info;
        double* eb = w->E, sb = w->Sign, ub = w->U;
        int k = idx >> 7, a = (idx >> 5) & 3, b = (idx >> 3) & 3, p = (idx >> 2) & 1, c = idx & 3;
        int o = Offsets[a * 4 + b];
        int syms = a | (b << 2) | (c << 4) | ((((o & 3) ^ c)) << 6) | ((((o >> 2) & 3) ^ c) << 8) | (((o >> 4) ^ c) << 10);
        byte* pat = Ptr(ColumnPatterns);
        uint odd0 = 0, odd1 = 0, odd2 = 0, odd3 = 0, wrong = 0;
        double* e = eb + k * 32, s = sb + k * 32, u = ub + k * 32;
        int g0 = colInfo[2 * k], gx = colInfo[2 * k + 1];
        for (int j = 0; j < 6; j++)
        {
            int t = choice[j] >> 1, q = choice[j] & 1;
            int v = pat[(p * 4 + ((syms >> (2 * j)) & 3)) * 2 + t];
            int gp = BitOperations.PopCount((uint)(((Spread(v) << j) & gx) ^ (g0 & (ColumnMask << j)))) & 1;
            odd0 |= (uint)(v & 1) << j;
            odd1 |= (uint)((v >> 1) & 1) << j;
            odd2 |= (uint)((v >> 2) & 1) << j;
            odd3 |= (uint)((v >> 3) & 1) << j;
            wrong |= (uint)((gp ^ q) & 1) << j;
        }
        // Where a column's D-parity is wrong, its cheapest coordinate moves to the other neighbour of its class:
        // penalty 4u (odd) or 4 − 4u (even), the first row with the smallest one (all columns at once).
        var four = T.Splat(4);
        T v0 = four * T.Load(u), v1 = four * T.Load(u + 8), v2 = four * T.Load(u + 16), v3 = four * T.Load(u + 24);
        T p0 = T.Select(odd0, v0, four - v0), p1 = T.Select(odd1, v1, four - v1);
        T p2 = T.Select(odd2, v2, four - v2), p3 = T.Select(odd3, v3, four - v3);
        var least = T.Min(T.Min(p0, p1), T.Min(p2, p3));
        uint flip0 = T.Equal(p0, least);
        uint flip1 = T.Equal(p1, least) & ~flip0;
        uint flip2 = T.Equal(p2, least) & ~(flip0 | flip1);
        uint flip3 = ~(flip0 | flip1 | flip2) & wrong;
        flip0 &= wrong;
        flip1 &= wrong;
        flip2 &= wrong;
        var shift0 = k == 0 ? T.Splat(0) : T.FirstAndRest(-3, 1);
        var shift = k == 0 ? T.Splat(0) : T.Splat(1);
        // Rows are written in order, 6 coordinates each.
        Row(y, e, s, odd0, flip0, shift0);
        Row(y + 6, e + 8, s + 8, odd1, flip1, shift);
        Row(y + 12, e + 16, s + 16, odd2, flip2, shift);
        Row(y + 18, e + 24, s + 24, odd3, flip3, shift);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Row<T>(double* y, double* e, double* s, uint odd, uint flip, T shift) where T : unmanaged, IVec8<T>
    {
        var ev = T.Load(e);
        var sv = T.Load(s);
        // Odd coordinates sit at e + s (other odd neighbour e − s); even ones at e (other even neighbour e + 2s).
        var z = T.Select(odd, ev + sv, ev);
        var move = T.Select(odd, T.Splat(-2) * sv, T.Splat(2) * sv);
        z = T.Select(flip, z + move, z);
        T.Store6(z * T.Splat(2) + shift, y);
    }

    private const double Inf = double.PositiveInfinity;

    // Bits of column 0 in a 24-bit MOG word (bit row·6 + column).
    private const int ColumnMask = 0x41041;

    /// <summary>A 4-bit column pattern (bit = row) spread to column 0 of a 24-bit MOG word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Spread(int v) => (v & 1) | ((v & 2) << 5) | ((v & 4) << 10) | ((v & 8) << 15);

    /// <summary>The smaller of two non-NaN doubles as one minsd (Math.Min also orders −0 and NaN, which costs more).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Min2(double a, double b) => Vec8.Min(a, b);

    /// <summary>What <see cref="PatternIndex"/> holds, computed (for the test that checks the constant table).</summary>
    internal static byte[] BuildPatternIndex()
    {
        var off = BuildOffsets();
        var t = new byte[128 * 6];
        for (int i = 0; i < 128; i++)
        {
            int a = (i >> 5) & 3, b = (i >> 3) & 3, p = (i >> 2) & 1, c = i & 3, o = off[a * 4 + b];
            int[] sym = [a, b, c, (o & 3) ^ c, ((o >> 2) & 3) ^ c, (o >> 4) ^ c];
            for (int j = 0; j < 6; j++) t[i * 6 + j] = GolayCode.Pattern[(p * 4 + sym[j]) * 2];
        }
        return t;
    }

    /// <summary>What <see cref="Offsets"/> holds, computed (for the test that checks the constant table).</summary>
    internal static byte[] BuildOffsets()
    {
        var m = GolayCode.Mul;
        var off = new byte[16];
        for (int a = 0; a < 4; a++)
            for (int b = 0; b < 4; b++)
            {
                int o3 = a ^ b;
                int o4 = m[a * 4 + 3] ^ m[b * 4 + 2]; // aω̄ + bω
                int o5 = m[a * 4 + 2] ^ m[b * 4 + 3]; // aω + bω̄
                off[a * 4 + b] = (byte)(o3 | (o4 << 2) | (o5 << 4));
            }
        return off;
    }

    private static double[] BuildGenerator()
    {
        var span = new List<long[]>();
        foreach (int w in GolayCode.Codewords())
        {
            var v = new long[24];
            for (int i = 0; i < 24; i++) v[i] = 2 * ((w >> i) & 1);
            span.Add(v);
        }
        for (int i = 0; i < 23; i++)
        {
            var p = new long[24];
            var m = new long[24];
            p[i] = 4; p[i + 1] = 4;
            m[i] = 4; m[i + 1] = -4;
            span.Add(p);
            span.Add(m);
        }
        var a = new long[24];
        Array.Fill(a, 1L);
        a[0] = -3;
        span.Add(a);
        return IntegerBasis.Hermite(24, span);
    }
}
