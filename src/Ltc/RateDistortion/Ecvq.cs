using System.Numerics.Tensors;

namespace Ltc.RateDistortion;

/// <summary>An entropy-constrained vector quantizer: codewords and their code lengths (bits).</summary>
public sealed class EcvqCodebook
{
    /// <summary>Creates a codebook from row-major codewords (count × dimension) and code lengths in bits.</summary>
    public EcvqCodebook(int dimension, double[] codewords, double[] lengths)
    {
        if (dimension < 1 || codewords.Length != lengths.Length * dimension)
            throw new ArgumentException("codewords must be count × dimension, with one length per codeword");
        Dimension = dimension;
        Codewords = codewords;
        Lengths = lengths;
    }

    /// <summary>The vector dimension.</summary>
    public int Dimension { get; }

    /// <summary>Codewords, row-major (count × dimension).</summary>
    public double[] Codewords { get; }

    /// <summary>Code lengths −log2 p in bits.</summary>
    public double[] Lengths { get; }

    /// <summary>Number of codewords.</summary>
    public int Count => Lengths.Length;
}

/// <summary>Settings of the ECVQ design.</summary>
/// <param name="MaxCodewords">Codebook growth stops before exceeding this size.</param>
/// <param name="Tolerance">Lloyd iterations stop when the Lagrangian improves by less than this fraction.</param>
/// <param name="MaxIterations">Lloyd iterations per growth step at most.</param>
/// <param name="Seed">Seed of the splitting perturbations.</param>
public sealed record EcvqOptions(int MaxCodewords = 4096, double Tolerance = 1e-4, int MaxIterations = 60, int Seed = 1);

/// <summary>One designed ECVQ: its codebook, training and held-out performance, and its multiplier.</summary>
/// <param name="Codebook">The codebook.</param>
/// <param name="Lambda">The multiplier λ of J = D + λR (D per scalar, R per rate unit).</param>
/// <param name="Train">Rate (mean code length on the training set, per rate unit) and MSE per scalar on training data.</param>
/// <param name="Test">The same on held-out data, with the code lengths learnt on training data.</param>
public sealed record EcvqResult(EcvqCodebook Codebook, double Lambda, RdPoint Train, RdPoint Test);

/// <summary>
/// Entropy-constrained vector quantization designed on samples by the entropy-constrained generalized Lloyd
/// algorithm of Chou, Lookabaugh and Gray (1989): encode x to argminₖ ‖x − cₖ‖² + λ'ℓₖ, move each codeword to the
/// centroid of its samples, set ℓₖ = −log2 of its frequency, drop empty cells; the codebook grows by splitting every
/// codeword while that lowers the Lagrangian.
/// </summary>
/// <remarks>
/// The encoder search computes ‖cₖ‖² + λ'ℓₖ − 2x·cₖ for all codewords at once over a transposed codebook (one fused
/// multiply-add per coordinate along spans of length K), then takes the arg-min: a brute-force search, but one that
/// runs at vector width. Rates measured on the training set overfit once the codebook is large against the sample
/// count, so results carry a held-out evaluation.
/// </remarks>
public static class Ecvq
{
    /// <summary>
    /// Designs the ECVQ for multiplier λ on <paramref name="train"/> (count × n) and evaluates it on
    /// <paramref name="test"/>. Per-vector rates are divided by <paramref name="scalarsPerRateUnit"/>: n for
    /// i.i.d. sequences (rates per scalar sample), 1 for vector sources (rates per vector). <paramref name="start"/> warm-starts the design.
    /// </summary>
    public static EcvqResult Design(double[] train, double[] test, int dimension, double lambda, int scalarsPerRateUnit,
        EcvqOptions? options = null, EcvqCodebook? start = null)
    {
        options ??= new EcvqOptions();
        int n = dimension;
        if (train.Length == 0 || train.Length % n != 0 || test.Length % n != 0)
            throw new ArgumentException("samples must be whole vectors");
        if (!(lambda > 0) || double.IsInfinity(lambda))
            throw new LtcException($"ECVQ needs a positive finite multiplier λ, got {lambda} (zero-variance data has the single point R = 0, D = 0)");
        // Per vector: ‖x − c‖² + λ·(n/spr)·ℓ is n times J = D + λR with R = ℓ/spr.
        double lv = lambda * n / scalarsPerRateUnit;
        var rng = new Random(options.Seed);
        var cb = start ?? Mean(train, n);
        var (cur, j) = Lloyd(train, n, lv, cb, options);
        int misses = 0;
        while (cur.Count < options.MaxCodewords && misses < 3)
        {
            // Splitting every codeword doubles the codebook; when that no longer pays (at low rates a symmetric split
            // costs a whole bit), a single codeword is added at a badly served sample with a long code, which lets
            // the small, improbable cells of low-rate ECVQ appear.
            bool split = cur.Count * 2 <= options.MaxCodewords && misses == 0;
            var candidate = split ? Split(cur, train, n, rng) : AddOne(cur, train, n, lv, rng);
            var (next, jn) = Lloyd(train, n, lv, candidate, options);
            if (jn < j * (1 - options.Tolerance) && next.Count > cur.Count)
            {
                cur = next;
                j = jn;
                misses = 0;
            }
            else misses++;
        }
        var trainPt = Measure(train, n, lv, cur, scalarsPerRateUnit);
        var testPt = test.Length > 0 ? Measure(test, n, lv, cur, scalarsPerRateUnit) : trainPt;
        return new EcvqResult(cur, lambda, trainPt, testPt);
    }

    /// <summary>
    /// Designs ECVQs for each λ (from the largest, i.e. the lowest rate, each warm-started from the previous
    /// codebook) and returns them in increasing rate.
    /// </summary>
    public static IReadOnlyList<EcvqResult> Sweep(double[] train, double[] test, int dimension, IEnumerable<double> lambdas,
        int scalarsPerRateUnit, EcvqOptions? options = null)
    {
        var results = new List<EcvqResult>();
        EcvqCodebook? cb = null;
        foreach (var l in lambdas.OrderDescending())
        {
            var r = Design(train, test, dimension, l, scalarsPerRateUnit, options, cb);
            cb = r.Codebook;
            results.Add(r);
        }
        return results.OrderBy(r => r.Test.Rate).ToList();
    }

    /// <summary>Rate (per rate unit) and MSE per scalar of a codebook on the samples, with the Lagrangian encoder.</summary>
    public static RdPoint Measure(double[] samples, int n, double lambdaPerVector, EcvqCodebook cb, int scalarsPerRateUnit)
    {
        var st = Assign(samples, n, lambdaPerVector, cb, accumulate: false);
        int m = samples.Length / n;
        return new RdPoint(st.Bits / m / scalarsPerRateUnit, st.Distortion / m / n);
    }

    private static EcvqCodebook Mean(double[] x, int n)
    {
        var c = new double[n];
        int m = x.Length / n;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) c[j] += x[i * n + j];
        for (int j = 0; j < n; j++) c[j] /= m;
        return new EcvqCodebook(n, c, [0.0]);
    }

    private static EcvqCodebook Split(EcvqCodebook cb, double[] x, int n, Random rng)
    {
        // Perturbations a small fraction of the data's spread, so the halves separate under the next Lloyd pass.
        double var = 0;
        int m = x.Length / n;
        for (int i = 0; i < Math.Min(m, 10000) * n; i++) var += x[i] * x[i];
        double eps = 0.01 * Math.Sqrt(var / (Math.Min(m, 10000) * n)) / Math.Sqrt(Math.Max(1, cb.Count) / 4.0 + 1);
        var c = new double[cb.Codewords.Length * 2];
        var l = new double[cb.Count * 2];
        for (int k = 0; k < cb.Count; k++)
        {
            for (int j = 0; j < n; j++)
            {
                double d = eps * (2 * rng.NextDouble() - 1);
                c[(2 * k) * n + j] = cb.Codewords[k * n + j] + d;
                c[(2 * k + 1) * n + j] = cb.Codewords[k * n + j] - d;
            }
            l[2 * k] = l[2 * k + 1] = cb.Lengths[k] + 1;
        }
        return new EcvqCodebook(n, c, l);
    }

    private static EcvqCodebook AddOne(EcvqCodebook cb, double[] x, int n, double lv, Random rng)
    {
        int m = x.Length / n;
        // The worst-served of 2 000 random samples (largest distance to its nearest codeword).
        int best = 0;
        double worst = -1;
        for (int t = 0; t < Math.Min(m, 2000); t++)
        {
            int i = rng.Next(m);
            double dmin = double.PositiveInfinity;
            for (int c = 0; c < cb.Count; c++)
            {
                double e = 0;
                for (int j = 0; j < n; j++)
                {
                    double d = x[i * n + j] - cb.Codewords[c * n + j];
                    e += d * d;
                }
                dmin = Math.Min(dmin, e);
            }
            if (dmin > worst) { worst = dmin; best = i; }
        }
        // Every sample sits on a codeword (constant or few-valued data): there is nothing to add.
        if (!(worst > 0)) return cb;
        var c2 = new double[cb.Codewords.Length + n];
        cb.Codewords.CopyTo(c2, 0);
        Array.Copy(x, best * n, c2, cb.Codewords.Length, n);
        var l2 = new double[cb.Count + 1];
        cb.Lengths.CopyTo(l2, 0);
        // A length that lets the new cell capture the samples around it that are much closer to it than to the rest.
        l2[^1] = cb.Lengths.Max() + Math.Max(1, 0.25 * worst / lv);
        return new EcvqCodebook(n, c2, l2);
    }

    private static (EcvqCodebook, double) Lloyd(double[] x, int n, double lv, EcvqCodebook cb, EcvqOptions o)
    {
        int m = x.Length / n;
        double prev = double.PositiveInfinity;
        for (int it = 0; it < o.MaxIterations; it++)
        {
            var st = Assign(x, n, lv, cb, accumulate: true);
            double j = (st.Distortion + lv * st.Bits) / m;
            // Centroids and frequencies of the non-empty cells.
            var keep = Enumerable.Range(0, cb.Count).Where(k => st.Counts![k] > 0).ToArray();
            var c = new double[keep.Length * n];
            var l = new double[keep.Length];
            for (int i = 0; i < keep.Length; i++)
            {
                int k = keep[i];
                double cnt = st.Counts![k];
                for (int d = 0; d < n; d++) c[i * n + d] = st.Sums![k * n + d] / cnt;
                l[i] = -Math.Log2(cnt / m);
            }
            cb = new EcvqCodebook(n, c, l);
            if (prev - j <= o.Tolerance * j) { prev = Math.Min(prev, j); break; }
            prev = j;
        }
        // The Lagrangian of the final codebook (the updates above can only lower it).
        var fin = Assign(x, n, lv, cb, accumulate: false);
        return (cb, (fin.Distortion + lv * fin.Bits) / m);
    }

    private sealed record AssignStats(double Distortion, double Bits, long[]? Counts, double[]? Sums);

    private static AssignStats Assign(double[] x, int n, double lv, EcvqCodebook cb, bool accumulate)
    {
        int m = x.Length / n, k = cb.Count;
        var ct = new double[n * k];
        var bias = new double[k];
        for (int c = 0; c < k; c++)
        {
            double sq = 0;
            for (int j = 0; j < n; j++)
            {
                double v = cb.Codewords[c * n + j];
                ct[j * k + c] = v;
                sq += v * v;
            }
            bias[c] = sq + lv * cb.Lengths[c];
        }
        int chunks = Math.Max(1, Math.Min(32, m / 2048));
        var dist = new double[chunks];
        var bits = new double[chunks];
        var counts = accumulate ? new long[chunks][] : null;
        var sums = accumulate ? new double[chunks][] : null;
        Parallel.For(0, chunks, ch =>
        {
            int start = (int)((long)m * ch / chunks), end = (int)((long)m * (ch + 1) / chunks);
            var score = new double[k];
            long[]? cnt = accumulate ? new long[k] : null;
            double[]? sum = accumulate ? new double[k * n] : null;
            double dl = 0, bl = 0;
            for (int i = start; i < end; i++)
            {
                var xi = x.AsSpan(i * n, n);
                bias.CopyTo(score, 0);
                for (int j = 0; j < n; j++)
                    TensorPrimitives.MultiplyAdd(ct.AsSpan(j * k, k), -2 * xi[j], score, score);
                int best = TensorPrimitives.IndexOfMin(score);
                double e = 0;
                for (int j = 0; j < n; j++)
                {
                    double t = xi[j] - cb.Codewords[best * n + j];
                    e += t * t;
                }
                dl += e;
                bl += cb.Lengths[best];
                if (accumulate)
                {
                    cnt![best]++;
                    for (int j = 0; j < n; j++) sum![best * n + j] += xi[j];
                }
            }
            dist[ch] = dl;
            bits[ch] = bl;
            if (accumulate) { counts![ch] = cnt!; sums![ch] = sum!; }
        });
        long[]? tc = null;
        double[]? ts = null;
        if (accumulate)
        {
            tc = new long[k];
            ts = new double[k * n];
            for (int ch = 0; ch < chunks; ch++)
            {
                for (int c = 0; c < k; c++) tc[c] += counts![ch][c];
                TensorPrimitives.Add(ts, sums![ch], ts);
            }
        }
        return new AssignStats(dist.Sum(), bits.Sum(), tc, ts);
    }
}
