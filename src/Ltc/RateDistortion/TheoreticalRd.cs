using MathNet.Numerics.LinearAlgebra;

namespace Ltc.RateDistortion;

/// <summary>Closed-form rate-distortion functions and bounds (rates in bits).</summary>
public static class TheoreticalRd
{
    /// <summary>
    /// R(D) of a memoryless Gaussian of variance σ² under squared error: max(0, ½·log2(σ²/D)) bits/sample; 0 whenever
    /// D ≥ σ² (so a zero-variance source has R = 0 at D = 0).
    /// </summary>
    public static double GaussianRate(double distortion, double variance = 1.0)
    {
        if (distortion >= variance) return 0;
        if (!(distortion > 0)) return double.PositiveInfinity;
        return Math.Max(0, 0.5 * Math.Log2(variance / distortion));
    }

    /// <summary>D(R) of a memoryless Gaussian: σ²·2^{−2R}.</summary>
    public static double GaussianDistortion(double rate, double variance = 1.0) => variance * Math.Pow(2, -2 * Math.Max(rate, 0));

    /// <summary>
    /// Reverse water-filling for a Gaussian vector with covariance eigenvalues <paramref name="eigenvalues"/> at
    /// water level θ: D = (1/n)·Σ min(θ, λᵢ) per component and R = Σ max(0, ½·log2(λᵢ/θ)) bits per vector.
    /// </summary>
    public static RdPoint ReverseWaterFillingAtLevel(ReadOnlySpan<double> eigenvalues, double theta)
    {
        double d = 0, r = 0;
        foreach (var l in eigenvalues)
        {
            d += Math.Min(theta, l);
            if (l > theta) r += 0.5 * Math.Log2(l / theta);
        }
        return new RdPoint(r, d / eigenvalues.Length);
    }

    /// <summary>
    /// The eigenvalues of the covariance of <paramref name="samples"/> (rows of <paramref name="dimension"/> values,
    /// more rows than dimensions), normalized by the row count as the per-coordinate variance of a split is, so that
    /// their mean is that variance; in no particular order, negative round-off clamped to 0.
    /// </summary>
    /// <exception cref="LtcException">No more rows than dimensions (the covariance would be singular and its
    /// R(D) far too optimistic), or a length that is not a whole number of rows.</exception>
    public static double[] CovarianceEigenvalues(ReadOnlySpan<double> samples, int dimension)
    {
        if (dimension < 1 || samples.Length % dimension != 0 || samples.Length / dimension <= dimension)
            throw new LtcException($"a full-rank covariance of {dimension} dimensions needs more than {dimension} rows, got {samples.Length / Math.Max(1, dimension)}");
        int rows = samples.Length / dimension;
        var m = Matrix<double>.Build.Dense(rows, dimension);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < dimension; j++) m[i, j] = samples[i * dimension + j];
        var means = m.ColumnSums() / rows;
        var centered = m - Matrix<double>.Build.Dense(rows, dimension, (_, j) => means[j]);
        var cov = centered.TransposeThisAndMultiply(centered) / rows;
        return [.. cov.Evd(Symmetricity.Symmetric).EigenValues.Select(c => Math.Max(c.Real, 0))];
    }

    /// <summary>
    /// The point of the Gaussian vector's R(D) curve (eigenvalues <paramref name="eigenvalues"/>) at
    /// <paramref name="rate"/> bits per vector: the water level θ found by bisection (R is decreasing in θ), the
    /// distortion per component there. Rate 0 gives D = the mean eigenvalue.
    /// </summary>
    public static RdPoint GaussianVectorPointAtRate(ReadOnlySpan<double> eigenvalues, double rate)
    {
        double hi = 0;
        foreach (var l in eigenvalues) hi = Math.Max(hi, l);
        if (!(rate > 0)) return ReverseWaterFillingAtLevel(eigenvalues, hi);
        double lo = 0;
        for (int it = 0; it < 200; it++)
        {
            double mid = 0.5 * (lo + hi);
            if (ReverseWaterFillingAtLevel(eigenvalues, mid).Rate > rate) lo = mid;
            else hi = mid;
        }
        return ReverseWaterFillingAtLevel(eigenvalues, 0.5 * (lo + hi)) with { Rate = rate };
    }

    /// <summary>
    /// R(D) in bits per vector of a Gaussian vector with the given covariance at distortion D (MSE per component),
    /// by reverse water-filling on the eigenvalues (water level found by bisection).
    /// </summary>
    public static double GaussianVectorRate(Matrix<double> covariance, double distortion)
    {
        var ev = covariance.Evd(Symmetricity.Symmetric).EigenValues.Select(c => Math.Max(c.Real, 0)).ToArray();
        return GaussianVectorRate(ev, distortion);
    }

    /// <summary>R(D) in bits per vector for covariance eigenvalues <paramref name="eigenvalues"/> (see the matrix overload).</summary>
    public static double GaussianVectorRate(ReadOnlySpan<double> eigenvalues, double distortion)
    {
        int n = eigenvalues.Length;
        double mean = 0;
        foreach (var l in eigenvalues) mean += l;
        mean /= n;
        if (distortion >= mean) return 0;
        if (!(distortion > 0)) return double.PositiveInfinity;
        double lo = 0, hi = 0;
        foreach (var l in eigenvalues) hi = Math.Max(hi, l);
        for (int it = 0; it < 200; it++)
        {
            double mid = 0.5 * (lo + hi);
            if (ReverseWaterFillingAtLevel(eigenvalues, mid).Distortion < distortion) lo = mid;
            else hi = mid;
        }
        return ReverseWaterFillingAtLevel(eigenvalues, 0.5 * (lo + hi)).Rate;
    }

    /// <summary>
    /// The Shannon lower bound under squared error for a source of dimension n with differential entropy h (bits per
    /// vector): R(D) ≥ h − (n/2)·log2(2πe·D) bits per vector, D the MSE per component (clamped at 0). A degenerate
    /// source (h = −∞, e.g. constant data) gives 0; D = 0 with a finite h gives +∞.
    /// </summary>
    public static double ShannonLowerBound(double differentialEntropyBits, int dimension, double distortion)
    {
        if (double.IsNegativeInfinity(differentialEntropyBits)) return 0;
        if (!(distortion > 0)) return double.PositiveInfinity;
        return Math.Max(0, differentialEntropyBits - 0.5 * dimension * Math.Log2(2 * Math.PI * Math.E * distortion));
    }

    /// <summary>
    /// R(D) of a Laplace source of scale β under absolute error E|X − X̂| ≤ D: log2(β/D) for 0 &lt; D ≤ β, else 0
    /// (Berger 1971).
    /// </summary>
    public static double LaplaceAbsoluteErrorRate(double distortion, double scale = 1.0)
    {
        if (!(distortion > 0)) return double.PositiveInfinity;
        return distortion >= scale ? 0 : Math.Log2(scale / distortion);
    }

    /// <summary>
    /// A differential-entropy estimate (bits per vector) from samples (count × dim, dim 1 or 2) by a histogram with
    /// <paramref name="binsPerAxis"/> bins per axis: the plug-in entropy of the bins plus log2 of the bin volume.
    /// Samples that do not spread along some axis (constant data, a single sample) have no density: −∞.
    /// </summary>
    public static double HistogramDifferentialEntropy(ReadOnlySpan<double> samples, int dimension, int binsPerAxis)
    {
        var h = Histogram.Build(samples, dimension, binsPerAxis);
        if (h.Degenerate) return double.NegativeInfinity;
        double ent = 0;
        foreach (var p in h.Probabilities) if (p > 0) ent -= p * Math.Log2(p);
        return ent + Math.Log2(h.CellVolume);
    }
}
