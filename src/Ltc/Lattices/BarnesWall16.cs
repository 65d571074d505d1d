using System.Numerics;
using System.Runtime.CompilerServices;
using Ltc.Simd;

namespace Ltc.Lattices;

/// <summary>
/// The Barnes–Wall lattice Λ16 in integer coordinates: { z ∈ Z¹⁶ : z mod 2 ∈ RM(1,4), Σz ≡ 0 (mod 4) }, i.e.
/// RM(1,4) + 2D16. Minimal norm 8, 4320 minimal vectors, cell volume 2¹².
/// </summary>
/// <remarks>
/// Exact closest point: for each of the 32 cosets c + 2D16 the cost without the D16 parity constraint is
/// Σᵢ dᵢ(cᵢ), and all 32 of them come from one 16-point Hadamard transform of the per-coordinate cost differences.
/// These are lower bounds of the true coset costs (the parity fix-up only adds); the cosets are then evaluated
/// exactly, best bound first, until no remaining bound beats the best exact cost.
/// </remarks>
public sealed class BarnesWall16 : Lattice
{
    private static readonly double[] Basis = BuildGenerator();

    /// <summary>Creates Λ16 (integer coordinates, minimal norm 8).</summary>
    public BarnesWall16() : base("BW16", (double[])Basis.Clone(), 16) { }

    /// <inheritdoc/>
    public override double? PublishedNsm => 0.068297622;

    /// <inheritdoc/>
    public override double? SupersededNsm => 0.0682989;

    /// <inheritdoc/>
    public override double MinimumNorm => 8;

    /// <inheritdoc/>
    public override bool IsMinimumNormKnown => true;

    /// <inheritdoc/>
    public override string Decoder => "RM(1,4) Hadamard bounds + exact 2D16 parity fix-up";

    /// <inheritdoc/>
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y) => KernelClosestPoint<Kernel>(x, y);

    /// <inheritdoc/>
    internal override unsafe void ClosestPointsCore(double* xs, double* ys, int count, SimdWidth width) =>
        KernelClosestPoints<Kernel>(xs, ys, count, width);

    private readonly struct Kernel : IPointKernel
    {
        public static unsafe void Decode<T>(double* x, double* y) where T : unmanaged, IVec8<T> => BarnesWall16.Decode<T>(x, y);
    }

    /// <summary>
    /// <see cref="ReedMuller.Codewords"/>[i], computed: the XOR of the masks of coordinates with bit b set, over the
    /// bits b of i's low 4 bits, complemented for i ≥ 16 (no table, so no memory access).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Codeword(int i) =>
        ((0xAAAAu & (uint)-(i & 1)) ^ (0xCCCCu & (uint)-((i >> 1) & 1)) ^ (0xF0F0u & (uint)-((i >> 2) & 1))
         ^ (0xFF00u & (uint)-((i >> 3) & 1)) ^ (0xFFFFu & (uint)-((i >> 4) & 1)));

    // The 32 bounds, a stack local (no stackalloc: the kernel then tiers normally).
    private unsafe struct Bounds32
    {
        public fixed double L[32];
    }

    /// <summary>The decoder at vector width T (every width computes the same operations, so the same point).</summary>
    [SkipLocalsInit]
    internal static unsafe void Decode<T>(double* xr, double* yr) where T : unmanaged, IVec8<T>
    {
        var one = T.Splat(1);
        var half = T.Splat(0.5);
        var two = T.Splat(2);
        var four = T.Splat(4);

        var xa = T.Load(xr);
        var xb = T.Load(xr + 8);
        // Nearest even integer e = 2h, offset r = x − e in [−1, 1], u = |r|. Nearest odd is e + sign(r).
        var ha = T.Round(xa * half);
        var hb = T.Round(xb * half);
        var ea = ha * two;
        var eb = hb * two;
        var ra = xa - ea;
        var rb = xb - eb;
        var ua = T.Abs(ra);
        var ub = T.Abs(rb);
        // Cost difference odd − even: (1−u)² − u² = 1 − 2u.
        var da = one - two * ua;
        var db = one - two * ub;

        // Parity bits of z/2 (even choice) and (z−1)/2 (odd choice), the D16 part of the coset.
        var sa = T.SignOf(ra);
        var sb = T.SignOf(rb);
        uint g0 = Vec8.OddBits(ha) | (Vec8.OddBits(hb) << 8);
        uint g1 = Vec8.OddBits(T.Floor((ea + sa) * half)) | (Vec8.OddBits(T.Floor((eb + sb) * half)) << 8);
        uint gx = g0 ^ g1;
        int g0par = BitOperations.PopCount(g0) & 1;

        // Hadamard transform H_a = Σᵢ (−1)^{a·i} Δᵢ: bit 3 across the halves, bits 0–2 inside each 8-lane vector.
        var a = da + db;
        var b = da - db;
        a = Butterfly(a, 1);
        b = Butterfly(b, 1);
        a = Butterfly(a, 2);
        b = Butterfly(b, 2);
        a = Butterfly(a, 4);
        b = Butterfly(b, 4);
        double sum = T.Lane(a, 0);
        // Σ_{i∈c_a} Δᵢ = (S − H_a)/2 and over the complement (S + H_a)/2 (the constant Σ dᵢ(0) is left out).
        var hs = T.Splat(0.5 * sum);
        Bounds32 bounds;
        double* lr = bounds.L;
        var l0 = hs - a * half;
        var l1 = hs - b * half;
        var l2 = hs + a * half;
        var l3 = hs + b * half;
        T.Store(l0, lr);
        T.Store(l1, lr + 8);
        T.Store(l2, lr + 16);
        T.Store(l3, lr + 24);
        double lmin = T.MinAcross(T.Min(T.Min(l0, l1), T.Min(l2, l3)));
        var lv = T.Splat(lmin);
        uint eqm = T.Equal(l0, lv) | (T.Equal(l1, lv) << 8) | (T.Equal(l2, lv) << 16) | (T.Equal(l3, lv) << 24);
        int bestIdx = BitOperations.TrailingZeroCount(eqm) & 31; // & 31: a NaN input matches nothing

        var pen0a = four - four * ua; // cost of moving an even coordinate to the other even neighbour
        var pen0b = four - four * ub;
        var pen1a = four * ua;        // same for an odd coordinate
        var pen1b = four * ub;

        double best = lmin + Penalty(Codeword(bestIdx), g0par, gx, pen0a, pen0b, pen1a, pen1b);
        if (best > lmin)
        {
            var bv = T.Splat(best);
            uint cand = T.Less(l0, bv) | (T.Less(l1, bv) << 8) | (T.Less(l2, bv) << 16) | (T.Less(l3, bv) << 24);
            cand &= ~(1u << bestIdx);
            while (cand != 0)
            {
                int i = BitOperations.TrailingZeroCount(cand);
                cand &= cand - 1;
                double li = lr[i];
                if (li >= best) continue;
                double c = li + Penalty(Codeword(i), g0par, gx, pen0a, pen0b, pen1a, pen1b);
                if (c < best)
                {
                    best = c;
                    bestIdx = i;
                }
            }
        }

        // Rebuild the point of the winning coset: odd or even per coordinate, then the parity fix-up if needed.
        uint cw = Codeword(bestIdx);
        uint ma = cw & 0xFF, mb = cw >> 8;
        T.Store(T.Select(ma, ea + sa, ea), yr);
        T.Store(T.Select(mb, eb + sb, eb), yr + 8);
        if (((g0par ^ BitOperations.PopCount(gx & cw)) & 1) != 0)
        {
            var pa = T.Select(ma, pen1a, pen0a);
            var pb = T.Select(mb, pen1b, pen0b);
            var pv = T.Splat(T.MinAcross(T.Min(pa, pb)));
            uint at = T.Equal(pa, pv) | (T.Equal(pb, pv) << 8);
            int j = BitOperations.TrailingZeroCount(at) & 15;
            double s = j < 8 ? T.Lane(sa, j) : T.Lane(sb, j - 8);
            // Even coordinate moves to e + 2s, odd one from e + s to e − s.
            yr[j] += ((cw >> j) & 1) != 0 ? -2 * s : 2 * s;
        }
    }

    /// <summary>The D16 parity fix-up cost of the coset with codeword mask <paramref name="cw"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Penalty<T>(uint cw, int g0par, uint gx, T p0a, T p0b, T p1a, T p1b) where T : unmanaged, IVec8<T>
    {
        if (((g0par ^ BitOperations.PopCount(gx & cw)) & 1) == 0) return 0;
        return T.MinAcross(T.Min(T.Select(cw & 0xFF, p1a, p0a), T.Select(cw >> 8, p1b, p0b)));
    }

    /// <summary>One Hadamard stage across lanes differing in <paramref name="bit"/>: (lo + hi, lo − hi).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe T Butterfly<T>(T v, int bit) where T : unmanaged, IVec8<T>
    {
        // v·(±1) + partner: exact, so the same bits as lo + hi and lo − hi on every width.
        var sign = bit == 1 ? T.Create(1, -1, 1, -1, 1, -1, 1, -1)
            : bit == 2 ? T.Create(1, 1, -1, -1, 1, 1, -1, -1)
            : T.Create(1, 1, 1, 1, -1, -1, -1, -1);
        return v * sign + T.Xor(v, bit);
    }

    private static double[] BuildGenerator()
    {
        var span = new List<long[]>();
        foreach (var c in ReedMuller.Codewords)
        {
            var v = new long[16];
            for (int i = 0; i < 16; i++) v[i] = (c >> i) & 1;
            span.Add(v);
        }
        for (int i = 0; i < 15; i++)
        {
            var p = new long[16];
            var m = new long[16];
            p[i] = 2; p[i + 1] = 2;
            m[i] = 2; m[i + 1] = -2;
            span.Add(p);
            span.Add(m);
        }
        return IntegerBasis.Hermite(16, span);
    }
}
