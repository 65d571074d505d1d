namespace Ltc.Sources;

/// <summary>
/// A finite data set already split and prepared (rows row-major): draws rows with replacement in training and uses the
/// whole split for evaluation.
/// </summary>
public abstract class DataSetSource : VectorSource
{
    private readonly double[] _train;
    private readonly double[] _test;

    /// <summary>Wraps prepared train and test rows of dimension <paramref name="dimension"/>.</summary>
    protected DataSetSource(double[] train, double[] test, int dimension)
    {
        if (dimension < 1) throw new LtcException($"a data set needs vectors of dimension at least 1, got {dimension}");
        if (train.Length < dimension || test.Length < dimension || train.Length % dimension != 0 || test.Length % dimension != 0)
            throw new LtcException($"a data set needs at least one whole {dimension}-dimensional vector in each of its train and test splits");
        _train = train;
        _test = test;
        Dimension = dimension;
    }

    /// <inheritdoc/>
    public override int Dimension { get; }

    /// <inheritdoc/>
    public override bool IsSynthetic => false;

    /// <inheritdoc/>
    public override double[] Rows(SourceSplit split) => split == SourceSplit.Train ? _train : _test;

    /// <inheritdoc/>
    public override double Variance(SourceSplit split) => SourceStatistics.MeanCoordinateVariance(Rows(split), Dimension);

    /// <inheritdoc/>
    public override void Draw(Span<double> destination, SourceSplit split, Random random) =>
        SourceStatistics.DrawRows(Rows(split), Dimension, destination, random);

    /// <summary>Subtracts the per-coordinate mean of <paramref name="reference"/> from every row of each array, in place.</summary>
    protected static double[] RemoveMean(double[] reference, int dim, params double[][] targets)
    {
        int count = reference.Length / dim;
        var mean = new double[dim];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < dim; j++) mean[j] += reference[i * dim + j];
        for (int j = 0; j < dim; j++) mean[j] /= count;
        foreach (var t in targets)
            for (int i = 0; i < t.Length; i++) t[i] -= mean[i % dim];
        return mean;
    }
}

/// <summary>
/// The 16-dimensional particle-physics source ("ppzee", Yang &amp; Mandt 2022): first 8,000 rows train, last 2,000
/// test (the file is the published test split; no larger train split is available here), then the official
/// normalization with the train statistics: subtract the per-coordinate mean, divide by the standard deviation of all
/// raw entries. The result has a per-coordinate variance of about 0.70, not 1; SNRs use the split's own variance.
/// </summary>
public sealed class PhysicsSource : DataSetSource
{
    /// <summary>Rows of the train split.</summary>
    public const int TrainRows = 8000;

    /// <summary>The file inside the shared data folder.</summary>
    public const string DefaultFile = "physics/ppzee-split=test.npy";

    private PhysicsSource(string path, double[] train, double[] test) : base(train, test, 16) => Path = path;

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public override string Name => "physics";

    /// <inheritdoc/>
    public override IReadOnlyList<string> InputFiles => [Path];

    /// <summary>Loads and prepares the file at <paramref name="path"/> (default: the shared data set).</summary>
    public static PhysicsSource Load(string? path = null)
    {
        path ??= DataPaths.Resolve(DefaultFile);
        var a = IO.Npy.ReadMatrix(path);
        if (a.Shape.Length != 2 || a.Shape[1] != 16) throw new LtcException($"{path}: physics data must have 16 columns, got shape {IO.NpyArray.ShapeText(a.Shape)}");
        if (a.RowCount <= TrainRows) throw new LtcException($"{path}: physics data needs more than {TrainRows} rows, got {a.RowCount}");
        var train = a.Data[..(TrainRows * 16)];
        var test = a.Data[(TrainRows * 16)..];
        // One standard deviation over all raw train entries (about their overall mean, as np.std(x) does): it includes
        // the spread between coordinate means, which is why the prepared data has a variance of about 0.70, not 1.
        double overall = train.Average(), ss = 0;
        foreach (var v in train) ss += (v - overall) * (v - overall);
        double std = Math.Sqrt(ss / train.Length);
        if (!(std > 0)) throw new LtcException($"{path}: the first {TrainRows} rows have zero variance (every entry equal), so they cannot be normalized");
        RemoveMean(train, 16, train, test);
        for (int i = 0; i < train.Length; i++) train[i] /= std;
        for (int i = 0; i < test.Length; i++) test[i] /= std;
        return new PhysicsSource(path, train, test);
    }
}
