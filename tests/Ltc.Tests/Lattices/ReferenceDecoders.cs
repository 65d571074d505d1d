using Ltc.Lattices;

namespace Ltc.Tests.Lattices;

/// <summary>
/// Slow, obviously exact closest-point decoders for the code lattices, by brute force over the code: every coset
/// c + 2Dₙ is decoded exactly (round, then fix the Dₙ parity by re-rounding the worst coordinate) and the best kept.
/// </summary>
internal static class ReferenceDecoders
{
    /// <summary>Closest point of c + 2Dₙ to x (c a 0/1 vector); returns the squared distance.</summary>
    public static double CosetOf2D(ReadOnlySpan<double> x, ReadOnlySpan<int> c, Span<double> z)
    {
        int n = x.Length;
        double dist = 0;
        long sum = 0;
        int worst = 0;
        double worstGap = double.PositiveInfinity;
        for (int i = 0; i < n; i++)
        {
            double t = (x[i] - c[i]) / 2;
            double r = Math.Round(t);
            sum += (long)r;
            z[i] = r;
            // Cost increase of rounding the other way, in units of t (scaled by 4 below).
            double gap = Math.Abs(t - r);
            double alt = 1 - gap;
            if (alt * alt - gap * gap < worstGap)
            {
                worstGap = alt * alt - gap * gap;
                worst = i;
            }
        }
        if ((sum & 1) != 0)
        {
            double t = (x[worst] - c[worst]) / 2;
            z[worst] += t > z[worst] ? 1 : -1;
        }
        for (int i = 0; i < n; i++)
        {
            z[i] = c[i] + 2 * z[i];
            dist += (x[i] - z[i]) * (x[i] - z[i]);
        }
        return dist;
    }

    /// <summary>RM(1,4) codewords built directly as affine functions on F2⁴.</summary>
    public static int[][] ReedMullerWords()
    {
        var words = new List<int[]>();
        for (int a = 0; a < 16; a++)
            for (int b = 0; b < 2; b++)
            {
                var w = new int[16];
                for (int i = 0; i < 16; i++)
                {
                    int dot = ((a & i & 1) ^ ((a & i) >> 1 & 1) ^ ((a & i) >> 2 & 1) ^ ((a & i) >> 3 & 1));
                    w[i] = dot ^ b;
                }
                words.Add(w);
            }
        return [.. words];
    }

    private static readonly int[][] Rm = ReedMullerWords();

    /// <summary>BW16 = RM(1,4) + 2D16: the best of the 32 cosets.</summary>
    public static double BarnesWall(ReadOnlySpan<double> x, Span<double> y)
    {
        Span<double> z = stackalloc double[16];
        double best = double.PositiveInfinity;
        foreach (var c in Rm)
        {
            double d = CosetOf2D(x, c, z);
            if (d < best)
            {
                best = d;
                z.CopyTo(y);
            }
        }
        return best;
    }

    private static readonly int[][] Golay = GolayCode.Codewords()
        .Select(w => Enumerable.Range(0, 24).Select(i => (w >> i) & 1).ToArray()).ToArray();

    /// <summary>Λ24 = 2(C24 + 2D24) ∪ (that + a), a = (−3, 1²³): the best of the 8192 cosets.</summary>
    public static double Leech(ReadOnlySpan<double> x, Span<double> y)
    {
        Span<double> t = stackalloc double[24];
        Span<double> z = stackalloc double[24];
        double best = double.PositiveInfinity;
        for (int k = 0; k < 2; k++)
        {
            for (int i = 0; i < 24; i++) t[i] = (x[i] - k * (i == 0 ? -3 : 1)) / 2;
            foreach (var c in Golay)
            {
                double d = 4 * CosetOf2D(t, c, z);
                if (d < best)
                {
                    best = d;
                    for (int i = 0; i < 24; i++) y[i] = 2 * z[i] + k * (i == 0 ? -3 : 1);
                }
            }
        }
        return best;
    }
}
