using Ltc.Lattices;

namespace Ltc.Tests.RateDistortion;

/// <summary>
/// A minimal E8 (D8 ∪ D8 + ½) for the ECLQ tests, so they do not depend on the lattice library's branch.
/// Conway–Sloane: decode to both cosets, keep the nearer.
/// </summary>
internal sealed class TestE8 : Lattice
{
    public TestE8() : base("E8", Gen(), 8) { }

    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y)
    {
        Span<double> a = stackalloc double[8];
        Span<double> b = stackalloc double[8];
        Span<double> shifted = stackalloc double[8];
        D8(x, a);
        for (int i = 0; i < 8; i++) shifted[i] = x[i] - 0.5;
        D8(shifted, b);
        double da = 0, db = 0;
        for (int i = 0; i < 8; i++)
        {
            b[i] += 0.5;
            da += (x[i] - a[i]) * (x[i] - a[i]);
            db += (x[i] - b[i]) * (x[i] - b[i]);
        }
        (da <= db ? a : b).CopyTo(y);
    }

    private static void D8(ReadOnlySpan<double> x, Span<double> y)
    {
        double sum = 0, worst = -1;
        int wi = 0;
        for (int i = 0; i < 8; i++)
        {
            y[i] = Math.Round(x[i]);
            sum += y[i];
            double e = Math.Abs(x[i] - y[i]);
            if (e > worst) { worst = e; wi = i; }
        }
        if (((long)sum & 1) != 0) y[wi] += x[wi] > y[wi] ? 1 : -1;
    }

    private static double[] Gen()
    {
        // Rows: D8 basis (2e1, e_{i+1} − e_i...) plus the glue vector ½·1.
        var g = new double[64];
        g[0] = 2;
        for (int r = 1; r < 7; r++) { g[r * 8 + r - 1] = -1; g[r * 8 + r] = 1; }
        for (int c = 0; c < 8; c++) g[7 * 8 + c] = 0.5;
        return g;
    }
}
