using System.Numerics.Tensors;

namespace Ltc.RateDistortion;

/// <summary>The outcome of one Blahut–Arimoto run at a fixed slope.</summary>
/// <param name="Point">Rate (bits per source letter) and expected distortion of the final test channel.</param>
/// <param name="Slope">The slope parameter β (nats per unit distortion): the curve's slope is −β/ln 2 bits per unit.</param>
/// <param name="Iterations">Iterations until the stopping rule held.</param>
/// <param name="GapBits">Final gap between Blahut's upper and lower bounds on the Lagrangian, in bits.</param>
/// <param name="Output">The output distribution q(y) over the reproduction alphabet.</param>
public sealed record BlahutArimotoResult(RdPoint Point, double Slope, int Iterations, double GapBits, double[] Output);

/// <summary>
/// The Blahut–Arimoto algorithm (Blahut 1972) for the rate-distortion function of a discrete source p(x) with a
/// finite reproduction alphabet and distortion d(x, y). Continuous sources are handled through a discretization
/// (<see cref="ForDensity"/>, <see cref="ForHistogram"/>).
/// </summary>
/// <remarks>
/// For slope β the iteration is q ← q·c with c(y) = Σₓ p(x)e^{−βd(x,y)}/Σ_y' q(y')e^{−βd(x,y')}. It stops when the
/// Lagrangian I + βD of the current test channel changes by less than the tolerance from one iteration to the next.
/// Blahut's bound gap max_y ln c(y) − Σ_y q(y) ln c(y) is reported too, but not used to stop: on discretized
/// continuous sources it is dominated by tail letters of negligible probability and shrinks far more slowly than
/// the rate and distortion settle.
/// Each iteration is two matrix–vector products over the |X|×|Y| kernel e^{−βd}, vectorized with TensorPrimitives.
/// </remarks>
public sealed class BlahutArimoto
{
    private readonly double[] _p;
    private readonly double[] _d;
    private readonly int _nx;
    private readonly int _ny;

    /// <summary>
    /// Creates the problem: source probabilities <paramref name="sourceProbabilities"/> (|X|, summing to 1) and a
    /// row-major distortion matrix <paramref name="distortion"/> (|X| × |Y|).
    /// </summary>
    public BlahutArimoto(double[] sourceProbabilities, double[] distortion, int reproductionCount)
    {
        ArgumentNullException.ThrowIfNull(sourceProbabilities);
        ArgumentNullException.ThrowIfNull(distortion);
        if (reproductionCount < 1 || distortion.Length != sourceProbabilities.Length * reproductionCount)
            throw new ArgumentException("distortion matrix must be |X| × |Y|");
        // Letters of probability zero do not change the curve; dropping them shrinks the kernel.
        var keep = Enumerable.Range(0, sourceProbabilities.Length).Where(i => sourceProbabilities[i] > 0).ToArray();
        double total = keep.Sum(i => sourceProbabilities[i]);
        _nx = keep.Length;
        _ny = reproductionCount;
        _p = keep.Select(i => sourceProbabilities[i] / total).ToArray();
        _d = new double[_nx * _ny];
        for (int r = 0; r < _nx; r++)
            Array.Copy(distortion, keep[r] * _ny, _d, r * _ny, _ny);
    }

    /// <summary>Source letters with positive probability.</summary>
    public int SourceCount => _nx;

    /// <summary>Reproduction letters.</summary>
    public int ReproductionCount => _ny;

    /// <summary>
    /// A scalar density discretized on the grid of step <paramref name="step"/> over ±<paramref name="halfWidth"/>:
    /// each source letter carries the exact mass of its grid cell, the reproduction alphabet is the same grid, and
    /// the distortion is squared error.
    /// </summary>
    public static BlahutArimoto ForDensity(ScalarDensity density, double step, double halfWidth)
    {
        int cells = (int)Math.Ceiling(2 * halfWidth / step);
        var centres = new double[cells];
        var p = new double[cells];
        double lo = -cells * step / 2;
        for (int i = 0; i < cells; i++)
        {
            double a = lo + i * step, b = a + step;
            centres[i] = a + step / 2;
            p[i] = density.PartialMoments(i == 0 ? double.NegativeInfinity : a, i == cells - 1 ? double.PositiveInfinity : b).M0;
        }
        var d = new double[cells * cells];
        for (int i = 0; i < cells; i++)
            for (int j = 0; j < cells; j++)
            {
                double e = centres[i] - centres[j];
                d[i * cells + j] = e * e;
            }
        return new BlahutArimoto(p, d, cells);
    }

    /// <summary>
    /// A histogram as the source, its cell centres as the reproduction alphabet, squared error per coordinate
    /// (‖x − y‖²/dim) as distortion; rates are per vector.
    /// </summary>
    public static BlahutArimoto ForHistogram(Histogram histogram)
    {
        int n = histogram.CellCount, dim = histogram.Dimension;
        var c = new double[n * dim];
        for (int i = 0; i < n; i++) histogram.Centre(i, c.AsSpan(i * dim, dim));
        var d = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            if (histogram.Probabilities[i] == 0) continue;
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < dim; k++)
                {
                    double e = c[i * dim + k] - c[j * dim + k];
                    s += e * e;
                }
                d[i * n + j] = s / dim;
            }
        }
        return new BlahutArimoto(histogram.Probabilities, d, n);
    }

    /// <summary>
    /// Runs the iteration at slope β ≥ 0 until the Lagrangian I + βD (in bits) changes by less than
    /// <paramref name="toleranceBits"/> in one iteration or
    /// <paramref name="maxIterations"/> is reached. <paramref name="start"/> (an output distribution, e.g. from the
    /// previous slope of a sweep) speeds up convergence; zero entries are lifted so no letter is excluded for good.
    /// </summary>
    public BlahutArimotoResult Solve(double slope, double toleranceBits = 1e-8, int maxIterations = 20000, double[]? start = null)
    {
        if (!(slope >= 0) || double.IsInfinity(slope)) throw new ArgumentOutOfRangeException(nameof(slope));
        int nx = _nx, ny = _ny;
        var kernel = new double[_d.Length];
        TensorPrimitives.Multiply(_d, -slope, kernel);
        TensorPrimitives.Exp(kernel, kernel);
        var q = new double[ny];
        if (start != null && start.Length == ny)
        {
            // Mixing in a little of the uniform distribution keeps every letter alive.
            for (int j = 0; j < ny; j++) q[j] = 0.999 * start[j] + 0.001 / ny;
        }
        else Array.Fill(q, 1.0 / ny);
        var active = Enumerable.Range(0, ny).ToArray();
        int na = ny;
        var z = new double[nx];
        var w = new double[nx];
        var c = new double[ny];
        var logc = new double[ny];
        double tol = toleranceBits * Math.Log(2);
        double gap = double.PositiveInfinity, prevF = double.PositiveInfinity;
        int it = 0;
        while (it < maxIterations)
        {
            it++;
            double f = Step(kernel, na, q, z, w, c);
            TensorPrimitives.Log(c.AsSpan(0, na), logc.AsSpan(0, na));
            double max = double.NegativeInfinity, mean = 0;
            for (int j = 0; j < na; j++)
            {
                if (q[j] <= 0) continue;
                max = Math.Max(max, logc[j]);
                mean += q[j] * logc[j];
            }
            gap = max - mean;
            var qa = q.AsSpan(0, na);
            TensorPrimitives.Multiply(qa, c.AsSpan(0, na), qa);
            TensorPrimitives.Divide(qa, TensorPrimitives.Sum(qa), qa);
            if (Math.Abs(prevF - f) < tol) break;
            prevF = f;
            // Letters whose output probability has collapsed cost as much per iteration as live ones; once a fifth
            // of them are below 1e-15 of the largest, the kernel is compacted to the live columns.
            if (it % 25 == 0)
            {
                double cut = 1e-15 * TensorPrimitives.Max(qa);
                int dead = 0;
                for (int j = 0; j < na; j++) if (q[j] < cut) dead++;
                if (dead > na / 5) na = Compact(kernel, ref active, na, q, cut);
            }
        }
        // Rate and distortion of the test channel Q(y|x) = q(y)k(x,y)/Z(x) for the final q.
        double dist = 0, lnZ = 0;
        for (int x = 0; x < nx; x++)
        {
            var row = kernel.AsSpan(x * na, na);
            double zx = TensorPrimitives.Dot(row, q.AsSpan(0, na));
            double dx = 0;
            int drow = x * ny;
            for (int j = 0; j < na; j++) dx += q[j] * row[j] * _d[drow + active[j]];
            dist += _p[x] * dx / zx;
            lnZ += _p[x] * Math.Log(zx);
        }
        double rateNats = -slope * dist - lnZ;
        var full = new double[ny];
        for (int j = 0; j < na; j++) full[active[j]] = q[j];
        return new BlahutArimotoResult(new RdPoint(Math.Max(rateNats, 0) / Math.Log(2), dist), slope, it, gap / Math.Log(2), full);
    }

    // Keeps the columns with q ≥ cut: the kernel is rewritten in place as nx × (new count), q renormalized.
    private int Compact(double[] kernel, ref int[] active, int na, double[] q, double cut)
    {
        var keep = new List<int>(na);
        for (int j = 0; j < na; j++) if (q[j] >= cut) keep.Add(j);
        int nn = keep.Count;
        for (int x = 0; x < _nx; x++)
        {
            int src = x * na, dst = x * nn;
            for (int k = 0; k < nn; k++) kernel[dst + k] = kernel[src + keep[k]];
        }
        var newActive = new int[nn];
        double sum = 0;
        for (int k = 0; k < nn; k++)
        {
            newActive[k] = active[keep[k]];
            q[k] = q[keep[k]];
            sum += q[k];
        }
        for (int k = 0; k < nn; k++) q[k] /= sum;
        active = newActive;
        return nn;
    }

    /// <summary>
    /// Traces the curve over the given slopes (sorted increasing, each run warm-started from the previous one) and
    /// returns the points in increasing rate.
    /// </summary>
    public IReadOnlyList<BlahutArimotoResult> Sweep(IEnumerable<double> slopes, double toleranceBits = 1e-8, int maxIterations = 20000)
    {
        var results = new List<BlahutArimotoResult>();
        double[]? q = null;
        foreach (var s in slopes.Order())
        {
            var r = Solve(s, toleranceBits, maxIterations, q);
            q = r.Output;
            results.Add(r);
        }
        return results;
    }

    /// <summary>
    /// The rate-distortion curve of a scalar density under squared error at the given slopes (in any order; returned
    /// in increasing rate), each solved on its own uniform grid over ±<paramref name="halfWidth"/>: step
    /// min(<paramref name="maxStep"/>, √D/4) with D = 1/(2β) the distortion the slope aims at, so the grid is as fine
    /// as that point needs and no finer. The kernel e^{−β(x−y)²} is applied as a convolution truncated where it falls
    /// below e^{−40} (about 36 taps either side), so memory is O(N) and an iteration O(N·36) for N grid letters: the
    /// curve reaches 16 bits (N ≈ 3·10⁶ for a unit Gaussian) where the dense |X|×|Y| kernel of <see cref="ForDensity"/>
    /// would need terabytes. Each point is warm-started from the previous one's output distribution.
    /// </summary>
    public static IReadOnlyList<BlahutArimotoResult> ScalarSweep(ScalarDensity density, IEnumerable<double> slopes,
        double maxStep, double halfWidth, double toleranceBits = 1e-8, int maxIterations = 50000)
    {
        ArgumentNullException.ThrowIfNull(density);
        if (!(maxStep > 0) || !(halfWidth > 0) || double.IsInfinity(halfWidth))
            throw new ArgumentOutOfRangeException(nameof(maxStep), "grid step and half-width must be positive and finite");
        var results = new List<BlahutArimotoResult>();
        (double Lo, double Step, double[] Q)? prev = null;
        foreach (var slope in slopes.Order())
        {
            if (!(slope > 0) || double.IsInfinity(slope)) throw new ArgumentOutOfRangeException(nameof(slopes), "slopes must be positive and finite");
            double step = Math.Min(maxStep, Math.Sqrt(1 / (2 * slope)) / 4);
            long cells = (long)Math.Ceiling(2 * halfWidth / step);
            if (cells > 1 << 24)
                throw new LtcException($"Blahut–Arimoto at slope {slope:G3} needs {cells} grid letters (more than {1 << 24}): the rate is too high for this source");
            var r = SolveScalar(density, slope, step, (int)cells, toleranceBits, maxIterations, prev);
            prev = (-(int)cells * step / 2, step, r.Output);
            results.Add(r);
        }
        return results.OrderBy(r => r.Point.Rate).ToList();
    }

    // One slope on the grid of `cells` letters of width `step` centred on 0, kernel applied by convolution.
    private static BlahutArimotoResult SolveScalar(ScalarDensity density, double slope, double step, int cells,
        double toleranceBits, int maxIterations, (double Lo, double Step, double[] Q)? start)
    {
        int n = cells;
        double lo = -n * step / 2;
        var p = new double[n];
        for (int i = 0; i < n; i++)
        {
            double a = lo + i * step, b = a + step;
            p[i] = density.PartialMoments(i == 0 ? double.NegativeInfinity : a, i == n - 1 ? double.PositiveInfinity : b).M0;
        }
        TensorPrimitives.Divide(p, TensorPrimitives.Sum(p), p);
        int w = (int)Math.Min(n - 1, Math.Ceiling(Math.Sqrt(40 / slope) / step));
        var taps = new double[w + 1];
        var dtaps = new double[w + 1];
        for (int t = 0; t <= w; t++)
        {
            double d = t * step * (t * step);
            taps[t] = Math.Exp(-slope * d);
            dtaps[t] = taps[t] * d;
        }
        var q = new double[n];
        if (start is { } s0)
        {
            // The previous output distribution as a density, interpolated at this grid's centres.
            var (plo, pstep, pq) = s0;
            for (int j = 0; j < n; j++)
            {
                double u = (lo + (j + 0.5) * step - plo) / pstep - 0.5;
                int k = (int)Math.Floor(u);
                double f = u - k;
                double a = k >= 0 && k < pq.Length ? pq[k] : 0, b = k + 1 >= 0 && k + 1 < pq.Length ? pq[k + 1] : 0;
                q[j] = Math.Max(0, (1 - f) * a + f * b) * step / pstep;
            }
            double total = TensorPrimitives.Sum(q);
            for (int j = 0; j < n; j++) q[j] = (total > 0 ? 0.999 * q[j] / total : 0) + 0.001 / n;
        }
        else Array.Fill(q, 1.0 / n);
        var z = new double[n];
        var v = new double[n];
        var c = new double[n];
        double tol = toleranceBits * Math.Log(2);
        double prevF = double.PositiveInfinity, gap = double.PositiveInfinity;
        int it = 0;
        while (it < maxIterations)
        {
            it++;
            Convolve(q, z, taps);
            double f = 0;
            for (int x = 0; x < n; x++)
            {
                if (z[x] > 0)
                {
                    v[x] = p[x] / z[x];
                    if (p[x] > 0) f -= p[x] * Math.Log(z[x]);
                }
                else v[x] = 0;
            }
            Convolve(v, c, taps);
            double max = double.NegativeInfinity, mean = 0;
            for (int j = 0; j < n; j++)
            {
                if (!(c[j] > 0)) continue;
                double l = Math.Log(c[j]);
                max = Math.Max(max, l);
                mean += q[j] * l;
            }
            gap = max - mean;
            TensorPrimitives.Multiply(q, c, q);
            TensorPrimitives.Divide(q, TensorPrimitives.Sum(q), q);
            TensorPrimitives.Max(q, 1e-300, q);
            if (Math.Abs(prevF - f) < tol) break;
            prevF = f;
        }
        Convolve(q, z, taps);
        Convolve(q, v, dtaps);
        double dist = 0, lnZ = 0;
        for (int x = 0; x < n; x++)
        {
            if (p[x] == 0 || !(z[x] > 0)) continue;
            dist += p[x] * v[x] / z[x];
            lnZ += p[x] * Math.Log(z[x]);
        }
        double rateNats = -slope * dist - lnZ;
        return new BlahutArimotoResult(new RdPoint(Math.Max(rateNats, 0) / Math.Log(2), dist), slope, it, gap / Math.Log(2), q);
    }

    // output[i] = Σ_{|t|≤w} taps[|t|]·input[i + t] (zero outside), for a symmetric kernel given by taps[0..w].
    private static void Convolve(ReadOnlySpan<double> input, Span<double> output, ReadOnlySpan<double> taps)
    {
        int n = input.Length;
        TensorPrimitives.Multiply(input, taps[0], output);
        for (int t = 1; t < taps.Length && t < n; t++)
        {
            var lowOut = output[..(n - t)];
            TensorPrimitives.MultiplyAdd(input[t..], taps[t], lowOut, lowOut);
            var highOut = output[t..];
            TensorPrimitives.MultiplyAdd(input[..(n - t)], taps[t], highOut, highOut);
        }
    }

    // One update of c; returns −Σₓ p(x) ln Z(x), which is min over channels of I + βD for the output q (nats).
    private double Step(double[] kernel, int ny, double[] q, double[] z, double[] w, double[] c)
    {
        int nx = _nx;
        var qa = q.AsSpan(0, ny);
        var ca = c.AsSpan(0, ny);
        double f = 0;
        for (int x = 0; x < nx; x++)
        {
            z[x] = TensorPrimitives.Dot(kernel.AsSpan(x * ny, ny), qa);
            w[x] = z[x] > 0 ? _p[x] / z[x] : 0;
            if (z[x] > 0) f -= _p[x] * Math.Log(z[x]);
        }
        ca.Clear();
        for (int x = 0; x < nx; x++)
        {
            if (w[x] == 0) continue;
            TensorPrimitives.MultiplyAdd(kernel.AsSpan(x * ny, ny), w[x], ca, ca);
        }
        return f;
    }
}
