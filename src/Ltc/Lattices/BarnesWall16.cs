using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    public override double MinimumNorm => 8;

    /// <inheritdoc/>
    public override string Decoder => "RM(1,4) Hadamard bounds + exact 2D16 parity fix-up";

    /// <inheritdoc/>
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != 16 || y.Length != 16) throw new ArgumentException("expected vectors of length 16");
        Decode(ref MemoryMarshal.GetReference(x), ref MemoryMarshal.GetReference(y));
    }

    private static readonly Vector512<long> LaneBits = Vector512.Create(1L, 2, 4, 8, 16, 32, 64, 128);

    internal static void Decode(ref double xr, ref double yr)
    {
        var one = Vector512<double>.One;
        var half = Vector512.Create(0.5);
        var two = Vector512.Create(2.0);
        var four = Vector512.Create(4.0);

        var xa = Vector512.LoadUnsafe(ref xr);
        var xb = Vector512.LoadUnsafe(ref xr, 8);
        // Nearest even integer e, offset r = x − e in [−1, 1], u = |r|. Nearest odd is e + sign(r).
        var ea = Vector512.Round(xa * half) * two;
        var eb = Vector512.Round(xb * half) * two;
        var ra = xa - ea;
        var rb = xb - eb;
        var ua = Vector512.Abs(ra);
        var ub = Vector512.Abs(rb);
        // Cost difference odd − even: (1−u)² − u² = 1 − 2u.
        var da = one - two * ua;
        var db = one - two * ub;

        // Parity bits of z/2 (even choice) and (z−1)/2 (odd choice), the D16 part of the coset.
        var sa = Vector512.CopySign(one, ra);
        var sb = Vector512.CopySign(one, rb);
        var hea = Vector512.ConvertToInt64(ea * half);
        var heb = Vector512.ConvertToInt64(eb * half);
        var hoa = Vector512.ConvertToInt64(Vector512.Floor((ea + sa) * half));
        var hob = Vector512.ConvertToInt64(Vector512.Floor((eb + sb) * half));
        uint g0 = (uint)(Vector512.ExtractMostSignificantBits(hea << 63) | (Vector512.ExtractMostSignificantBits(heb << 63) << 8));
        uint g1 = (uint)(Vector512.ExtractMostSignificantBits(hoa << 63) | (Vector512.ExtractMostSignificantBits(hob << 63) << 8));
        uint gx = g0 ^ g1;
        int g0par = BitOperations.PopCount(g0) & 1;

        // Hadamard transform H_a = Σᵢ (−1)^{a·i} Δᵢ: bit 3 across the halves, bits 0–2 inside each vector.
        var a = da + db;
        var b = da - db;
        a = Butterfly(a, 1);
        b = Butterfly(b, 1);
        a = Butterfly(a, 2);
        b = Butterfly(b, 2);
        a = Butterfly(a, 4);
        b = Butterfly(b, 4);
        double sum = a.ToScalar();
        // Σ_{i∈c_a} Δᵢ = (S − H_a)/2 and over the complement (S + H_a)/2 (the constant Σ dᵢ(0) is left out).
        var hs = Vector512.Create(0.5 * sum);
        Span<double> lb = stackalloc double[32];
        ref double lr = ref MemoryMarshal.GetReference(lb);
        var l0 = hs - a * half;
        var l1 = hs - b * half;
        var l2 = hs + a * half;
        var l3 = hs + b * half;
        l0.StoreUnsafe(ref lr);
        l1.StoreUnsafe(ref lr, 8);
        l2.StoreUnsafe(ref lr, 16);
        l3.StoreUnsafe(ref lr, 24);
        var mv = Vector512.MinNative(Vector512.MinNative(l0, l1), Vector512.MinNative(l2, l3));
        double lmin = HorizontalMin(mv);
        var lv = Vector512.Create(lmin);
        ulong eqm = Vector512.ExtractMostSignificantBits(Vector512.Equals(l0, lv))
                    | (Vector512.ExtractMostSignificantBits(Vector512.Equals(l1, lv)) << 8)
                    | (Vector512.ExtractMostSignificantBits(Vector512.Equals(l2, lv)) << 16)
                    | (Vector512.ExtractMostSignificantBits(Vector512.Equals(l3, lv)) << 24);
        int bestIdx = BitOperations.TrailingZeroCount(eqm) & 31; // & 31: a NaN input matches nothing

        var pen0a = four - four * ua; // cost of moving an even coordinate to the other even neighbour
        var pen0b = four - four * ub;
        var pen1a = four * ua;        // same for an odd coordinate
        var pen1b = four * ub;

        double best = lmin + Penalty(ReedMuller.Codewords[bestIdx], g0par, gx, pen0a, pen0b, pen1a, pen1b);
        if (best > lmin)
        {
            var bv = Vector512.Create(best);
            ulong cand = Vector512.ExtractMostSignificantBits(Vector512.LessThan(l0, bv))
                         | (Vector512.ExtractMostSignificantBits(Vector512.LessThan(l1, bv)) << 8)
                         | (Vector512.ExtractMostSignificantBits(Vector512.LessThan(l2, bv)) << 16)
                         | (Vector512.ExtractMostSignificantBits(Vector512.LessThan(l3, bv)) << 24);
            cand &= ~(1UL << bestIdx);
            while (cand != 0)
            {
                int i = BitOperations.TrailingZeroCount(cand);
                cand &= cand - 1;
                double li = Unsafe.Add(ref lr, i);
                if (li >= best) continue;
                double c = li + Penalty(ReedMuller.Codewords[i], g0par, gx, pen0a, pen0b, pen1a, pen1b);
                if (c < best)
                {
                    best = c;
                    bestIdx = i;
                }
            }
        }

        // Rebuild the point of the winning coset: odd or even per coordinate, then the parity fix-up if needed.
        uint cw = ReedMuller.Codewords[bestIdx];
        var ma = Vector512.Equals(Vector512.Create((long)cw) & LaneBits, LaneBits).AsDouble();
        var mb = Vector512.Equals(Vector512.Create((long)(cw >> 8)) & LaneBits, LaneBits).AsDouble();
        var za = Vector512.ConditionalSelect(ma, ea + sa, ea);
        var zb = Vector512.ConditionalSelect(mb, eb + sb, eb);
        za.StoreUnsafe(ref yr);
        zb.StoreUnsafe(ref yr, 8);
        if (((g0par ^ BitOperations.PopCount(gx & cw)) & 1) != 0)
        {
            var pa = Vector512.ConditionalSelect(ma, pen1a, pen0a);
            var pb = Vector512.ConditionalSelect(mb, pen1b, pen0b);
            double pm = HorizontalMin(Vector512.MinNative(pa, pb));
            var pv = Vector512.Create(pm);
            uint at = (uint)(Vector512.ExtractMostSignificantBits(Vector512.Equals(pa, pv))
                             | (Vector512.ExtractMostSignificantBits(Vector512.Equals(pb, pv)) << 8));
            int j = BitOperations.TrailingZeroCount(at);
            double s = j < 8 ? sa.GetElement(j) : sb.GetElement(j - 8);
            // Even coordinate moves to e + 2s, odd one from e + s to e − s.
            Unsafe.Add(ref yr, j) += ((cw >> j) & 1) != 0 ? -2 * s : 2 * s;
        }
    }

    /// <summary>The D16 parity fix-up cost of the coset with codeword mask <paramref name="cw"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Penalty(uint cw, int g0par, uint gx, Vector512<double> p0a, Vector512<double> p0b,
        Vector512<double> p1a, Vector512<double> p1b)
    {
        if (((g0par ^ BitOperations.PopCount(gx & cw)) & 1) == 0) return 0;
        var ma = Vector512.Equals(Vector512.Create((long)cw) & LaneBits, LaneBits).AsDouble();
        var mb = Vector512.Equals(Vector512.Create((long)(cw >> 8)) & LaneBits, LaneBits).AsDouble();
        return HorizontalMin(Vector512.MinNative(Vector512.ConditionalSelect(ma, p1a, p0a), Vector512.ConditionalSelect(mb, p1b, p0b)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double HorizontalMin(Vector512<double> v)
    {
        var m = Vector256.MinNative(v.GetLower(), v.GetUpper());
        var n = Vector128.MinNative(m.GetLower(), m.GetUpper());
        return Math.Min(n.ToScalar(), n.GetElement(1));
    }

    /// <summary>One Hadamard stage across lanes differing in <paramref name="bit"/>: (lo + hi, lo − hi).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Butterfly(Vector512<double> v, int bit)
    {
        Vector512<double> p, sign;
        if (bit == 1)
        {
            p = Vector512.Shuffle(v, Vector512.Create(1L, 0, 3, 2, 5, 4, 7, 6));
            sign = Vector512.Create(1.0, -1, 1, -1, 1, -1, 1, -1);
        }
        else if (bit == 2)
        {
            p = Vector512.Shuffle(v, Vector512.Create(2L, 3, 0, 1, 6, 7, 4, 5));
            sign = Vector512.Create(1.0, 1, -1, -1, 1, 1, -1, -1);
        }
        else
        {
            p = Vector512.Shuffle(v, Vector512.Create(4L, 5, 6, 7, 0, 1, 2, 3));
            sign = Vector512.Create(1.0, 1, 1, 1, -1, -1, -1, -1);
        }
        return Vector512.FusedMultiplyAdd(v, sign, p);
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
