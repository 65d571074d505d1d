using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Ltc.Lattices;

/// <summary>
/// The Gosset lattice E8 = D8 ∪ (D8 + ½) (minimum norm 2, volume 1). Decoded as two D8 decodes and a comparison
/// (Conway–Sloane 1982), with one 512-bit vector per point where the hardware has it.
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
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != 8 || y.Length != 8) throw new ArgumentException("expected vectors of length 8");
        if (Vector512.IsHardwareAccelerated)
        {
            var v = Vector512.Create(x);
            var half = Vector512.Create(0.5);
            var a = DecodeD8(v, out double da);
            var b = DecodeD8(v - half, out double db) + half;
            (da <= db ? a : b).CopyTo(y);
            return;
        }
        Span<double> t = stackalloc double[8];
        double d0 = DnDecoding.DecodeDn(x, y, 0);
        double d1 = DnDecoding.DecodeDn(x, t, 0.5);
        if (d1 < d0) t.CopyTo(y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> DecodeD8(Vector512<double> x, out double dist)
    {
        var f = Vector512.Round(x);
        var d = x - f;
        dist = Vector512.Sum(d * d);
        double sum = Vector512.Sum(f);
        if (((long)sum & 1) == 0) return f;
        // Odd sum: move the coordinate with the largest rounding error to its other neighbour.
        var ad = Vector512.Abs(d);
        var m = Vector512.Max(ad, Vector512.Shuffle(ad, Vector512.Create(4L, 5, 6, 7, 0, 1, 2, 3)));
        m = Vector512.Max(m, Vector512.Shuffle(m, Vector512.Create(2L, 3, 0, 1, 6, 7, 4, 5)));
        m = Vector512.Max(m, Vector512.Shuffle(m, Vector512.Create(1L, 0, 3, 2, 5, 4, 7, 6)));
        ulong mask = Vector512.Equals(ad, m).ExtractMostSignificantBits();
        long idx = BitOperations.TrailingZeroCount(mask);
        var onehot = Vector512.Equals(Vector512<long>.Indices, Vector512.Create(idx)).AsDouble();
        var step = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(d, Vector512<double>.Zero), Vector512<double>.One, -Vector512<double>.One);
        double worst = m.ToScalar();
        dist += 1 - 2 * worst;
        return f + (step & onehot);
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
