using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    public override double MinimumNorm => 32;

    /// <inheritdoc/>
    public override string Decoder => "half-Leech cosets, hexacode lower bounds + exact parity trellis";

    /// <inheritdoc/>
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != 24 || y.Length != 24) throw new ArgumentException("expected vectors of length 24");
        Decode(x, y);
    }

    // Column offsets of the hexacode word (a, b, c, ·, ·, ·) in columns 3, 4, 5 at index a·4 + b: φ(x) − c,
    // packed as 2-bit fields.
    private static readonly byte[] Offsets = BuildOffsets();

    private static readonly Vector512<long> LaneBits = Vector512.Create(1L, 2, 4, 8, 16, 32, 64, 128);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Perm(Vector512<double> v, Vector512<long> idx) =>
        Avx512F.IsSupported ? Avx512F.PermuteVar8x64(v, idx) : Vector512.Shuffle(v, idx);

    // Lane permutations of a (p, s) table (lane p·4 + s): XorPerm(k) adds k in F4 to the symbol, Bcast(a) puts
    // entry a of each half everywhere in that half.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<long> XorPerm(int k) => Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7) ^ Vector512.Create((long)k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<long> Bcast(int a) => Vector512.Create(0L, 0, 0, 0, 4, 4, 4, 4) + Vector512.Create((long)a);

    [SkipLocalsInit]
    internal static unsafe void Decode(ReadOnlySpan<double> xs, Span<double> ys)
    {
        // Per coset k (stride 128): pattern sums D[v][col] and flip penalties P[v][col] over the 16 column patterns
        // (lanes = MOG columns, 6 of 8 used); per coset and row (stride 32): nearest even e, sign s, |t − e|.
        double* dt = stackalloc double[256];
        double* pt = stackalloc double[256];
        double* st = stackalloc double[256];
        double* eb = stackalloc double[64];
        double* sb = stackalloc double[64];
        double* ub = stackalloc double[64];
        double* mt = stackalloc double[64];
        double* mc = stackalloc double[64];
        double* lb = stackalloc double[256];
        Vector512<double>* xv = stackalloc Vector512<double>[16];
        // Per coset: D-parities of the even choices and the coordinates whose two choices differ in D-parity, as
        // 24-bit words (bit row·6 + column).
        int* colInfo = stackalloc int[4];
        byte* pidx = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(PatternIndex));
        byte* pat = stackalloc byte[16];
        for (int i = 0; i < 16; i++) pat[i] = GolayCode.Pattern[i];

        var half = Vector512.Create(0.5);
        var one = Vector512<double>.One;
        var two = Vector512.Create(2.0);
        var four = Vector512.Create(4.0);
        var runMin = Vector512.Create(double.PositiveInfinity);

        fixed (double* px = xs)
        {
            // Row r of the MOG is x[6r .. 6r + 6) in lanes 0–5; lanes 6, 7 hold other (finite) coordinates that
            // never reach a result.
            var row0 = Vector512.Load(px);
            var row1 = Vector512.Load(px + 6);
            var row2 = Vector512.Load(px + 12);
            var row3 = Perm(Vector512.Load(px + 16), Vector512.Create(2L, 3, 4, 5, 6, 7, 0, 1));
            for (int k = 0; k < 2; k++)
            {
                int g0a = 0, g0b = 0, g0c = 0, g0d = 0, gxa = 0, gxb = 0, gxc = 0, gxd = 0;
                Vector512<double> d00, d01, d02, d03, d10, d11, d12, d13, q00, q01, q02, q03, q10, q11, q12, q13, z0, z1, z2, z3;
                // Coset H + a: decode x − a with a = (−3, 1, …, 1), halved.
                var sh0 = k == 0 ? Vector512<double>.Zero : Vector512.Create(-1.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5);
                var sh = k == 0 ? Vector512<double>.Zero : Vector512.Create(0.5);
                Prep(row0 * half - sh0, out d00, out d10, out q00, out q10, out z0, out g0a, out gxa, eb + k * 32, sb + k * 32, ub + k * 32);
                Prep(row1 * half - sh, out d01, out d11, out q01, out q11, out z1, out g0b, out gxb, eb + k * 32 + 8, sb + k * 32 + 8, ub + k * 32 + 8);
                Prep(row2 * half - sh, out d02, out d12, out q02, out q12, out z2, out g0c, out gxc, eb + k * 32 + 16, sb + k * 32 + 16, ub + k * 32 + 16);
                Prep(row3 * half - sh, out d03, out d13, out q03, out q13, out z3, out g0d, out gxd, eb + k * 32 + 24, sb + k * 32 + 24, ub + k * 32 + 24);
                colInfo[2 * k] = g0a | (g0b << 6) | (g0c << 12) | (g0d << 18);
                colInfo[2 * k + 1] = gxa | (gxb << 6) | (gxc << 12) | (gxd << 18);
                // Pattern v = lo + 4·hi, lo = rows 0–1, hi = rows 2–3.
                Vector512<double> a0 = d00 + d01, a1 = d10 + d01, a2 = d00 + d11, a3 = d10 + d11;
                Vector512<double> c0 = d02 + d03, c1 = d12 + d03, c2 = d02 + d13, c3 = d12 + d13;
                Vector512<double> e0 = Vector512.MinNative(q00, q01), e1 = Vector512.MinNative(q10, q01), e2 = Vector512.MinNative(q00, q11), e3 = Vector512.MinNative(q10, q11);
                Vector512<double> f0 = Vector512.MinNative(q02, q03), f1 = Vector512.MinNative(q12, q03), f2 = Vector512.MinNative(q02, q13), f3 = Vector512.MinNative(q12, q13);
                double* dk = dt + k * 128, pk = pt + k * 128;
                double* sk = st + k * 128;
                // D-parity signs of the patterns: (−1)^G(v), G(v) = parity of the even choices, flipped by each
                // odd row whose two choices differ.
                var sp = SignOf(g0a ^ g0b ^ g0c ^ g0d);
                Vector512<double> s0 = sp, s1 = sp * z0, s2 = sp * z1, s3 = s1 * z1;
                StoreQuad(dk, pk, sk, a0, a1, a2, a3, c0, e0, e1, e2, e3, f0, s0, s1, s2, s3, one);
                StoreQuad(dk + 32, pk + 32, sk + 32, a0, a1, a2, a3, c1, e0, e1, e2, e3, f1, s0, s1, s2, s3, z2);
                StoreQuad(dk + 64, pk + 64, sk + 64, a0, a1, a2, a3, c2, e0, e1, e2, e3, f2, s0, s1, s2, s3, z3);
                StoreQuad(dk + 96, pk + 96, sk + 96, a0, a1, a2, a3, c3, e0, e1, e2, e3, f3, s0, s1, s2, s3, z2 * z3);
                // Lower-bound table m[p·4 + s][col] = min over the two patterns of (s, p), then one row per column.
                for (int ps = 0; ps < 8; ps++)
                    Vector512.MinNative(Vector512.Load(dk + pat[ps * 2] * 8), Vector512.Load(dk + pat[ps * 2 + 1] * 8)).Store(mt + ps * 8);
                Vector512<double> m0, m1, m2, m3, m4, m5;
                if (Avx512F.IsSupported)
                {
                    Transpose(mt, out m0, out m1, out m2, out m3, out m4, out m5);
                }
                else
                {
                    for (int j = 0; j < 6; j++)
                        for (int ps = 0; ps < 8; ps++) mc[j * 8 + ps] = mt[ps * 8 + j];
                    m0 = Vector512.Load(mc);
                    m1 = Vector512.Load(mc + 8);
                    m2 = Vector512.Load(mc + 16);
                    m3 = Vector512.Load(mc + 24);
                    m4 = Vector512.Load(mc + 32);
                    m5 = Vector512.Load(mc + 40);
                }
                for (int q = 0; q < 4; q++)
                {
                    xv[q] = Perm(m3, XorPerm(q));
                    xv[4 + q] = Perm(m4, XorPerm(q));
                    xv[8 + q] = Perm(m5, XorPerm(q));
                    xv[12 + q] = Perm(m1, Bcast(q));
                }
                double* lk = lb + k * 128;
                fixed (byte* off = Offsets)
                {
                    for (int a = 0; a < 4; a++)
                    {
                        var ba = Perm(m0, Bcast(a)) + m2;
                        for (int b = 0; b < 4; b++)
                        {
                            int o = off[a * 4 + b];
                            var l = ba + xv[12 + b] + xv[o & 3] + xv[4 + ((o >> 2) & 3)] + xv[8 + (o >> 4)];
                            l.Store(lk + (a * 4 + b) * 8);
                            runMin = Vector512.MinNative(runMin, l);
                        }
                    }
                }
            }
        }

        double lmin = BarnesWall16.HorizontalMin(runMin);
        var lv = Vector512.Create(lmin);
        int bestIdx = 0;
        for (int i = 0; i < 32; i++)
        {
            ulong eq = Vector512.ExtractMostSignificantBits(Vector512.Equals(Vector512.Load(lb + i * 8), lv));
            if (eq != 0)
            {
                bestIdx = i * 8 + BitOperations.TrailingZeroCount(eq);
                break;
            }
        }
        double best = Exact(bestIdx, dt, pt, st, pidx);
        if (best > lmin)
        {
            // Gather the candidates whose bound beats the first exact cost, then evaluate them best bound first
            // so the threshold drops as early as possible.
            int* cl = stackalloc int[256];
            int nc = 0;
            var bv = Vector512.Create(best);
            for (int i = 0; i < 32; i++)
            {
                ulong cand = Vector512.ExtractMostSignificantBits(Vector512.LessThan(Vector512.Load(lb + i * 8), bv));
                while (cand != 0)
                {
                    int idx = i * 8 + BitOperations.TrailingZeroCount(cand);
                    cand &= cand - 1;
                    if (idx != bestIdx) cl[nc++] = idx;
                }
            }
            while (nc > 0)
            {
                int at = 0;
                double lo = lb[cl[0]];
                for (int i = 1; i < nc; i++)
                    if (lb[cl[i]] < lo)
                    {
                        lo = lb[cl[i]];
                        at = i;
                    }
                if (!(lo < best)) break;
                int idx = cl[at];
                cl[at] = cl[--nc];
                double c = Exact(idx, dt, pt, st, pidx);
                if (c < best)
                {
                    best = c;
                    bestIdx = idx;
                }
            }
        }

        byte* choice = stackalloc byte[6];
        Trace(bestIdx, dt, pt, st, pidx, choice);
        fixed (double* py = ys) Reconstruct(py, bestIdx, choice, colInfo, pat, eb, sb, ub);
    }

    /// <summary>Columns 0–5 of the 8 × 8 row-major block at <paramref name="m"/>, as vectors (an AVX-512 transpose).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose(double* m, out Vector512<double> c0, out Vector512<double> c1, out Vector512<double> c2,
        out Vector512<double> c3, out Vector512<double> c4, out Vector512<double> c5)
    {
        Vector512<double> r0 = Vector512.Load(m), r1 = Vector512.Load(m + 8), r2 = Vector512.Load(m + 16), r3 = Vector512.Load(m + 24);
        Vector512<double> r4 = Vector512.Load(m + 32), r5 = Vector512.Load(m + 40), r6 = Vector512.Load(m + 48), r7 = Vector512.Load(m + 56);
        var t0 = Avx512F.UnpackLow(r0, r1);
        var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3);
        var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5);
        var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7);
        var t7 = Avx512F.UnpackHigh(r6, r7);
        var u0 = Avx512F.Shuffle4x128(t0, t2, 0x88);
        var u1 = Avx512F.Shuffle4x128(t0, t2, 0xDD);
        var u2 = Avx512F.Shuffle4x128(t4, t6, 0x88);
        var u3 = Avx512F.Shuffle4x128(t4, t6, 0xDD);
        var w0 = Avx512F.Shuffle4x128(t1, t3, 0x88);
        var w1 = Avx512F.Shuffle4x128(t1, t3, 0xDD);
        var w2 = Avx512F.Shuffle4x128(t5, t7, 0x88);
        var w3 = Avx512F.Shuffle4x128(t5, t7, 0xDD);
        c0 = Avx512F.Shuffle4x128(u0, u2, 0x88);
        c4 = Avx512F.Shuffle4x128(u0, u2, 0xDD);
        c2 = Avx512F.Shuffle4x128(u1, u3, 0x88);
        c1 = Avx512F.Shuffle4x128(w0, w2, 0x88);
        c5 = Avx512F.Shuffle4x128(w0, w2, 0xDD);
        c3 = Avx512F.Shuffle4x128(w1, w3, 0x88);
    }

    /// <summary>Per-row quantities of t: costs of the nearest even/odd integers, their flip penalties and D-parities.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prep(Vector512<double> t, out Vector512<double> d0, out Vector512<double> d1,
        out Vector512<double> q0, out Vector512<double> q1, out Vector512<double> sig, out int g0, out int gx, double* e, double* s, double* u)
    {
        var half = Vector512.Create(0.5);
        var one = Vector512<double>.One;
        var ev = Vector512.Round(t * half) * Vector512.Create(2.0);
        var rr = t - ev;
        var uv = Vector512.Abs(rr);
        var sv = Vector512.CopySign(one, rr);
        d0 = uv * uv;
        var w = one - uv;
        d1 = w * w;
        // Moving to the other even (odd) neighbour costs (2 − u)² − u² = 4 − 4u (resp. 4u); kept halved.
        q1 = Vector512.Create(2.0) * uv;
        q0 = Vector512.Create(2.0) - q1;
        ev.Store(e);
        sv.Store(s);
        uv.Store(u);
        var he = Vector512.ConvertToInt64(ev * half);
        var ho = Vector512.ConvertToInt64(Vector512.Floor((ev + sv) * half));
        g0 = (int)Vector512.ExtractMostSignificantBits(he << 63) & 63;
        gx = g0 ^ ((int)Vector512.ExtractMostSignificantBits(ho << 63) & 63);
        sig = SignOf(gx);
    }

    /// <summary>±1 per lane from the 6 low bits of <paramref name="bits"/>: −1 where the bit is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> SignOf(int bits) =>
        Vector512.ConditionalSelect(Vector512.Equals(Vector512.Create((long)bits) & LaneBits, LaneBits).AsDouble(),
            Vector512.Create(-1.0), Vector512<double>.One);

    /// <summary>
    /// Stores, for the four patterns with rows 2–3 fixed (their terms c, f, sh), the pattern sums D, the half flip
    /// penalties P and P·(−1)^G.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreQuad(double* d, double* p, double* sp,
        Vector512<double> a0, Vector512<double> a1, Vector512<double> a2, Vector512<double> a3, Vector512<double> c,
        Vector512<double> e0, Vector512<double> e1, Vector512<double> e2, Vector512<double> e3, Vector512<double> f,
        Vector512<double> s0, Vector512<double> s1, Vector512<double> s2, Vector512<double> s3, Vector512<double> sh)
    {
        (a0 + c).Store(d);
        (a1 + c).Store(d + 8);
        (a2 + c).Store(d + 16);
        (a3 + c).Store(d + 24);
        var p0 = Vector512.MinNative(e0, f);
        var p1 = Vector512.MinNative(e1, f);
        var p2 = Vector512.MinNative(e2, f);
        var p3 = Vector512.MinNative(e3, f);
        p0.Store(p);
        p1.Store(p + 8);
        p2.Store(p + 16);
        p3.Store(p + 24);
        (p0 * s0 * sh).Store(sp);
        (p1 * s1 * sh).Store(sp + 8);
        (p2 * s2 * sh).Store(sp + 16);
        (p3 * s3 * sh).Store(sp + 24);
    }

    /// <summary>
    /// Exact cost of the best point of candidate <paramref name="idx"/> (coset · 128 + (a·4 + b)·8 + p·4 + c) under
    /// both parity constraints: a 4-state trellis over the columns on (Σt mod 2, ΣQ mod 2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe double Exact(int idx, double* dt, double* pt, double* st, byte* pidx)
    {
        int kb = (idx >> 7) * 128;
        byte* pv = pidx + (idx & 127) * 6;
        double s00 = 0, s01 = Inf, s10 = Inf, s11 = Inf;
        for (int j = 0; j < 6; j++)
        {
            int o0 = kb + pv[j] * 8 + j, o1 = o0 ^ (15 * 8);
            // c(t, Q): pattern t with column D-parity Q = D + P·[G ≠ Q], with P and P·(−1)^G stored halved.
            double t0 = dt[o0] + pt[o0], t1 = dt[o1] + pt[o1], x0 = st[o0], x1 = st[o1];
            double c00 = t0 - x0, c01 = t0 + x0, c10 = t1 - x1, c11 = t1 + x1;
            double n00 = Min2(Min2(s00 + c00, s01 + c01), Min2(s10 + c10, s11 + c11));
            double n01 = Min2(Min2(s00 + c01, s01 + c00), Min2(s10 + c11, s11 + c10));
            double n10 = Min2(Min2(s00 + c10, s01 + c11), Min2(s10 + c00, s11 + c01));
            double n11 = Min2(Min2(s00 + c11, s01 + c10), Min2(s10 + c01, s11 + c00));
            s00 = n00; s01 = n01; s10 = n10; s11 = n11;
        }
        return (idx & 4) == 0 ? s00 : s10;
    }

    /// <summary>The trellis of <see cref="Exact"/> with traceback: writes each column's (t, Q) as t·2 + Q.</summary>
    private static unsafe void Trace(int idx, double* dt, double* pt, double* st, byte* pidx, byte* choice)
    {
        int kb = (idx >> 7) * 128;
        byte* pv = pidx + (idx & 127) * 6;
        // Forward pass keeping every column's state costs and its c(t, Q); then walk back to the state sum that
        // produced each minimum (the same floating-point sums, so equality is exact).
        double* sv = stackalloc double[28];
        double* cv = stackalloc double[24];
        double s00 = 0, s01 = Inf, s10 = Inf, s11 = Inf;
        sv[0] = s00; sv[1] = s01; sv[2] = s10; sv[3] = s11;
        for (int j = 0; j < 6; j++)
        {
            int o0 = kb + pv[j] * 8 + j, o1 = o0 ^ (15 * 8);
            double t0 = dt[o0] + pt[o0], t1 = dt[o1] + pt[o1], x0 = st[o0], x1 = st[o1];
            double c00 = t0 - x0, c01 = t0 + x0, c10 = t1 - x1, c11 = t1 + x1;
            cv[j * 4] = c00; cv[j * 4 + 1] = c01; cv[j * 4 + 2] = c10; cv[j * 4 + 3] = c11;
            double n00 = Min2(Min2(s00 + c00, s01 + c01), Min2(s10 + c10, s11 + c11));
            double n01 = Min2(Min2(s00 + c01, s01 + c00), Min2(s10 + c11, s11 + c10));
            double n10 = Min2(Min2(s00 + c10, s01 + c11), Min2(s10 + c00, s11 + c01));
            double n11 = Min2(Min2(s00 + c11, s01 + c10), Min2(s10 + c01, s11 + c00));
            s00 = n00; s01 = n01; s10 = n10; s11 = n11;
            sv[j * 4 + 4] = s00; sv[j * 4 + 5] = s01; sv[j * 4 + 6] = s10; sv[j * 4 + 7] = s11;
        }
        int state = (idx & 4) >> 1;
        for (int j = 5; j >= 0; j--)
        {
            double target = sv[j * 4 + 4 + state];
            int hit = (sv[j * 4] + cv[j * 4 + state] == target ? 1 : 0)
                      | (sv[j * 4 + 1] + cv[j * 4 + (state ^ 1)] == target ? 2 : 0)
                      | (sv[j * 4 + 2] + cv[j * 4 + (state ^ 2)] == target ? 4 : 0) | 8;
            int os = BitOperations.TrailingZeroCount(hit);
            choice[j] = (byte)(state ^ os);
            state = os;
        }
    }

    /// <summary>Writes the lattice point of candidate <paramref name="idx"/> with the trellis' column choices.</summary>
    private static unsafe void Reconstruct(double* y, int idx, byte* choice, int* colInfo, byte* pat, double* eb, double* sb, double* ub)
    {
        int k = idx >> 7, a = (idx >> 5) & 3, b = (idx >> 3) & 3, p = (idx >> 2) & 1, c = idx & 3;
        int o = Offsets[a * 4 + b];
        int syms = a | (b << 2) | (c << 4) | ((((o & 3) ^ c)) << 6) | ((((o >> 2) & 3) ^ c) << 8) | (((o >> 4) ^ c) << 10);
        int* oddRows = stackalloc int[4];
        int* flipRows = stackalloc int[4];
        for (int r = 0; r < 4; r++) oddRows[r] = flipRows[r] = 0;
        double* e = eb + k * 32, s = sb + k * 32, u = ub + k * 32;
        for (int j = 0; j < 6; j++)
        {
            int t = choice[j] >> 1, q = choice[j] & 1;
            int v = pat[(p * 4 + ((syms >> (2 * j)) & 3)) * 2 + t];
            int gp = BitOperations.PopCount((uint)(((Spread(v) << j) & colInfo[2 * k + 1]) ^ (colInfo[2 * k] & (ColumnMask << j)))) & 1;
            for (int r = 0; r < 4; r++) oddRows[r] |= ((v >> r) & 1) << j;
            if (gp != q)
            {
                // The column's D-parity is wrong: move its cheapest coordinate to the other neighbour of its class.
                int flipRow = 0;
                double flipPen = Inf;
                for (int r = 0; r < 4; r++)
                {
                    double uu = u[r * 8 + j];
                    double pen = ((v >> r) & 1) != 0 ? 4 * uu : 4 - 4 * uu;
                    if (pen < flipPen)
                    {
                        flipPen = pen;
                        flipRow = r;
                    }
                }
                flipRows[flipRow] |= 1 << j;
            }
        }
        Span<double> tmp = stackalloc double[32];
        for (int r = 0; r < 4; r++)
        {
            var ev = Vector512.Load(e + r * 8);
            var sv = Vector512.Load(s + r * 8);
            var odd = Vector512.Equals(Vector512.Create((long)oddRows[r]) & LaneBits, LaneBits).AsDouble();
            var flip = Vector512.Equals(Vector512.Create((long)flipRows[r]) & LaneBits, LaneBits).AsDouble();
            // Odd coordinates sit at e + s (other odd neighbour e − s); even ones at e (other even neighbour e + 2s).
            var z = Vector512.ConditionalSelect(odd, ev + sv, ev);
            var move = Vector512.ConditionalSelect(odd, -sv, sv) * Vector512.Create(2.0);
            z += move & flip;
            z *= Vector512.Create(2.0);
            if (k == 1) z += r == 0 ? Vector512.Create(-3.0, 1, 1, 1, 1, 1, 1, 1) : Vector512<double>.One;
            z.StoreUnsafe(ref tmp[r * 8]);
        }
        for (int r = 0; r < 4; r++)
            for (int j = 0; j < 6; j++) y[r * 6 + j] = tmp[r * 8 + j];
    }

    private const double Inf = double.PositiveInfinity;

    // Bits of column 0 in a 24-bit MOG word (bit row·6 + column).
    private const int ColumnMask = 0x41041;

    /// <summary>A 4-bit column pattern (bit = row) spread to column 0 of a 24-bit MOG word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Spread(int v) => (v & 1) | ((v & 2) << 5) | ((v & 4) << 10) | ((v & 8) << 15);

    /// <summary>The smaller of two non-NaN doubles as one minsd (Math.Min also orders −0 and NaN, which costs more).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Min2(double a, double b) =>
        Sse2.IsSupported ? Sse2.MinScalar(Vector128.CreateScalarUnsafe(a), Vector128.CreateScalarUnsafe(b)).ToScalar() : Math.Min(a, b);

    // For each candidate's low bits (a·4 + b)·8 + p·4 + c: the 6 column patterns with top bit 0. Pinned: it lives
    // in the pinned object heap.
    private static readonly byte[] PatternIndex = BuildPatternIndex();

    private static byte[] BuildPatternIndex()
    {
        var off = BuildOffsets();
        var t = GC.AllocateArray<byte>(128 * 6, pinned: true);
        for (int i = 0; i < 128; i++)
        {
            int a = (i >> 5) & 3, b = (i >> 3) & 3, p = (i >> 2) & 1, c = i & 3, o = off[a * 4 + b];
            int[] sym = [a, b, c, (o & 3) ^ c, ((o >> 2) & 3) ^ c, (o >> 4) ^ c];
            for (int j = 0; j < 6; j++) t[i * 6 + j] = GolayCode.Pattern[(p * 4 + sym[j]) * 2];
        }
        return t;
    }

    private static byte[] BuildOffsets()
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
