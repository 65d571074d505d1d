using Ltc.Lattices;
using MathNet.Numerics.LinearAlgebra;

namespace Ltc.Tests.Lattices;

/// <summary>Names every decoder test runs over, and shared helpers. Add new lattices (BW16, Leech) to <see cref="Names"/>.</summary>
public static class LatticeTestSupport
{
    /// <summary>Every catalog lattice the decoder tests check against the sphere decoder.</summary>
    public static readonly List<string> Names =
    [
        "Z1", "Z3", "A1", "A2", "A3", "A4", "A5", "A7", "A8",
        "A1*", "A2*", "A3*", "A4*", "A5*", "A8*",
        "D2", "D3", "D4", "D5", "D6", "D8",
        "D2*", "D3*", "D4*", "D5*", "D8*",
        "E6", "E6*", "E7", "E7*", "E8",
        "E8^2", "A2+Z1", "D4*^2", "A3*+E6", "A2^3",
        "A16", "A16*", "D16", "D16*",
    ];

    public static IEnumerable<object[]> NameData() => Names.Union(LatticeCatalog.ListedNames).Select(n => new object[] { n });

    public static double Gaussian(Random r)
    {
        double u1 = 1 - r.NextDouble(), u2 = r.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public static double SquaredDistance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return s;
    }

    /// <summary>Largest distance of the real coordinates y·G⁻¹ from integers.</summary>
    public static double IntegralityError(Lattice l, ReadOnlySpan<double> y, Matrix<double> inverse)
    {
        int n = l.Dimension;
        double worst = 0;
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int i = 0; i < n; i++) s += y[i] * inverse[i, j];
            worst = Math.Max(worst, Math.Abs(s - Math.Round(s)));
        }
        return worst;
    }
}
