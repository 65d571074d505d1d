namespace Ltc.Sources;

/// <summary>
/// A data set whose test split is cut down to a fixed, evenly spaced subset of its rows (row ⌊i·n/k⌋ for i = 0..k−1),
/// so that an evaluation of a large test split takes a fraction of the time and still spans all of it (every
/// recording of a speech test split, say); the training split is the whole data set's.
/// </summary>
public sealed class TestSubsetSource : VectorSource
{
    private readonly VectorSource _inner;
    private readonly double[] _test;

    /// <summary>Keeps <paramref name="rows"/> evenly spaced rows of <paramref name="inner"/>'s test split (all of them if it has fewer).</summary>
    /// <exception cref="ArgumentException"><paramref name="inner"/> is not a data set (it has no rows), or <paramref name="rows"/> is not positive.</exception>
    public TestSubsetSource(VectorSource inner, int rows)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        _inner = inner;
        var all = inner.Rows(SourceSplit.Test) ?? throw new ArgumentException("a data set is needed", nameof(inner));
        int d = inner.Dimension, n = all.Length / d, take = Math.Min(rows, n);
        _test = new double[take * d];
        for (int i = 0; i < take; i++) all.AsSpan((int)((long)i * n / take) * d, d).CopyTo(_test.AsSpan(i * d));
    }

    /// <inheritdoc/>
    public override string Name => _inner.Name;
    /// <inheritdoc/>
    public override int Dimension => _inner.Dimension;
    /// <inheritdoc/>
    public override int ScalarsPerSample => _inner.ScalarsPerSample;
    /// <inheritdoc/>
    public override string RateUnit => _inner.RateUnit;
    /// <inheritdoc/>
    public override bool IsSynthetic => false;
    /// <inheritdoc/>
    public override IReadOnlyList<string> Warnings => _inner.Warnings;
    /// <inheritdoc/>
    public override IReadOnlyList<string> InputFiles => _inner.InputFiles;

    /// <inheritdoc/>
    public override double Variance(SourceSplit split) =>
        split == SourceSplit.Test ? SourceStatistics.MeanCoordinateVariance(_test, Dimension) : _inner.Variance(split);

    /// <inheritdoc/>
    public override void Draw(Span<double> destination, SourceSplit split, Random random)
    {
        if (split == SourceSplit.Test) SourceStatistics.DrawRows(_test, Dimension, destination, random);
        else _inner.Draw(destination, split, random);
    }

    /// <inheritdoc/>
    public override double[] Rows(SourceSplit split) => split == SourceSplit.Test ? _test : _inner.Rows(split)!;
}
