using System.Numerics.Tensors;
using Ltc.Lattices;

namespace Ltc.RateDistortion;

/// <summary>Settings of the entropy-coded lattice quantizer evaluation.</summary>
/// <param name="SourceSamples">Source vectors drawn to estimate rate and distortion.</param>
/// <param name="CellSamples">Uniform samples of the Voronoi cell used for each cell integral.</param>
/// <param name="Seed">Seed of the source draws and cell samples.</param>
/// <param name="Sampling">How the cell is sampled.</param>
public sealed record EclqOptions(int SourceSamples = 20000, int CellSamples = 4096, int Seed = 1, CellSampling Sampling = CellSampling.Antithetic);

/// <summary>
/// Entropy-coded lattice quantization without transforms (ECLQ): the source vector x of an i.i.d. density is
/// quantized to the closest point of sΛ (Λ scaled to unit cell volume), and the lattice point is entropy coded with
/// its exact probability P(λ) = ∫_{V(λ)} p(t) dt. The rate is E[−log2 P(Q(X))] per scalar sample and the distortion
/// E‖X − Q(X)‖² per scalar sample.
/// </summary>
/// <remarks>
/// Lattices have too many relevant points in 8 or 24 dimensions to enumerate, so the entropy is estimated as the mean
/// of −log2 P over source draws, and each P is a Monte Carlo cell integral vol(V)·(1/N)·Σⱼ p(λ + uⱼ) over uniform cell
/// samples uⱼ (the same uⱼ for every cell). The log of an unbiased estimate is biased low by about Var/(2P²N),
/// negligible for N in the thousands.
/// </remarks>
public static class Eclq
{
    /// <summary>Rate (bits per scalar sample) and MSE per scalar sample of ECLQ with sΛ at unit volume.</summary>
    public static RdPoint Evaluate(Lattice lattice, ScalarDensity density, double scale, EclqOptions? options = null)
    {
        options ??= new EclqOptions();
        var unit = lattice.WithUnitVolume();
        var cell = new VoronoiSampler(unit, options.Sampling, options.Seed).Sample(options.CellSamples);
        return Evaluate(unit, cell, density, scale, options);
    }

    /// <summary>
    /// The ECLQ curve over the given scales (one set of cell samples shared by all of them), in increasing rate.
    /// </summary>
    public static RdPoint[] Curve(Lattice lattice, ScalarDensity density, IEnumerable<double> scales, EclqOptions? options = null)
    {
        options ??= new EclqOptions();
        var unit = lattice.WithUnitVolume();
        var cell = new VoronoiSampler(unit, options.Sampling, options.Seed).Sample(options.CellSamples);
        return RdCurve.SortByRate(scales.Select(s => Evaluate(unit, cell, density, s, options)).ToList());
    }

    /// <summary>
    /// Scales s for a sweep with rates from about <paramref name="maxRate"/> bits/sample down to nearly 0,
    /// using the high-rate rule R ≈ h(X) − log2 s for a unit-volume lattice.
    /// </summary>
    public static double[] DefaultScales(ScalarDensity density, int points, double maxRate = 3.0)
    {
        double sHi = 5 * Math.Sqrt(density.Variance);
        double sLo = Math.Pow(2, density.DifferentialEntropyBits - maxRate);
        return Enumerable.Range(0, points).Select(i => sLo * Math.Pow(sHi / sLo, points == 1 ? 0 : (double)i / (points - 1))).ToArray();
    }

    private static RdPoint Evaluate(Lattice unit, double[] cell, ScalarDensity density, double scale, EclqOptions options)
    {
        int n = unit.Dimension, m = options.SourceSamples, nc = cell.Length / n;
        if (m < 1 || nc < 1) throw new ArgumentOutOfRangeException(nameof(options), "need at least one source and one cell sample");
        var rng = new Random(options.Seed * 7919 + 17);
        var x = new double[m * n];
        for (int i = 0; i < x.Length; i++) x[i] = density.Sample(rng);
        var q = new double[x.Length];
        unit.Scaled(scale).ClosestPoints(x, q);
        // Cell samples transposed (n rows of N) so the per-coordinate work runs along long spans.
        var ut = new double[n * nc];
        for (int j = 0; j < nc; j++)
            for (int i = 0; i < n; i++)
                ut[i * nc + j] = cell[j * n + i];
        double logVol = n * Math.Log(scale), logN = Math.Log(nc);
        int chunks = Math.Max(1, Math.Min(64, m / 256));
        // Per-chunk sums added in chunk order keep the result independent of thread timing.
        var logs = new double[chunks];
        var dists = new double[chunks];
        Parallel.For(0, chunks, c =>
        {
            int start = (int)((long)m * c / chunks), end = (int)((long)m * (c + 1) / chunks);
            var acc = new double[nc];
            var tmp = new double[nc];
            double localLog = 0, localDist = 0;
            for (int r = start; r < end; r++)
            {
                var qr = q.AsSpan(r * n, n);
                var xr = x.AsSpan(r * n, n);
                for (int i = 0; i < n; i++)
                {
                    double e = xr[i] - qr[i];
                    localDist += e * e;
                }
                localLog += LogCellMass(density, qr, ut, scale, acc, tmp) + logVol - logN;
            }
            logs[c] = localLog;
            dists[c] = localDist;
        });
        double sumLog = logs.Sum(), sumDist = dists.Sum();
        double rate = -sumLog / Math.Log(2) / m / n;
        return new RdPoint(Math.Max(rate, 0), sumDist / m / n);
    }

    // ln Σⱼ p(q + s·uⱼ), by log-sum-exp.
    private static double LogCellMass(ScalarDensity density, ReadOnlySpan<double> q, double[] ut, double s, double[] acc, double[] tmp)
    {
        int n = q.Length, nc = acc.Length;
        Array.Clear(acc);
        double constant;
        switch (density)
        {
            case GaussianDensity g:
                for (int i = 0; i < n; i++)
                {
                    TensorPrimitives.Multiply(ut.AsSpan(i * nc, nc), s, tmp);
                    TensorPrimitives.Add(tmp, q[i], tmp);
                    TensorPrimitives.MultiplyAdd(tmp, tmp, acc, acc);
                }
                TensorPrimitives.Multiply(acc, -0.5 / g.Variance, acc);
                constant = n * (-Math.Log(g.Sigma) - 0.5 * Math.Log(2 * Math.PI));
                break;
            case LaplaceDensity l:
                for (int i = 0; i < n; i++)
                {
                    TensorPrimitives.Multiply(ut.AsSpan(i * nc, nc), s, tmp);
                    TensorPrimitives.Add(tmp, q[i], tmp);
                    TensorPrimitives.Abs(tmp, tmp);
                    TensorPrimitives.Add(tmp, acc, acc);
                }
                TensorPrimitives.Multiply(acc, -1.0 / l.Scale, acc);
                constant = -n * Math.Log(2 * l.Scale);
                break;
            default:
                for (int j = 0; j < nc; j++)
                {
                    double lp = 0;
                    for (int i = 0; i < n; i++) lp += density.LogDensity(q[i] + s * ut[i * nc + j]);
                    acc[j] = lp;
                }
                constant = 0;
                break;
        }
        double max = TensorPrimitives.Max(acc);
        TensorPrimitives.Subtract(acc, max, acc);
        TensorPrimitives.Exp(acc, acc);
        return constant + max + Math.Log(TensorPrimitives.Sum(acc));
    }
}
