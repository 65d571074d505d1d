using Ltc.Lattices;
using static TorchSharp.torch;

namespace Ltc.Torch.Tests;

public class CellProbabilityTests
{
    /// <summary>
    /// ∫ over the Voronoi cell of A2 (unit volume) around <paramref name="center"/> of an isotropic Gaussian, by
    /// splitting the hexagon into 6 triangles from its centre and integrating each with a 48×48 Gauss–Legendre rule on
    /// the Duffy-collapsed square: the integrand is smooth, so this is accurate to ~1e-12, independent of any sampling.
    /// </summary>
    private static double HexagonIntegral(Lattice a2, double[] center, double sigma)
    {
        // The 6 shortest lattice vectors, by angle; consecutive pairs give the cell's vertices as circumcentres.
        var g = a2.Generator;
        var cand = new List<(double X, double Y)>();
        for (int i = -2; i <= 2; i++)
            for (int j = -2; j <= 2; j++)
                if (i != 0 || j != 0) cand.Add((i * g[0] + j * g[2], i * g[1] + j * g[3]));
        double min = cand.Min(v => v.X * v.X + v.Y * v.Y);
        var nb = cand.Where(v => v.X * v.X + v.Y * v.Y < min * 1.0001).OrderBy(v => Math.Atan2(v.Y, v.X)).ToArray();
        Assert.Equal(6, nb.Length);
        var verts = new (double X, double Y)[6];
        for (int k = 0; k < 6; k++)
        {
            var p = nb[k];
            var q = nb[(k + 1) % 6];
            // Circumcentre of 0, p, q: solve 2 p·c = |p|², 2 q·c = |q|².
            double det = 2 * (p.X * q.Y - p.Y * q.X);
            double pp = p.X * p.X + p.Y * p.Y, qq = q.X * q.X + q.Y * q.Y;
            verts[k] = ((pp * q.Y - qq * p.Y) / det, (p.X * qq - q.X * pp) / det);
        }
        var (nodes, weights) = GaussLegendre(48);
        double total = 0;
        for (int k = 0; k < 6; k++)
        {
            var a = verts[k];
            var b = verts[(k + 1) % 6];
            double area2 = Math.Abs(a.X * b.Y - a.Y * b.X); // twice the triangle's area
            for (int i = 0; i < nodes.Length; i++)
                for (int j = 0; j < nodes.Length; j++)
                {
                    // Duffy: (s, t) in [0,1]² → s·((1−t)·a + t·b), Jacobian s·area2.
                    double s = (nodes[i] + 1) / 2, t = (nodes[j] + 1) / 2;
                    double x = s * ((1 - t) * a.X + t * b.X) + center[0];
                    double y = s * ((1 - t) * a.Y + t * b.Y) + center[1];
                    double dens = Math.Exp(-(x * x + y * y) / (2 * sigma * sigma)) / (2 * Math.PI * sigma * sigma);
                    total += weights[i] * weights[j] / 4 * s * area2 * dens;
                }
        }
        return total;
    }

    private static (double[] Nodes, double[] Weights) GaussLegendre(int n)
    {
        var x = new double[n];
        var w = new double[n];
        for (int i = 0; i < n; i++)
        {
            double z = Math.Cos(Math.PI * (i + 0.75) / (n + 0.5)), dp = 0;
            for (int it = 0; it < 100; it++)
            {
                double p0 = 1, p1 = z;
                for (int k = 2; k <= n; k++) { double p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k; p0 = p1; p1 = p2; }
                dp = n * (z * p1 - p0) / (z * z - 1);
                double dz = p1 / dp;
                z -= dz;
                if (Math.Abs(dz) < 1e-15) break;
            }
            x[i] = z;
            w[i] = 2 / ((1 - z * z) * dp * dp);
        }
        return (x, w);
    }

    [Theory]
    [InlineData(CellSampling.ScrambledSobol, 1024)]
    [InlineData(CellSampling.MonteCarlo, 4096)]
    public void GaussianCellProbabilityOnA2MatchesQuadratureWithinItsError(CellSampling sampling, int samples)
    {
        const double sigma = 0.8;
        var a2 = LatticeCatalog.Parse("A2").WithUnitVolume();
        var model = new LatticeEntropyModel(new IsotropicGaussianDensity(2, sigma), a2);
        // The origin, a neighbour, and a point in the tail where the density varies fast across the cell.
        var points = new List<double[]>();
        foreach (var r in new[] { new[] { 0.0, 0.0 }, new[] { 0.3, 0.9 }, new[] { 2.5, -1.4 } })
        {
            var p = new double[2];
            a2.ClosestPoint(r, p);
            points.Add(p);
        }
        var yhat = tensor(points.SelectMany(p => p.Select(v => (float)v)).ToArray(), points.Count, 2);
        const int reps = 16;
        var est = new double[reps, points.Count];
        for (int r = 0; r < reps; r++)
        {
            var u = ModelRandomness.CellSamples(a2, samples, sampling, 100 + r);
            var p = model.LogCellProbability(yhat, u).exp().to(float64).data<double>().ToArray();
            for (int i = 0; i < points.Count; i++) est[r, i] = p[i];
        }
        for (int i = 0; i < points.Count; i++)
        {
            double exact = HexagonIntegral(a2, points[i], sigma);
            var e = Enumerable.Range(0, reps).Select(r => est[r, i]).ToArray();
            double mean = e.Average();
            double se = Math.Sqrt(e.Sum(v => (v - mean) * (v - mean)) / (reps - 1) / reps);
            // 4 standard errors, plus float32 rounding of the density evaluations (relative 1e-5).
            double tol = 4 * se + 1e-5 * exact;
            Assert.True(Math.Abs(mean - exact) < tol, $"{sampling} point {i}: estimate {mean:G8} ± {se:G3}, quadrature {exact:G8}");
        }
    }

    [Fact]
    public void QuadratureItselfIntegratesTheGaussianToOne()
    {
        // Guards the reference: summing the cells of all lattice points near the origin gives the total mass.
        var a2 = LatticeCatalog.Parse("A2").WithUnitVolume();
        var g = a2.Generator;
        double total = 0;
        for (int i = -12; i <= 12; i++)
            for (int j = -12; j <= 12; j++)
                total += HexagonIntegral(a2, [i * g[0] + j * g[2], i * g[1] + j * g[3]], 0.8);
        Assert.Equal(1.0, total, 9);
    }
}
