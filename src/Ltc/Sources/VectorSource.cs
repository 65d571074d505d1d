namespace Ltc.Sources;

/// <summary>Which part of a source to draw from: training data, or held-out test data.</summary>
public enum SourceSplit
{
    /// <summary>Training data (for synthetic sources: draws from the training seed).</summary>
    Train,
    /// <summary>Held-out data (for synthetic sources: draws from a seed disjoint from training).</summary>
    Test,
}

/// <summary>
/// A source of real vectors of a fixed dimension: either synthetic (an endless seeded stream of i.i.d. draws) or a
/// finite data set with train and test splits.
/// </summary>
/// <remarks>
/// For an i.i.d. scalar sequence of length n (Gaussian, Laplace) one "vector" is n consecutive samples, so rates per
/// vector divide by n to give bits per scalar sample; <see cref="ScalarsPerSample"/> says how to report rates.
/// </remarks>
public abstract class VectorSource
{
    /// <summary>The name as written on the command line, e.g. <c>gaussian</c> or <c>npy:data.npy</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The dimension of one vector.</summary>
    public abstract int Dimension { get; }

    /// <summary>
    /// How many scalars one rate unit covers: the dimension for i.i.d. scalar sequences (rates reported in bits per
    /// scalar sample), 1 for vector sources (rates reported in bits per vector).
    /// </summary>
    public virtual int ScalarsPerSample => 1;

    /// <summary>The unit in which rates of this source are reported, e.g. "bits/sample" or "bits/vector".</summary>
    public virtual string RateUnit => "bits/vector";

    /// <summary>How <paramref name="count"/> test vectors of this source read in a report, e.g. "4096 test vectors"
    /// (a block source says how many of the inner vectors its blocks hold).</summary>
    public virtual string DescribeTestCount(long count) => $"{count} test vectors";

    /// <summary>True for endless seeded streams, false for finite data sets.</summary>
    public abstract bool IsSynthetic { get; }

    /// <summary>
    /// Per-coordinate variance σ² of the data (averaged over coordinates), used for SNR = 10·log10(σ²/D).
    /// For synthetic sources the true variance; for data sets the variance of the given split after preparation.
    /// </summary>
    public abstract double Variance(SourceSplit split);

    /// <summary>
    /// Fills <paramref name="destination"/> (count × <see cref="Dimension"/>, row-major) with vectors: fresh i.i.d. draws
    /// for synthetic sources, rows drawn uniformly with replacement from the split for data sets.
    /// </summary>
    public abstract void Draw(Span<double> destination, SourceSplit split, Random random);

    /// <summary>
    /// All rows of a finite data set's split (count × dim, row-major), or null for synthetic sources.
    /// </summary>
    public virtual double[]? Rows(SourceSplit split) => null;

    /// <summary>
    /// One-line notes about the data that a command should show on stderr (as <c>ltc: warning: ...</c>): files that were
    /// skipped and why, files read only in part. Empty for most sources; the library never prints them itself.
    /// </summary>
    public virtual IReadOnlyList<string> Warnings => [];

    /// <summary>The files this source was read from (none for synthetic sources), so that a command can refuse to
    /// write its output over one of them.</summary>
    public virtual IReadOnlyList<string> InputFiles => [];

    /// <summary>
    /// A deterministic sample for evaluation: the whole split of a data set, or <paramref name="count"/> draws from a
    /// seed derived from <paramref name="seed"/> and the split for synthetic sources.
    /// </summary>
    public double[] Sample(SourceSplit split, int count, int seed)
    {
        var rows = Rows(split);
        if (rows != null) return rows;
        var data = new double[checked(count * Dimension)];
        // HashCode.Combine is randomized per process, so the split's stream is derived with a fixed mix instead.
        Draw(data, split, new Random(Seeds.Split(seed, split)));
        return data;
    }
}
