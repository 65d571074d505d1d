using System.Numerics;
using System.Runtime.CompilerServices;
using Ltc.Simd;

namespace Ltc.Lattices;

/// <summary>
/// The Gosset lattice E8 = D8 ∪ (D8 + ½) (minimum norm 2, volume 1). Decoded as two D8 decodes and a comparison
/// (Conway–Sloane 1982), one 8-lane vector per point (one 512-bit, two 256-bit or four 128-bit registers, or scalars).
/// </summary>
public sealed class E8Lattice : Lattice
{
    /// <summary>Creates E8.</summary>
    public E8Lattice() : base("E8", MakeGenerator(), 8) { }

    /// <inheritdoc/>
    public override double? PublishedNsm => 0.0716821;

    /// <inheritdoc/>
    public override string Decoder => "D8 ∪ (D8 + ½), two D8 decodes";

    /// <inheritdoc/>
    public override double MinimumNorm => 2;

    /// <inheritdoc/>
    public override bool IsMinimumNormKnown => true;

    /// <inheritdoc/>
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y) => KernelClosestPoint<Kernel>(x, y);

    /// <inheritdoc/>
    internal override unsafe void ClosestPointsCore(double* xs, double* ys, int count, SimdWidth width) =>
        KernelClosestPoints<Kernel>(xs, ys, count, width);

    private readonly struct Kernel : IPointKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Decode<T>(double* x, double* y) where T : unmanaged, IVec8<T>
        {
            var v = T.Load(x);
            var half = T.Splat(0.5);
            var a = DecodeD8(v, out double da);
            var b = DecodeD8(v - half, out double db) + half;
            // Branch-free: which coset wins is a coin flip on random inputs.
            T.Store(T.Select((uint)-Unsafe.BitCast<bool, byte>(da <= db) & 0xFF, a, b), y);
        }
    }

    /// <summary>Closest point of D8 (branch-free): round, and on odd parity move the worst coordinate the other way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T DecodeD8<T>(T x, out double dist) where T : unmanaged, IVec8<T>
    {
        var f = T.Round(x);
        var d = x - f;
        dist = T.SumAcross(d * d);
        double h = 0.5 * T.SumAcross(f);
        uint odd = Unsafe.BitCast<bool, byte>(Math.Floor(h) != h);
        var ad = T.Abs(d);
        double worst = T.MaxAcross(ad);
        // The first coordinate with the largest rounding error (& 7: a NaN input matches nothing).
        int idx = BitOperations.TrailingZeroCount(T.Equal(ad, T.Splat(worst))) & 7;
        // Branch-free (the parity is a coin flip): adds 0 · (1 − 2·worst) = +0 when the sum is even.
        dist += odd * (1 - 2 * worst);
        return T.Select(odd << idx, f + T.SignOf(d), f);
    }

    private static double[] MakeGenerator()
    {
        var g = new double[64];
        g[0] = 2;
        for (int i = 1; i < 7; i++)
        {
            g[i * 8 + i - 1] = -1;
            g[i * 8 + i] = 1;
        }
        // Rows 0–6 lie in D8; with the glue (½)^8 they generate E8 (SPLAG ch. 4 §8.1).
        for (int j = 0; j < 8; j++) g[56 + j] = 0.5;
        return g;
    }
}
