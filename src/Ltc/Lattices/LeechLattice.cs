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
        Decode(x, y);
    }

    // Lane permutations: Broadcast[a] puts entry a of each 4-lane half everywhere in that half; XorPerm[k] maps
    // lane p·4 + c to p·4 + (c ⊕ k), i.e. adds k in F4 to the column symbol.
    private static readonly Vector512<long>[] Broadcast =
    [
        Vector512.Create(0L, 0, 0, 0, 4, 4, 4, 4), Vector512.Create(1L, 1, 1, 1, 5, 5, 5, 5),
        Vector512.Create(2L, 2, 2, 2, 6, 6, 6, 6), Vector512.Create(3L, 3, 3, 3, 7, 7, 7, 7),
    ];

    private static readonly Vector512<long>[] XorPerm =
    [
        Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7), Vector512.Create(1L, 0, 3, 2, 5, 4, 7, 6),
        Vector512.Create(2L, 3, 0, 1, 6, 7, 4, 5), Vector512.Create(3L, 2, 1, 0, 7, 6, 5, 4),
    ];

    // Column offsets of the hexacode word (a, b, c, ·, ·, ·) in columns 3, 4, 5 at index a·4 + b: φ(x) − c.
    private static readonly byte[] Offsets = BuildOffsets();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Perm(Vector512<double> v, Vector512<long> idx) =>
        Avx512F.IsSupported ? Avx512F.PermuteVar8x64(v, idx) : Vector512.Shuffle(v, idx);

    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Decode(ReadOnlySpan<double> x, Span<double> y)
    {
        // Rows of the MOG at stride 8 so that one Vector512 holds a row (lanes 6, 7 are padding).
        Span<double> xb = stackalloc double[32];
        // Per coset k: pattern sums D[k][v][col] and flip penalties Pn[k][v][col] (v = 16 column patterns).
        Span<double> dt = stackalloc double[2 * 16 * 8];
        Span<double> pt = stackalloc double[2 * 16 * 8];
        Span<double> mt = stackalloc double[8 * 8];
        Span<double> mc = stackalloc double[8 * 8];
        Span<double> lb = stackalloc double[256];
        Span<int> colInfo = stackalloc int[12]; // per coset and column: bit 4 = D-parity of even choices, bits 0–3 = rows whose odd/even parities differ
        xb.Clear();
        for (int r = 0; r < 4; r++) x.Slice(r * 6, 6).CopyTo(xb.Slice(r * 8, 6));
        ref double xr = ref MemoryMarshal.GetReference(xb);
        ref double dr = ref MemoryMarshal.GetReference(dt);
        ref double pr = ref MemoryMarshal.GetReference(pt);
        ref double lr = ref MemoryMarshal.GetReference(lb);
        var pat = GolayCode.Pattern;

        var half = Vector512.Create(0.5);
        var one = Vector512<double>.One;
        var two = Vector512.Create(2.0);
        var four = Vector512.Create(4.0);
        var runMin = Vector512.Create(double.PositiveInfinity);
        Span<Vector512<double>> d0 = stackalloc Vector512<double>[4];
        Span<Vector512<double>> d1 = stackalloc Vector512<double>[4];
        Span<Vector512<double>> q0 = stackalloc Vector512<double>[4];
        Span<Vector512<double>> q1 = stackalloc Vector512<double>[4];
        Span<int> g0 = stackalloc int[4];
        Span<int> gx = stackalloc int[4];
        Span<Vector512<double>> x3 = stackalloc Vector512<double>[4];
        Span<Vector512<double>> x4 = stackalloc Vector512<double>[4];
        Span<Vector512<double>> x5 = stackalloc Vector512<double>[4];
        Span<Vector512<double>> b1v = stackalloc Vector512<double>[4];

        for (int k = 0; k < 2; k++)
        {
            for (int r = 0; r < 4; r++)
            {
                var t = Vector512.LoadUnsafe(ref xr, (nuint)(r * 8)) * half;
                // Coset H + a: decode x − a with a = (−3, 1, …, 1); halved: subtract (−1.5, 0.5, …).
                if (k == 1) t -= r == 0 ? Vector512.Create(-1.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0, 0) : Vector512.Create(0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0, 0);
                var e = Vector512.Round(t * half) * two;
                var rr = t - e;
                var u = Vector512.Abs(rr);
                var s = Vector512.CopySign(one, rr);
                d0[r] = u * u;
                var w = one - u;
                d1[r] = w * w;
                q0[r] = four - four * u;
                q1[r] = four * u;
                var he = Vector512.ConvertToInt64(e * half);
                var ho = Vector512.ConvertToInt64(Vector512.Floor((e + s) * half));
                int b0 = (int)Vector512.ExtractMostSignificantBits(he << 63) & 63;
                int b1 = (int)Vector512.ExtractMostSignificantBits(ho << 63) & 63;
                g0[r] = b0;
                gx[r] = b0 ^ b1;
            }
            for (int j = 0; j < 6; j++)
            {
                int par = ((g0[0] >> j) ^ (g0[1] >> j) ^ (g0[2] >> j) ^ (g0[3] >> j)) & 1;
                int m = ((gx[0] >> j) & 1) | (((gx[1] >> j) & 1) << 1) | (((gx[2] >> j) & 1) << 2) | (((gx[3] >> j) & 1) << 3);
                colInfo[k * 6 + j] = (par << 4) | m;
            }
            // Pattern sums and penalties over the 16 column patterns, all 6 columns at once.
            Vector512<double> a0 = d0[0] + d0[1], a1 = d1[0] + d0[1], a2 = d0[0] + d1[1], a3 = d1[0] + d1[1];
            Vector512<double> c0 = d0[2] + d0[3], c1 = d1[2] + d0[3], c2 = d0[2] + d1[3], c3 = d1[2] + d1[3];
            Vector512<double> e0 = Vector512.Min(q0[0], q0[1]), e1 = Vector512.Min(q1[0], q0[1]), e2 = Vector512.Min(q0[0], q1[1]), e3 = Vector512.Min(q1[0], q1[1]);
            Vector512<double> f0 = Vector512.Min(q0[2], q0[3]), f1 = Vector512.Min(q1[2], q0[3]), f2 = Vector512.Min(q0[2], q1[3]), f3 = Vector512.Min(q1[2], q1[3]);
            int baseK = k * 128;
            StorePair(ref dr, ref pr, baseK + 0 * 32, a0, a1, a2, a3, c0, e0, e1, e2, e3, f0);
            StorePair(ref dr, ref pr, baseK + 1 * 32, a0, a1, a2, a3, c1, e0, e1, e2, e3, f1);
            StorePair(ref dr, ref pr, baseK + 2 * 32, a0, a1, a2, a3, c2, e0, e1, e2, e3, f2);
            StorePair(ref dr, ref pr, baseK + 3 * 32, a0, a1, a2, a3, c3, e0, e1, e2, e3, f3);
            // Lower-bound table m[p·4 + s][col] = min over the two patterns of (s, p).
            for (int ps = 0; ps < 8; ps++)
            {
                var va = Vector512.LoadUnsafe(ref dr, (nuint)(baseK + pat[ps * 2] * 8));
                var vb = Vector512.LoadUnsafe(ref dr, (nuint)(baseK + pat[ps * 2 + 1] * 8));
                Vector512.Min(va, vb).StoreUnsafe(ref MemoryMarshal.GetReference(mt), (nuint)(ps * 8));
            }
            for (int j = 0; j < 6; j++)
                for (int ps = 0; ps < 8; ps++) mc[j * 8 + ps] = mt[ps * 8 + j];
            ref double mr = ref MemoryMarshal.GetReference(mc);
            var m0 = Vector512.LoadUnsafe(ref mr);
            var m1 = Vector512.LoadUnsafe(ref mr, 8);
            var m2 = Vector512.LoadUnsafe(ref mr, 16);
            var m3 = Vector512.LoadUnsafe(ref mr, 24);
            var m4 = Vector512.LoadUnsafe(ref mr, 32);
            var m5 = Vector512.LoadUnsafe(ref mr, 40);
            for (int q = 0; q < 4; q++)
            {
                x3[q] = Perm(m3, XorPerm[q]);
                x4[q] = Perm(m4, XorPerm[q]);
                x5[q] = Perm(m5, XorPerm[q]);
                b1v[q] = Perm(m1, Broadcast[q]);
            }
            for (int a = 0; a < 4; a++)
            {
                var ba = Perm(m0, Broadcast[a]) + m2;
                for (int b = 0; b < 4; b++)
                {
                    int o = Offsets[a * 4 + b];
                    var l = ba + b1v[b] + x3[o & 3] + x4[(o >> 2) & 3] + x5[o >> 4];
                    l.StoreUnsafe(ref lr, (nuint)(baseK + (a * 4 + b) * 8));
                    runMin = Vector512.Min(runMin, l);
                }
            }
        }

        double lmin = BarnesWall16.HorizontalMin(runMin);
        var lv = Vector512.Create(lmin);
        int bestIdx = 0;
        for (int i = 0; i < 32; i++)
        {
            ulong eq = Vector512.ExtractMostSignificantBits(Vector512.Equals(Vector512.LoadUnsafe(ref lr, (nuint)(i * 8)), lv));
            if (eq != 0)
            {
                bestIdx = i * 8 + BitOperations.TrailingZeroCount(eq);
                break;
            }
        }
        double best = Exact(bestIdx, dt, pt, colInfo, default);
        if (best > lmin)
        {
            for (int i = 0; i < 32; i++)
            {
                ulong cand = Vector512.ExtractMostSignificantBits(Vector512.LessThan(Vector512.LoadUnsafe(ref lr, (nuint)(i * 8)), Vector512.Create(best)));
                while (cand != 0)
                {
                    int idx = i * 8 + BitOperations.TrailingZeroCount(cand);
                    cand &= cand - 1;
                    if (idx == bestIdx || !(Unsafe.Add(ref lr, idx) < best)) continue;
                    double c = Exact(idx, dt, pt, colInfo, default);
                    if (c < best)
                    {
                        best = c;
                        bestIdx = idx;
                    }
                }
            }
        }

        Span<byte> choice = stackalloc byte[6];
        Exact(bestIdx, dt, pt, colInfo, choice);
        Reconstruct(x, y, bestIdx, choice, colInfo);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair(ref double dr, ref double pr, int offset,
        Vector512<double> a0, Vector512<double> a1, Vector512<double> a2, Vector512<double> a3, Vector512<double> c,
        Vector512<double> e0, Vector512<double> e1, Vector512<double> e2, Vector512<double> e3, Vector512<double> f)
    {
        // Patterns v = lo + 4·hi with lo = rows 0–1, hi = rows 2–3 fixed by the caller.
        (a0 + c).StoreUnsafe(ref dr, (nuint)offset);
        (a1 + c).StoreUnsafe(ref dr, (nuint)(offset + 8));
        (a2 + c).StoreUnsafe(ref dr, (nuint)(offset + 16));
        (a3 + c).StoreUnsafe(ref dr, (nuint)(offset + 24));
        Vector512.Min(e0, f).StoreUnsafe(ref pr, (nuint)offset);
        Vector512.Min(e1, f).StoreUnsafe(ref pr, (nuint)(offset + 8));
        Vector512.Min(e2, f).StoreUnsafe(ref pr, (nuint)(offset + 16));
        Vector512.Min(e3, f).StoreUnsafe(ref pr, (nuint)(offset + 24));
    }

    /// <summary>
    /// Exact cost of the best point of candidate <paramref name="idx"/> (coset · 128 + (a·4 + b)·8 + p·4 + c) under
    /// both parity constraints. With a non-empty <paramref name="choice"/>, also writes each column's (t, Q).
    /// </summary>
    private static double Exact(int idx, ReadOnlySpan<double> dt, ReadOnlySpan<double> pt, ReadOnlySpan<int> colInfo, Span<byte> choice)
    {
        int k = idx >> 7, a = (idx >> 5) & 3, b = (idx >> 3) & 3, p = (idx >> 2) & 1, c = idx & 3;
        int o = Offsets[a * 4 + b];
        var pat = GolayCode.Pattern;
        const double Inf = double.PositiveInfinity;
        double s00 = 0, s01 = Inf, s10 = Inf, s11 = Inf;
        Span<byte> back = stackalloc byte[24];
        Span<double> sOld = stackalloc double[4];
        Span<double> cc = stackalloc double[4];
        Span<double> sNew = stackalloc double[4];
        for (int j = 0; j < 6; j++)
        {
            int sym = j switch { 0 => a, 1 => b, 2 => c, 3 => (o & 3) ^ c, 4 => ((o >> 2) & 3) ^ c, _ => (o >> 4) ^ c };
            int v0 = pat[(p * 4 + sym) * 2];
            int v1 = v0 ^ 15;
            int info = colInfo[k * 6 + j];
            int gxm = info & 15;
            int gp0 = ((info >> 4) ^ BitOperations.PopCount((uint)(v0 & gxm))) & 1;
            int gp1 = gp0 ^ (BitOperations.PopCount((uint)gxm) & 1);
            int o0 = k * 128 + v0 * 8 + j, o1 = k * 128 + v1 * 8 + j;
            double dv0 = dt[o0], dv1 = dt[o1], pv0 = pt[o0], pv1 = pt[o1];
            // c(t, Q): pattern t, column D-parity Q; the parity the pattern has for free costs nothing extra.
            double c00 = gp0 == 0 ? dv0 : dv0 + pv0, c01 = gp0 == 1 ? dv0 : dv0 + pv0;
            double c10 = gp1 == 0 ? dv1 : dv1 + pv1, c11 = gp1 == 1 ? dv1 : dv1 + pv1;
            double n00, n01, n10, n11;
            if (choice.IsEmpty)
            {
                n00 = Math.Min(Math.Min(s00 + c00, s01 + c01), Math.Min(s10 + c10, s11 + c11));
                n01 = Math.Min(Math.Min(s00 + c01, s01 + c00), Math.Min(s10 + c11, s11 + c10));
                n10 = Math.Min(Math.Min(s00 + c10, s01 + c11), Math.Min(s10 + c00, s11 + c01));
                n11 = Math.Min(Math.Min(s00 + c11, s01 + c10), Math.Min(s10 + c01, s11 + c00));
            }
            else
            {
                (sOld[0], sOld[1], sOld[2], sOld[3]) = (s00, s01, s10, s11);
                (cc[0], cc[1], cc[2], cc[3]) = (c00, c01, c10, c11);
                for (int ns = 0; ns < 4; ns++)
                {
                    double bestV = Inf;
                    int bestOld = 0;
                    for (int os = 0; os < 4; os++)
                    {
                        double v = sOld[os] + cc[ns ^ os];
                        if (v < bestV)
                        {
                            bestV = v;
                            bestOld = os;
                        }
                    }
                    sNew[ns] = bestV;
                    back[j * 4 + ns] = (byte)bestOld;
                }
                (n00, n01, n10, n11) = (sNew[0], sNew[1], sNew[2], sNew[3]);
            }
            (s00, s01, s10, s11) = (n00, n01, n10, n11);
        }
        if (!choice.IsEmpty)
        {
            int state = p << 1;
            for (int j = 5; j >= 0; j--)
            {
                int os = back[j * 4 + state];
                choice[j] = (byte)(state ^ os); // (t << 1) | Q
                state = os;
            }
        }
        return p == 0 ? s00 : s10;
    }

    private static void Reconstruct(ReadOnlySpan<double> x, Span<double> y, int idx, ReadOnlySpan<byte> choice, ReadOnlySpan<int> colInfo)
    {
        int k = idx >> 7, a = (idx >> 5) & 3, b = (idx >> 3) & 3, p = (idx >> 2) & 1, c = idx & 3;
        int o = Offsets[a * 4 + b];
        var pat = GolayCode.Pattern;
        Span<double> z = stackalloc double[4];
        Span<double> sg = stackalloc double[4];
        for (int j = 0; j < 6; j++)
        {
            int sym = j switch { 0 => a, 1 => b, 2 => c, 3 => (o & 3) ^ c, 4 => ((o >> 2) & 3) ^ c, _ => (o >> 4) ^ c };
            int t = choice[j] >> 1, q = choice[j] & 1;
            int v = pat[(p * 4 + sym) * 2 + t];
            int info = colInfo[k * 6 + j];
            int gp = ((info >> 4) ^ BitOperations.PopCount((uint)(v & info & 15))) & 1;
            int flipRow = -1;
            double flipPen = double.PositiveInfinity;
            for (int r = 0; r < 4; r++)
            {
                int i = r * 6 + j;
                double ai = k == 0 ? 0 : (i == 0 ? -3 : 1);
                double tt = (x[i] - ai) * 0.5;
                double e = Math.Round(tt * 0.5, MidpointRounding.ToEven) * 2;
                double rr = tt - e;
                double u = Math.Abs(rr);
                double s = Math.CopySign(1.0, rr);
                int bit = (v >> r) & 1;
                z[r] = bit == 1 ? e + s : e;
                sg[r] = bit == 1 ? -2 * s : 2 * s;
                double pen = bit == 1 ? 4 * u : 4 - 4 * u;
                if (pen < flipPen)
                {
                    flipPen = pen;
                    flipRow = r;
                }
            }
            if (gp != q) z[flipRow] += sg[flipRow];
            for (int r = 0; r < 4; r++)
            {
                int i = r * 6 + j;
                double ai = k == 0 ? 0 : (i == 0 ? -3 : 1);
                y[i] = 2 * z[r] + ai;
            }
        }
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
