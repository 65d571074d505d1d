using Ltc.Coding;
using Ltc.RateDistortion;

namespace Ltc.Trellis;

/// <summary>Settings of the entropy-coded TCQ design and evaluation.</summary>
/// <param name="TrainingSamples">Samples the tables and levels are trained on (at least 1 000).</param>
/// <param name="TestSamples">Held-out samples the rate (file bits) and distortion are measured on (at least 1 000).</param>
/// <param name="SequenceLength">Samples per trellis sequence (each starts in state 0; at least 64).</param>
/// <param name="MaxIterations">Design iterations (search ↔ tables and levels) at most (1 to 1 000).</param>
/// <param name="Tolerance">The design stops when D + λR on the training set improves by less than this fraction.</param>
/// <param name="LambdaFactor">λ = LambdaFactor·Δ² for the step Δ (non-negative; 0: plain TCQ search with entropy-coded indices).</param>
/// <param name="TrainLevels">Move the levels to the centroids of their training samples (else keep Δ·(2k + u)).</param>
/// <param name="Seed">Seed of the synthetic training and test draws.</param>
/// <param name="Threads">Threads of the search (0: all cores); results do not depend on it.</param>
public sealed record EctcqOptions(
    int TrainingSamples = 100_000,
    int TestSamples = 100_000,
    int SequenceLength = 8192,
    int MaxIterations = 30,
    double Tolerance = 1e-5,
    double LambdaFactor = 0.35,
    bool TrainLevels = true,
    int Seed = 1,
    int Threads = 0)
{
    /// <summary>Checks the settings.</summary>
    /// <exception cref="LtcException">A setting is out of range.</exception>
    public void Validate()
    {
        if (TrainingSamples < 1000 || TestSamples < 1000) throw new LtcException($"ECTCQ needs at least 1000 training and 1000 test samples, got {TrainingSamples} and {TestSamples}");
        if (SequenceLength < 64) throw new LtcException($"ECTCQ sequence length must be at least 64, got {SequenceLength}");
        if (MaxIterations < 1 || MaxIterations > 1000) throw new LtcException($"ECTCQ iterations must be 1 to 1000, got {MaxIterations}");
        if (!(Tolerance >= 0) || !double.IsFinite(Tolerance)) throw new LtcException($"ECTCQ tolerance must be non-negative, got {Tolerance}");
        if (!(LambdaFactor >= 0) || !double.IsFinite(LambdaFactor)) throw new LtcException($"ECTCQ λ factor must be non-negative and finite, got {LambdaFactor}");
        if (Threads < 0) throw new LtcException($"threads must be non-negative, got {Threads}");
    }
}

/// <summary>One designed ECTCQ operating point.</summary>
/// <param name="Step">The alphabet step Δ.</param>
/// <param name="Lambda">The multiplier λ of the search cost D + λR.</param>
/// <param name="Train">Ideal rate (bits/sample under the final tables) and MSE on the training samples.</param>
/// <param name="Test">File rate (rANS block bytes × 8 per sample) and MSE on the held-out samples.</param>
/// <param name="TestIdealRate">Ideal code length of the held-out indices under the tables, bits/sample.</param>
/// <param name="Iterations">Design iterations run.</param>
/// <param name="Quantizer">The designed quantizer (levels and tables).</param>
public sealed record EctcqPoint(double Step, double Lambda, RdPoint Train, RdPoint Test, double TestIdealRate, int Iterations, TrellisQuantizer Quantizer);

/// <summary>
/// Entropy-coded trellis-coded quantization (ECTCQ) as a classical baseline: a rate-1/2 Ungerboeck trellis over the
/// alphabet Δ·ℤ (<see cref="TrellisCode"/>, <see cref="TrellisQuantizer"/>), the union index of every sample coded with
/// rANS under a table conditioned on the union codebook its state allows, tables and levels trained on data. After
/// Fischer and Wang, "Entropy-constrained trellis-coded quantization", IEEE Trans. Inf. Theory 38(2), 1992, and
/// Marcellin, "On entropy-constrained trellis coded quantization", IEEE Trans. Commun. 42(1), 1994.
/// </summary>
/// <remarks>
/// <para><b>Design</b> (a Lloyd-style descent on J = D + λR over training samples): start from the plain TCQ search
/// with the uniform codebook; then repeat: fit one table per union to the index counts (Krichevsky–Trofimov: +½ per
/// index of the observed range, the escape +½ plus escapes seen), move each level to the centroid of its samples, and
/// search again with the new tables' code lengths and levels; stop when J improves by less than the tolerance.</para>
/// <para><b>Evaluation</b>: held-out samples are quantized with the final quantizer, and the rate is the length of the
/// rANS block that codes their indices (no side information: the tables belong to the quantizer, as a codec's tables
/// belong to its model). The ideal code length is reported next to it.</para>
/// </remarks>
public static class Ectcq
{
    /// <summary>Most table entries per union (others are escaped).</summary>
    public const int MaxAlphabet = 4094;

    /// <summary>
    /// Designs an ECTCQ with step <paramref name="step"/> and multiplier <paramref name="lambda"/> on
    /// <paramref name="train"/>; returns the quantizer, the number of iterations and the final training cost.
    /// </summary>
    /// <exception cref="LtcException">Bad samples, step or options, or a step so small that a union needs more than
    /// <see cref="MaxAlphabet"/> table entries.</exception>
    public static (TrellisQuantizer Quantizer, int Iterations) Design(TrellisCode code, ReadOnlySpan<double> train, double step, double lambda, EctcqOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(code);
        options ??= new EctcqOptions();
        options.Validate();
        if (train.Length < 1) throw new LtcException("ECTCQ design needs training samples");
        if (!(step > 0) || !double.IsFinite(step)) throw new LtcException($"ECTCQ step must be positive and finite, got {step}");
        double maxAbs = 0;
        foreach (var v in train)
        {
            if (!double.IsFinite(v)) throw new LtcException("ECTCQ training samples must be finite");
            maxAbs = Math.Max(maxAbs, Math.Abs(v));
        }
        int n = train.Length, len = options.SequenceLength;
        var idx = new long[n];
        var q = new TrellisQuantizer(code, TrellisCodebook.Uniform(step, maxAbs + 4 * step));
        q.QuantizeSequences(train, idx, len, options.Threads);
        var unions = new byte[n];
        double prevJ = double.PositiveInfinity;
        int it = 0;
        while (it < options.MaxIterations)
        {
            it++;
            q.Unions(idx, unions, len);
            var (codebook, tables) = Fit(q.Codebook, train, idx, unions, options.TrainLevels);
            q = new TrellisQuantizer(code, codebook, tables, lambda);
            double j = q.QuantizeSequences(train, idx, len, options.Threads) / n;
            if (prevJ - j <= options.Tolerance * Math.Abs(j)) break;
            prevJ = j;
        }
        return (q, it);
    }

    /// <summary>
    /// Designs the ECTCQ of step Δ (λ = <see cref="EctcqOptions.LambdaFactor"/>·Δ²) on <paramref name="train"/> and
    /// measures it on <paramref name="test"/>: file rate from the rANS block, MSE, ideal rate.
    /// </summary>
    /// <exception cref="LtcException">Bad samples, step or options.</exception>
    public static EctcqPoint DesignAndEvaluate(TrellisCode code, ReadOnlySpan<double> train, ReadOnlySpan<double> test, double step, EctcqOptions? options = null)
    {
        options ??= new EctcqOptions();
        double lambda = options.LambdaFactor * step * step;
        var (q, its) = Design(code, train, step, lambda, options);
        var trainPoint = Measure(q, train, options).Ideal;
        var (ideal, fileRate, mse) = Measure(q, test, options);
        return new EctcqPoint(step, lambda, trainPoint, new RdPoint(fileRate, mse), ideal.Rate, its, q);
    }

    /// <summary>
    /// The ECTCQ curve of an i.i.d. density: <paramref name="points"/> steps from <see cref="DefaultSteps"/>, each
    /// designed on <see cref="EctcqOptions.TrainingSamples"/> draws and measured on as many fresh ones (file bits), in
    /// increasing rate. Shaped like <see cref="Ecsq.Curve"/> and <see cref="Eclq.Curve"/>.
    /// </summary>
    /// <exception cref="LtcException">Unsupported state count, fewer than 2 points, or bad options.</exception>
    public static RdPoint[] Curve(ScalarDensity density, int states, int points, double maxRate = 3.0, EctcqOptions? options = null) =>
        RdCurve.SortByRate(CurveDetailed(density, states, points, maxRate, options).Select(p => p.Test));

    /// <summary>Like <see cref="Curve"/>, with every point's design details, in the order of the steps (decreasing step).</summary>
    /// <exception cref="LtcException">Unsupported state count, fewer than 2 points, or bad options.</exception>
    public static EctcqPoint[] CurveDetailed(ScalarDensity density, int states, int points, double maxRate = 3.0, EctcqOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(density);
        options ??= new EctcqOptions();
        options.Validate();
        var code = TrellisCode.Create(states);
        var steps = DefaultSteps(density, points, maxRate);
        var (train, test) = Draw(density, options);
        return steps.Select(s => DesignAndEvaluate(code, train, test, s, options)).ToArray();
    }

    /// <summary>
    /// Steps Δ spaced geometrically from about 0.5 bit/sample (Δ = 2σ) to about <paramref name="maxRate"/> by the
    /// high-rate rule R ≈ h(X) − log2(2Δ) (the union codebooks have spacing 2Δ), largest step first.
    /// </summary>
    /// <exception cref="LtcException">Fewer than 2 points or a rate outside (0, 12].</exception>
    public static double[] DefaultSteps(ScalarDensity density, int points, double maxRate = 3.0)
    {
        ArgumentNullException.ThrowIfNull(density);
        if (points < 2) throw new LtcException($"a curve needs at least 2 points, got {points}");
        if (!(maxRate > 0) || maxRate > 12) throw new LtcException($"ECTCQ maximum rate must be in (0, 12] bits, got {maxRate}");
        double lo = 2.0 * Math.Sqrt(density.Variance);
        double hi = Math.Min(lo, Math.Pow(2, density.DifferentialEntropyBits - maxRate) / 2);
        return Enumerable.Range(0, points).Select(i => lo * Math.Pow(hi / lo, (double)i / (points - 1))).ToArray();
    }

    /// <summary>Training and test draws of the options' sizes (seeded by <see cref="EctcqOptions.Seed"/>).</summary>
    public static (double[] Train, double[] Test) Draw(ScalarDensity density, EctcqOptions options)
    {
        ArgumentNullException.ThrowIfNull(density);
        var rng = new Random(options.Seed);
        var train = new double[options.TrainingSamples];
        for (int i = 0; i < train.Length; i++) train[i] = density.Sample(rng);
        var rng2 = new Random(options.Seed * 7919 + 1_000_003);
        var test = new double[options.TestSamples];
        for (int i = 0; i < test.Length; i++) test[i] = density.Sample(rng2);
        return (train, test);
    }

    /// <summary>
    /// Quantizes <paramref name="x"/> with a designed quantizer: the ideal rate (bits/sample) and MSE, and the file
    /// rate (bytes of the rANS block × 8 per sample).
    /// </summary>
    /// <exception cref="LtcException">Bad samples, or a quantizer without tables.</exception>
    public static (RdPoint Ideal, double FileRate, double Mse) Measure(TrellisQuantizer quantizer, ReadOnlySpan<double> x, EctcqOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(quantizer);
        options ??= new EctcqOptions();
        int n = x.Length, len = options.SequenceLength;
        if (n == 0) throw new LtcException("ECTCQ measurement needs samples");
        var idx = new long[n];
        quantizer.QuantizeSequences(x, idx, len, options.Threads);
        var y = new double[n];
        quantizer.Reconstruct(idx, y, len);
        double se = 0;
        for (int i = 0; i < n; i++) se += (x[i] - y[i]) * (x[i] - y[i]);
        double mse = se / n;
        double bits = quantizer.CodeLength(idx, len);
        var block = quantizer.Encode(idx, len);
        return (new RdPoint(bits / n, mse), 8.0 * block.Length / n, mse);
    }

    /// <summary>
    /// One fitting step: per union, the table of the observed index range with Krichevsky–Trofimov counts, and (when
    /// <paramref name="trainLevels"/>) the levels moved to the centroids of their samples; levels without samples keep
    /// their previous value.
    /// </summary>
    internal static (TrellisCodebook Codebook, IntegerTable[] Tables) Fit(TrellisCodebook old, ReadOnlySpan<double> x, ReadOnlySpan<long> idx, ReadOnlySpan<byte> unions, bool trainLevels)
    {
        var lo = new long[] { long.MaxValue, long.MaxValue };
        var hi = new long[] { long.MinValue, long.MinValue };
        for (int t = 0; t < idx.Length; t++)
        {
            int u = unions[t];
            lo[u] = Math.Min(lo[u], idx[t]);
            hi[u] = Math.Max(hi[u], idx[t]);
        }
        var tables = new IntegerTable[2];
        var levels = new double[2][];
        var counts = new double[2][];
        var sums = new double[2][];
        for (int u = 0; u < 2; u++)
        {
            if (lo[u] > hi[u]) lo[u] = hi[u] = 0; // union never visited: a one-entry table
            if (hi[u] - lo[u] + 1 > MaxAlphabet)
            {
                // Keep the most central entries; the rest is escaped.
                long mid = (lo[u] + hi[u]) / 2;
                lo[u] = mid - MaxAlphabet / 2;
                hi[u] = lo[u] + MaxAlphabet - 1;
            }
            int m = (int)(hi[u] - lo[u] + 1);
            counts[u] = new double[m];
            sums[u] = new double[m];
        }
        var escapes = new double[2];
        for (int t = 0; t < idx.Length; t++)
        {
            int u = unions[t];
            long i = idx[t] - lo[u];
            if ((ulong)i < (ulong)counts[u].Length)
            {
                counts[u][i]++;
                sums[u][i] += x[t];
            }
            else escapes[u]++;
        }
        for (int u = 0; u < 2; u++)
        {
            int m = counts[u].Length;
            var pmf = new double[m];
            levels[u] = new double[m];
            for (int i = 0; i < m; i++)
            {
                pmf[i] = counts[u][i] + 0.5;
                long k = lo[u] + i;
                levels[u][i] = trainLevels && counts[u][i] > 0 ? sums[u][i] / counts[u][i] : old.Level(u, k);
            }
            tables[u] = IntegerTable.FromProbabilities(lo[u], pmf, escapes[u] + 0.5);
        }
        return (new TrellisCodebook(old.Step, lo[0], levels[0], lo[1], levels[1]), tables);
    }
}
