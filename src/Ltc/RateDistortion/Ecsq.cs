namespace Ltc.RateDistortion;

/// <summary>A scalar quantizer: thresholds t₀ = −∞ &lt; t₁ &lt; … &lt; t_K = +∞ and one reconstruction per cell.</summary>
/// <param name="Thresholds">K + 1 cell boundaries, the first −∞ and the last +∞.</param>
/// <param name="Levels">K reconstruction levels.</param>
/// <param name="Probabilities">K cell probabilities under the density.</param>
/// <param name="Point">Rate (entropy of the cell probabilities, bits) and MSE.</param>
public sealed record ScalarQuantizer(double[] Thresholds, double[] Levels, double[] Probabilities, RdPoint Point);

/// <summary>
/// Entropy-constrained scalar quantization of a known density: the entropy-constrained Lloyd algorithm of Chou,
/// Lookabaugh and Gray (1989) in one dimension, with every quantity (cell masses, centroids, distortion, entropy)
/// computed exactly from the density's CDF and partial moments rather than from samples.
/// </summary>
public static class Ecsq
{
    /// <summary>
    /// Exact rate (entropy of the cell masses) and MSE of the quantizer with the given thresholds and levels.
    /// </summary>
    public static ScalarQuantizer Evaluate(ScalarDensity density, double[] thresholds, double[] levels)
    {
        int k = levels.Length;
        var p = new double[k];
        double d = 0, h = 0;
        for (int i = 0; i < k; i++)
        {
            var (m0, m1, m2) = density.PartialMoments(thresholds[i], thresholds[i + 1]);
            p[i] = m0;
            double y = levels[i];
            d += Math.Max(m2 - 2 * y * m1 + y * y * m0, 0);
            if (m0 > 0) h -= m0 * Math.Log2(m0);
        }
        return new ScalarQuantizer(thresholds, levels, p, new RdPoint(Math.Max(h, 0), d));
    }

    /// <summary>
    /// The uniform quantizer of step Δ with reconstruction at the cell midpoints kΔ + offset (offset 0: mid-tread,
    /// cells centred at integers times Δ, as rounding to the lattice ΔZ does), evaluated exactly.
    /// </summary>
    public static ScalarQuantizer Uniform(ScalarDensity density, double step, double offset = 0)
    {
        double w = density.SupportHalfWidth;
        long kmin = (long)Math.Floor((-w - offset) / step), kmax = (long)Math.Ceiling((w - offset) / step);
        int k = checked((int)(kmax - kmin + 1));
        var t = new double[k + 1];
        var y = new double[k];
        for (int i = 0; i < k; i++)
        {
            y[i] = (kmin + i) * step + offset;
            t[i] = y[i] - step / 2;
        }
        t[0] = double.NegativeInfinity;
        t[k] = double.PositiveInfinity;
        return Evaluate(density, t, y);
    }

    /// <summary>
    /// Runs the entropy-constrained Lloyd algorithm for the Lagrangian J = D + λ·H (H in bits) from the initial
    /// quantizer <paramref name="start"/>. Cells whose mass vanishes are removed, so the result has at most as many
    /// cells as the start.
    /// </summary>
    public static ScalarQuantizer Optimize(ScalarDensity density, double lambda, ScalarQuantizer start,
        double relativeTolerance = 1e-12, int maxIterations = 5000)
    {
        var levels = start.Levels.ToArray();
        var q = Evaluate(density, start.Thresholds, levels);
        double prevJ = double.PositiveInfinity;
        for (int it = 0; it < maxIterations; it++)
        {
            // Lengths and centroids from the current cells.
            var lens = new List<double>(q.Levels.Length);
            var ys = new List<double>(q.Levels.Length);
            for (int i = 0; i < q.Levels.Length; i++)
            {
                if (q.Probabilities[i] <= 1e-300) continue;
                var (m0, m1, _) = density.PartialMoments(q.Thresholds[i], q.Thresholds[i + 1]);
                ys.Add(m1 / m0);
                lens.Add(-Math.Log2(m0));
            }
            var (t, y) = LowerEnvelope(ys, lens, lambda);
            q = Evaluate(density, t, y);
            double j = q.Point.Distortion + lambda * q.Point.Rate;
            if (Math.Abs(prevJ - j) <= relativeTolerance * Math.Abs(j)) break;
            prevJ = j;
        }
        return q;
    }

    /// <summary>
    /// The optimal ECSQ at multiplier λ: the better of the entropy-constrained Lloyd runs started from the mid-tread
    /// and mid-rise uniform quantizers of the high-rate optimal step √(6λ/ln 2). <paramref name="maxCells"/> &gt; 0
    /// limits the codebook to that many cells (the most probable cells of the start).
    /// </summary>
    public static ScalarQuantizer OptimalAt(ScalarDensity density, double lambda, int maxCells = 0)
    {
        double step = Math.Sqrt(6 * lambda / Math.Log(2));
        ScalarQuantizer? best = null;
        foreach (var offset in new[] { 0.0, step / 2 })
        {
            var start = Uniform(density, step, offset);
            if (maxCells > 0) start = Truncate(density, start, maxCells);
            var q = Optimize(density, lambda, start);
            if (best == null || q.Point.Distortion + lambda * q.Point.Rate < best.Point.Distortion + lambda * best.Point.Rate)
                best = q;
        }
        return best!;
    }

    /// <summary>
    /// The operational ECSQ curve: optimal quantizers for <paramref name="points"/> multipliers λ spaced
    /// geometrically so that the rates cover roughly [0, <paramref name="maxRate"/>] bits, in increasing rate.
    /// </summary>
    public static RdPoint[] Curve(ScalarDensity density, int points, double maxRate = 4.0, int maxCells = 0)
    {
        if (points < 2) throw new LtcException($"a curve needs at least 2 points, got {points}");
        // High-rate step for maxRate, and a step of 4σ (rate near 0.1 bit) at the other end.
        double sigma = Math.Sqrt(density.Variance);
        double stepHi = Math.Pow(2, density.DifferentialEntropyBits - maxRate);
        double stepLo = 4 * sigma;
        var result = new List<RdPoint>();
        for (int i = 0; i < points; i++)
        {
            double step = stepLo * Math.Pow(stepHi / stepLo, (double)i / (points - 1));
            double lambda = step * step * Math.Log(2) / 6;
            result.Add(OptimalAt(density, lambda, maxCells).Point);
        }
        return RdCurve.SortByRate(result);
    }

    private static ScalarQuantizer Truncate(ScalarDensity density, ScalarQuantizer q, int maxCells)
    {
        if (q.Levels.Length <= maxCells) return q;
        var keep = Enumerable.Range(0, q.Levels.Length).OrderByDescending(i => q.Probabilities[i]).Take(maxCells).Order().ToArray();
        var y = keep.Select(i => q.Levels[i]).ToArray();
        var t = new double[y.Length + 1];
        t[0] = double.NegativeInfinity;
        t[^1] = double.PositiveInfinity;
        for (int i = 1; i < y.Length; i++) t[i] = 0.5 * (y[i - 1] + y[i]);
        return Evaluate(density, t, y);
    }

    /// <summary>
    /// The encoder for levels y and code lengths ℓ: x goes to argmin (x − yₖ)² + λℓₖ. Dropping x² this is the lower
    /// envelope of lines −2yₖx + yₖ² + λℓₖ; lines not on the envelope lose their cell.
    /// </summary>
    private static (double[] Thresholds, double[] Levels) LowerEnvelope(List<double> ys, List<double> lens, double lambda)
    {
        var order = Enumerable.Range(0, ys.Count).OrderBy(i => ys[i]).ToArray();
        var slope = new List<double>();
        var icpt = new List<double>();
        var lev = new List<double>();
        foreach (var i in order)
        {
            double a = -2 * ys[i], b = ys[i] * ys[i] + lambda * lens[i];
            if (slope.Count > 0 && a == slope[^1])
            {
                if (b >= icpt[^1]) continue;
                slope.RemoveAt(slope.Count - 1); icpt.RemoveAt(icpt.Count - 1); lev.RemoveAt(lev.Count - 1);
            }
            while (slope.Count >= 2)
            {
                int m = slope.Count;
                // Line m−1 is hidden when the new line undercuts line m−2 no later than line m−1 does.
                double xNew = (b - icpt[m - 2]) / (slope[m - 2] - a);
                double xOld = (icpt[m - 1] - icpt[m - 2]) / (slope[m - 2] - slope[m - 1]);
                if (xNew <= xOld) { slope.RemoveAt(m - 1); icpt.RemoveAt(m - 1); lev.RemoveAt(m - 1); }
                else break;
            }
            slope.Add(a); icpt.Add(b); lev.Add(ys[i]);
        }
        var t = new double[lev.Count + 1];
        t[0] = double.NegativeInfinity;
        t[^1] = double.PositiveInfinity;
        for (int k = 1; k < lev.Count; k++) t[k] = (icpt[k] - icpt[k - 1]) / (slope[k - 1] - slope[k]);
        return (t, lev.ToArray());
    }
}
