using System.Numerics;
using System.Runtime.CompilerServices;
using Ltc.Simd;

namespace Ltc.Lattices;

/// <summary>
/// The checkerboard lattice D_n = { z ∈ Zⁿ : Σzᵢ even } (n ≥ 2, minimum norm 2). Conway–Sloane decoder: round every
/// coordinate; if the sum is odd, round the coordinate with the largest rounding error the other way.
/// </summary>
public sealed class DnLattice : Lattice
{
    /// <summary>Creates D_n (n ≥ 2).</summary>
    public DnLattice(int n) : base($"D{n}", MakeGenerator(n), n) { }

    /// <inheritdoc/>
    /// <remarks>
    /// The exact value from Conway &amp; Sloane's second moment of the D_n Voronoi cell (1982):
    /// G = (n/12 + 1/(2(n+1))) / (n·2^{2/n}). It gives 1/12 for D2 ≅ Z², 0.0787451 for D3 = A3 and
    /// 0.0766032 for D4, as in SPLAG Table 2.3; for D5 it gives 0.0757858, which our Monte Carlo and
    /// Sobol estimates confirm (a value of 0.0758010 quoted elsewhere is off by 30 standard errors).
    /// </remarks>
    public override double? PublishedNsm =>
        (Dimension / 12.0 + 1.0 / (2 * (Dimension + 1))) / (Dimension * Math.Pow(2, 2.0 / Dimension));

    /// <inheritdoc/>
    public override string Decoder => "round, fix the worst coordinate on odd parity";

    /// <inheritdoc/>
    public override double MinimumNorm => 2;

    /// <inheritdoc/>
    public override bool IsMinimumNormKnown => true;

    /// <inheritdoc/>
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y) => ClosestPointByBatch(x, y);

    /// <inheritdoc/>
    internal override unsafe void ClosestPointsCore(double* xs, double* ys, int count, SimdWidth width)
    {
        CheckMagnitudes(xs, count);
        DnDecoding.Batch(xs, ys, count, Dimension, width, dual: false);
    }

    private static double[] MakeGenerator(int n)
    {
        var g = new double[n * n];
        g[0] = -1; g[1] = -1;
        for (int i = 1; i < n; i++)
        {
            g[i * n + i - 1] = 1;
            g[i * n + i] = -1;
        }
        return g;
    }
}

/// <summary>
/// The dual D_n* = Zⁿ ∪ (Zⁿ + (½,…,½)) (n ≥ 2, minimum norm min(1, n/4)), decoded by rounding in both cosets.
/// </summary>
public sealed class DnDualLattice : Lattice
{
    /// <summary>Creates D_n* (n ≥ 2).</summary>
    public DnDualLattice(int n) : base($"D{n}*", MakeGenerator(n), n) { }

    /// <inheritdoc/>
    /// <remarks>SPLAG Table 2.3 (D2* ≅ Z², D3* = A3*, D4* ≅ D4); other dimensions have no value here.</remarks>
    public override double? PublishedNsm => Dimension switch
    {
        2 => 1.0 / 12,
        3 => 0.0785433,
        4 => 0.0766032,
        5 => 0.0756254,
        _ => null,
    };

    /// <inheritdoc/>
    public override string Decoder => "two cosets of Z^n";

    /// <inheritdoc/>
    public override double MinimumNorm => Math.Min(1, Dimension / 4.0);

    /// <inheritdoc/>
    public override bool IsMinimumNormKnown => true;

    /// <inheritdoc/>
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y) => ClosestPointByBatch(x, y);

    /// <inheritdoc/>
    internal override unsafe void ClosestPointsCore(double* xs, double* ys, int count, SimdWidth width)
    {
        CheckMagnitudes(xs, count);
        DnDecoding.Batch(xs, ys, count, Dimension, width, dual: true);
    }

    private static double[] MakeGenerator(int n)
    {
        var g = new double[n * n];
        for (int i = 0; i < n - 1; i++) g[i * n + i] = 1;
        for (int j = 0; j < n; j++) g[(n - 1) * n + j] = 0.5;
        return g;
    }
}

/// <summary>
/// D_n and D_n* decoders for any n, over blocks of 8 coordinates (the last one zero-padded) at every vector width.
/// Padding lanes round to 0 with error 0, so they change no sum, no distance and (coming last) no argmax.
/// </summary>
internal static unsafe class DnDecoding
{
    /// <summary>Decodes <paramref name="count"/> points of D_n (or D_n* when <paramref name="dual"/>) at a width.</summary>
    public static void Batch(double* xs, double* ys, int count, int n, SimdWidth width, bool dual)
    {
        switch (width)
        {
            case SimdWidth.Avx512: Batch<V512>(xs, ys, count, n, dual); break;
            case SimdWidth.Avx2: Batch<V256>(xs, ys, count, n, dual); break;
            case SimdWidth.Vector128: Batch<V128>(xs, ys, count, n, dual); break;
            default: Batch<VScalar>(xs, ys, count, n, dual); break;
        }
    }

    private static void Batch<T>(double* xs, double* ys, int count, int n, bool dual) where T : unmanaged, IVec8<T>
    {
        if (n <= 8)
        {
            BatchSmall<T>(xs, ys, count, n, dual);
            return;
        }
        int padded = (n + 7) & ~7;
        double[]? heap = padded > 2048 ? new double[2 * padded] : null;
        double* stack = stackalloc double[heap == null ? 2 * padded : 1];
        fixed (double* h = heap)
        {
            double* xb = heap == null ? stack : h, yb = xb + padded;
            for (int i = padded - 8; i < padded; i++) xb[i] = 0;
            for (long p = 0; p < count; p++)
            {
                double* x = xs + p * n, y = ys + p * n;
                Buffer.MemoryCopy(x, xb, 8L * n, 8L * n);
                if (dual) DecodeDual<T>(xb, yb, n, padded);
                else DecodeDn<T>(xb, yb, padded, 0);
                Buffer.MemoryCopy(yb, y, 8L * n, 8L * n);
            }
        }
    }

    /// <summary>
    /// n ≤ 8: one 8-lane vector per point, branch-free. Points are loaded (lanes ≥ n masked to 0) and stored 8 lanes at
    /// a time straight from and to the batch while all 8 lanes lie inside it (a store's extra lanes land on the next
    /// points' outputs, written afterwards; not done in place); the last points go through a small buffer.
    /// </summary>
    private static void BatchSmall<T>(double* xs, double* ys, int count, int n, bool dual) where T : unmanaged, IVec8<T>
    {
        uint valid = (1u << n) - 1;
        long total = (long)count * n;
        bool disjoint = ys + total <= xs || xs + total <= ys;
        var zero = T.Splat(0);
        double* buf = stackalloc double[8];
        long p = 0;
        for (; p * n + 8 <= total; p++)
        {
            double* x = xs + p * n, y = ys + p * n;
            var v = T.Select(valid, T.Load(x), zero);
            var r = dual ? Dual8(v, valid) : Dn8(v);
            if (disjoint) T.Store(r, y);
            else
            {
                T.Store(r, buf);
                for (int i = 0; i < n; i++) y[i] = buf[i];
            }
        }
        for (; p < count; p++)
        {
            double* x = xs + p * n, y = ys + p * n;
            for (int i = 0; i < 8; i++) buf[i] = i < n ? x[i] : 0;
            var v = T.Load(buf);
            T.Store(dual ? Dual8(v, valid) : Dn8(v), buf);
            for (int i = 0; i < n; i++) y[i] = buf[i];
        }
    }

    /// <summary>Closest point of D_n (n ≤ 8, lanes ≥ n zero): round; on odd parity move the first worst coordinate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Dn8<T>(T v) where T : unmanaged, IVec8<T>
    {
        var f = T.Round(v);
        var d = v - f;
        double h = 0.5 * T.SumAcross(f);
        uint odd = Unsafe.BitCast<bool, byte>(Math.Floor(h) != h);
        var ad = T.Abs(d);
        // Zero lanes have error 0 and come last, so they are never the first worst unless every lane is exact.
        int idx = BitOperations.TrailingZeroCount(T.Equal(ad, T.Splat(T.MaxAcross(ad)))) & 7;
        return T.Select(odd << idx, f + T.SignOf(d), f);
    }

    /// <summary>Closest point of D_n* = Zⁿ ∪ (Zⁿ + ½) (n ≤ 8, lanes ≥ n zero and left out of the distances).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Dual8<T>(T v, uint valid) where T : unmanaged, IVec8<T>
    {
        var half = T.Splat(0.5);
        var a = T.Round(v);
        var b = T.Round(v - half) + half;
        var ea = v - a;
        var eb = T.Select(valid, v - b, T.Splat(0));
        bool integer = T.SumAcross(ea * ea) <= T.SumAcross(eb * eb);
        return T.Select((uint)-Unsafe.BitCast<bool, byte>(integer) & 0xFF, a, b);
    }

    /// <summary>
    /// Closest point of D_n + shift·1 (shift 0 or ½) to x[0..padded) (padded to a multiple of 8 with zeros);
    /// returns the squared distance.
    /// </summary>
    public static double DecodeDn<T>(double* x, double* y, int padded, double shift) where T : unmanaged, IVec8<T>
    {
        var sh = T.Splat(shift);
        var sum = T.Splat(0);
        var dist = T.Splat(0);
        var worst = T.Splat(0);
        for (int o = 0; o < padded; o += 8)
        {
            var t = T.Load(x + o) - sh;
            var f = T.Round(t);
            var d = t - f;
            T.Store(f, y + o);
            sum += f;
            dist += d * d;
            worst = T.Max(worst, T.Abs(d));
        }
        double h = 0.5 * T.SumAcross(sum), total = T.SumAcross(dist);
        if (Math.Floor(h) != h)
        {
            // Odd sum: the first coordinate with the largest rounding error moves to its other neighbour.
            double wv = T.MaxAcross(worst);
            var wb = T.Splat(wv);
            for (int o = 0; o < padded; o += 8)
            {
                uint m = T.Equal(T.Abs(T.Load(x + o) - sh - T.Load(y + o)), wb);
                if (m == 0) continue;
                int w = o + BitOperations.TrailingZeroCount(m);
                y[w] += x[w] - shift - y[w] >= 0 ? 1 : -1;
                total += 1 - 2 * wv;
                break;
            }
        }
        if (shift != 0)
            for (int o = 0; o < padded; o += 8) T.Store(T.Load(y + o) + sh, y + o);
        return total;
    }

    /// <summary>Closest point of D_n* = Zⁿ ∪ (Zⁿ + ½) to x[0..n) (zero-padded to <paramref name="padded"/>); returns the squared distance.</summary>
    public static double DecodeDual<T>(double* x, double* y, int n, int padded) where T : unmanaged, IVec8<T>
    {
        var half = T.Splat(0.5);
        var zero = T.Splat(0);
        var d0 = zero;
        var d1 = zero;
        for (int o = 0; o < padded; o += 8)
        {
            var v = T.Load(x + o);
            var a = v - T.Round(v);
            var b = v - (T.Round(v - half) + half);
            // A padding lane is 0 from Zⁿ but ½ from the other coset: leave it out.
            if (o + 8 > n) b = T.Select((1u << (n - o)) - 1, b, zero);
            d0 += a * a;
            d1 += b * b;
        }
        double s0 = T.SumAcross(d0), s1 = T.SumAcross(d1);
        var shift = s0 <= s1 ? T.Splat(0) : half;
        for (int o = 0; o < padded; o += 8) T.Store(T.Round(T.Load(x + o) - shift) + shift, y + o);
        return Math.Min(s0, s1);
    }
}
