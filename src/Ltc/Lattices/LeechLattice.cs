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
    public override string Decoder => "half-Leech cosets, hexacode lower bounds + exact parity trellis";

    /// <inheritdoc/>
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != 24 || y.Length != 24) throw new ArgumentException("expected vectors of length 24");
        if (x.Overlaps(y)) throw new ArgumentException("input and output overlap");
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Decode(ReadOnlySpan<double> xs, Span<double> ys)
    {
        // Per coset k (stride 128): pattern sums D[v][col] and flip penalties P[v][col] over the 16 column patterns
        // (lanes = MOG columns, 6 of 8 used); per coset and row (stride 32): nearest even e, sign s, |t − e|.
        double* dt = stackalloc double[256];
        double* pt = stackalloc double[256];
        double* eb = stackalloc double[64];
        double* sb = stackalloc double[64];
        double* ub = stackalloc double[64];
        double* mt = stackalloc double[64];
        double* mc = stackalloc double[64];
        double* lb = stackalloc double[256];
        Vector512<double>* xv = stackalloc Vector512<double>[16];
        int* colInfo = stackalloc int[12]; // per coset and column: bit 4 = D-parity of the even choices, bits 0–3 = rows whose two choices differ in D-parity
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
                Vector512<double> d00, d01, d02, d03, d10, d11, d12, d13, q00, q01, q02, q03, q10, q11, q12, q13;
                // Coset H + a: decode x − a with a = (−3, 1, …, 1), halved.
                var sh0 = k == 0 ? Vector512<double>.Zero : Vector512.Create(-1.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5);
                var sh = k == 0 ? Vector512<double>.Zero : Vector512.Create(0.5);
                Prep(row0 * half - sh0, out d00, out d10, out q00, out q10, out g0a, out gxa, eb + k * 32, sb + k * 32, ub + k * 32);
                Prep(row1 * half - sh, out d01, out d11, out q01, out q11, out g0b, out gxb, eb + k * 32 + 8, sb + k * 32 + 8, ub + k * 32 + 8);
                Prep(row2 * half - sh, out d02, out d12, out q02, out q12, out g0c, out gxc, eb + k * 32 + 16, sb + k * 32 + 16, ub + k * 32 + 16);
                Prep(row3 * half - sh, out d03, out d13, out q03, out q13, out g0d, out gxd, eb + k * 32 + 24, sb + k * 32 + 24, ub + k * 32 + 24);
                for (int j = 0; j < 6; j++)
                {
                    int par = ((g0a ^ g0b ^ g0c ^ g0d) >> j) & 1;
                    int m = ((gxa >> j) & 1) | (((gxb >> j) & 1) << 1) | (((gxc >> j) & 1) << 2) | (((gxd >> j) & 1) << 3);
                    colInfo[k * 6 + j] = (par << 4) | m;
                }
                // Pattern v = lo + 4·hi, lo = rows 0–1, hi = rows 2–3.
                Vector512<double> a0 = d00 + d01, a1 = d10 + d01, a2 = d00 + d11, a3 = d10 + d11;
                Vector512<double> c0 = d02 + d03, c1 = d12 + d03, c2 = d02 + d13, c3 = d12 + d13;
                Vector512<double> e0 = Vector512.Min(q00, q01), e1 = Vector512.Min(q10, q01), e2 = Vector512.Min(q00, q11), e3 = Vector512.Min(q10, q11);
                Vector512<double> f0 = Vector512.Min(q02, q03), f1 = Vector512.Min(q12, q03), f2 = Vector512.Min(q02, q13), f3 = Vector512.Min(q12, q13);
                double* dk = dt + k * 128, pk = pt + k * 128;
                StoreQuad(dk, pk, a0, a1, a2, a3, c0, e0, e1, e2, e3, f0);
                StoreQuad(dk + 32, pk + 32, a0, a1, a2, a3, c1, e0, e1, e2, e3, f1);
                StoreQuad(dk + 64, pk + 64, a0, a1, a2, a3, c2, e0, e1, e2, e3, f2);
                StoreQuad(dk + 96, pk + 96, a0, a1, a2, a3, c3, e0, e1, e2, e3, f3);
                // Lower-bound table m[p·4 + s][col] = min over the two patterns of (s, p), then one row per column.
                for (int ps = 0; ps < 8; ps++)
                    Vector512.Min(Vector512.Load(dk + pat[ps * 2] * 8), Vector512.Load(dk + pat[ps * 2 + 1] * 8)).Store(mt + ps * 8);
                for (int j = 0; j < 6; j++)
                    for (int ps = 0; ps < 8; ps++) mc[j * 8 + ps] = mt[ps * 8 + j];
                var m0 = Vector512.Load(mc);
                var m1 = Vector512.Load(mc + 8);
                var m2 = Vector512.Load(mc + 16);
                var m3 = Vector512.Load(mc + 24);
                var m4 = Vector512.Load(mc + 32);
                var m5 = Vector512.Load(mc + 40);
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
                            runMin = Vector512.Min(runMin, l);
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
        double best = Exact(bestIdx, dt, pt, colInfo, pat, null);
        if (best > lmin)
        {
            for (int i = 0; i < 32; i++)
            {
                ulong cand = Vector512.ExtractMostSignificantBits(Vector512.LessThan(Vector512.Load(lb + i * 8), Vector512.Create(best)));
                while (cand != 0)
                {
                    int idx = i * 8 + BitOperations.TrailingZeroCount(cand);
                    cand &= cand - 1;
                    if (idx == bestIdx || !(lb[idx] < best)) continue;
                    double c = Exact(idx, dt, pt, colInfo, pat, null);
                    if (c < best)
                    {
                        best = c;
                        bestIdx = idx;
                    }
                }
            }
        }

        byte* choice = stackalloc byte[6];
        Exact(bestIdx, dt, pt, colInfo, pat, choice);
        fixed (double* py = ys) Reconstruct(py, bestIdx, choice, colInfo, pat, eb, sb, ub);
    }

    /// <summary>Per-row quantities of t: costs of the nearest even/odd integers, their flip penalties and D-parities.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prep(Vector512<double> t, out Vector512<double> d0, out Vector512<double> d1,
        out Vector512<double> q0, out Vector512<double> q1, out int g0, out int gx, double* e, double* s, double* u)
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
        // Moving to the other even (odd) neighbour costs (2 − u)² − u² = 4 − 4u (resp. 4u).
        q1 = Vector512.Create(4.0) * uv;
        q0 = Vector512.Create(4.0) - q1;
        ev.Store(e);
        sv.Store(s);
        uv.Store(u);
        var he = Vector512.ConvertToInt64(ev * half);
        var ho = Vector512.ConvertToInt64(Vector512.Floor((ev + sv) * half));
        g0 = (int)Vector512.ExtractMostSignificantBits(he << 63) & 63;
        gx = g0 ^ ((int)Vector512.ExtractMostSignificantBits(ho << 63) & 63);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreQuad(double* d, double* p,
        Vector512<double> a0, Vector512<double> a1, Vector512<double> a2, Vector512<double> a3, Vector512<double> c,
        Vector512<double> e0, Vector512<double> e1, Vector512<double> e2, Vector512<double> e3, Vector512<double> f)
    {
        (a0 + c).Store(d);
        (a1 + c).Store(d + 8);
        (a2 + c).Store(d + 16);
        (a3 + c).Store(d + 24);
        Vector512.Min(e0, f).Store(p);
        Vector512.Min(e1, f).Store(p + 8);
        Vector512.Min(e2, f).Store(p + 16);
        Vector512.Min(e3, f).Store(p + 24);
    }

    /// <summary>
    /// Exact cost of the best point of candidate <paramref name="idx"/> (coset · 128 + (a·4 + b)·8 + p·4 + c) under
    /// both parity constraints: a 4-state trellis over the columns on (Σt mod 2, ΣQ mod 2). With a non-null
    /// <paramref name="choice"/>, also writes each column's (t, Q) as t·2 + Q.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe double Exact(int idx, double* dt, double* pt, int* colInfo, byte* pat, byte* choice)
    {
        int k = idx >> 7, a = (idx >> 5) & 3, b = (idx >> 3) & 3, p = (idx >> 2) & 1, c = idx & 3;
        int o = Offsets[a * 4 + b];
        // Column symbols packed 2 bits each.
        int syms = a | (b << 2) | (c << 4) | ((((o & 3) ^ c)) << 6) | ((((o >> 2) & 3) ^ c) << 8) | (((o >> 4) ^ c) << 10);
        double* dk = dt + k * 128, pk = pt + k * 128;
        int* ci = colInfo + k * 6;
        byte* pp = pat + p * 8;
        const double Inf = double.PositiveInfinity;
        double s00 = 0, s01 = Inf, s10 = Inf, s11 = Inf;
        byte* back = stackalloc byte[24];
        double* so = stackalloc double[12];
        double* cc = so + 4;
        double* sn = so + 8;
        for (int j = 0; j < 6; j++)
        {
            int v0 = pp[((syms >> (2 * j)) & 3) * 2];
            int info = ci[j];
            int gxm = info & 15;
            int gp0 = ((info >> 4) ^ BitOperations.PopCount((uint)(v0 & gxm))) & 1;
            int gp1 = gp0 ^ (BitOperations.PopCount((uint)gxm) & 1);
            int o0 = v0 * 8 + j, o1 = (v0 ^ 15) * 8 + j;
            double dv0 = dk[o0], dv1 = dk[o1], pv0 = pk[o0], pv1 = pk[o1];
            // c(t, Q): pattern t with column D-parity Q; the parity a pattern has for free costs nothing extra.
            double c00 = dv0 + pv0 * gp0, c01 = dv0 + pv0 * (1 - gp0);
            double c10 = dv1 + pv1 * gp1, c11 = dv1 + pv1 * (1 - gp1);
            if (choice == null)
            {
                double n00 = Math.Min(Math.Min(s00 + c00, s01 + c01), Math.Min(s10 + c10, s11 + c11));
                double n01 = Math.Min(Math.Min(s00 + c01, s01 + c00), Math.Min(s10 + c11, s11 + c10));
                double n10 = Math.Min(Math.Min(s00 + c10, s01 + c11), Math.Min(s10 + c00, s11 + c01));
                double n11 = Math.Min(Math.Min(s00 + c11, s01 + c10), Math.Min(s10 + c01, s11 + c00));
                s00 = n00; s01 = n01; s10 = n10; s11 = n11;
            }
            else
            {
                so[0] = s00; so[1] = s01; so[2] = s10; so[3] = s11;
                cc[0] = c00; cc[1] = c01; cc[2] = c10; cc[3] = c11;
                for (int ns = 0; ns < 4; ns++)
                {
                    double bestV = Inf;
                    int bestOld = 0;
                    for (int os = 0; os < 4; os++)
                    {
                        double v = so[os] + cc[ns ^ os];
                        if (v < bestV)
                        {
                            bestV = v;
                            bestOld = os;
                        }
                    }
                    sn[ns] = bestV;
                    back[j * 4 + ns] = (byte)bestOld;
                }
                s00 = sn[0]; s01 = sn[1]; s10 = sn[2]; s11 = sn[3];
            }
        }
        if (choice != null)
        {
            int state = p << 1;
            for (int j = 5; j >= 0; j--)
            {
                int os = back[j * 4 + state];
                choice[j] = (byte)(state ^ os);
                state = os;
            }
        }
        return p == 0 ? s00 : s10;
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
            int info = colInfo[k * 6 + j];
            int gp = ((info >> 4) ^ BitOperations.PopCount((uint)(v & info & 15))) & 1;
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
