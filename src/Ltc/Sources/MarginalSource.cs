namespace Ltc.Sources;

/// <summary>
/// The marginal of a source on some of its coordinates, e.g. a 1-d or 2-d histogram's worth of a larger vector (the
/// Blahut–Arimoto and Shannon-lower-bound baselines run on 1 or 2 dimensions only).
/// </summary>
public sealed class MarginalSource : VectorSource
{
    private readonly VectorSource _inner;
    private readonly int[] _cols;
    private readonly double[]?[] _rows = new double[]?[2];

    /// <summary>The marginal of <paramref name="inner"/> on <paramref name="columns"/> (distinct, in 0..dim − 1, in that order).</summary>
    /// <exception cref="LtcException">A column is out of range or repeated, or none is given.</exception>
    public MarginalSource(VectorSource inner, IReadOnlyList<int> columns)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0) throw new LtcException($"the marginal of {inner.Name} needs at least one coordinate");
        foreach (int c in columns)
            if (c < 0 || c >= inner.Dimension) throw new LtcException($"{c} is not a coordinate of {inner.Name} (0..{inner.Dimension - 1})");
        if (columns.Distinct().Count() != columns.Count) throw new LtcException("repeated coordinate");
        _inner = inner;
        _cols = [.. columns];
    }

    /// <summary>
    /// Parses a comma-separated list of coordinates, e.g. <c>0,1</c> (as <c>ltc bounds --columns</c> takes it), with
    /// <paramref name="dimension"/>, when given, the number of coordinates it must select.
    /// </summary>
    /// <exception cref="LtcException">A coordinate is not a whole number in range, is repeated, or the count is not
    /// <paramref name="dimension"/> (one line naming <c>--columns</c>).</exception>
    public static MarginalSource Parse(VectorSource inner, string columns, int? dimension)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(columns);
        var parts = columns.Split(',', StringSplitOptions.TrimEntries);
        var cols = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], out cols[i]) || cols[i] < 0 || cols[i] >= inner.Dimension)
                throw new LtcException($"--columns '{columns}': '{parts[i]}' is not a coordinate of {inner.Name} (0..{inner.Dimension - 1})");
        if (cols.Distinct().Count() != cols.Length) throw new LtcException($"--columns '{columns}': repeated coordinate");
        if (dimension is int d && d != cols.Length) throw new LtcException($"--columns '{columns}' selects {cols.Length} coordinates, but --dim {d} was given");
        return new MarginalSource(inner, cols);
    }

    /// <summary>The source whose coordinates are selected.</summary>
    public VectorSource Inner => _inner;

    /// <summary>The selected coordinates of <see cref="Inner"/>, in order.</summary>
    public IReadOnlyList<int> Columns => _cols;

    /// <inheritdoc/>
    public override string Name => $"{_inner.Name}[{string.Join(",", _cols)}]";

    /// <inheritdoc/>
    public override int Dimension => _cols.Length;

    /// <inheritdoc/>
    public override int ScalarsPerSample => _inner.ScalarsPerSample == 1 ? 1 : _cols.Length;

    /// <inheritdoc/>
    public override bool IsSynthetic => _inner.IsSynthetic;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Warnings => _inner.Warnings;

    /// <inheritdoc/>
    public override IReadOnlyList<string> InputFiles => _inner.InputFiles;

    /// <inheritdoc/>
    /// <remarks>A synthetic source's coordinates share one variance, so the marginal's is the source's.</remarks>
    public override double Variance(SourceSplit split) =>
        _inner.IsSynthetic ? _inner.Variance(split) : SourceStatistics.MeanCoordinateVariance(Rows(split)!, Dimension);

    /// <inheritdoc/>
    public override void Draw(Span<double> destination, SourceSplit split, Random random)
    {
        var full = new double[destination.Length / Dimension * _inner.Dimension];
        _inner.Draw(full, split, random);
        SourceStatistics.SelectColumns(full, _inner.Dimension, _cols, destination);
    }

    /// <inheritdoc/>
    public override double[]? Rows(SourceSplit split)
    {
        int s = split == SourceSplit.Train ? 0 : 1;
        if (_rows[s] != null) return _rows[s];
        var full = _inner.Rows(split);
        if (full == null) return null;
        var r = new double[full.Length / _inner.Dimension * Dimension];
        SourceStatistics.SelectColumns(full, _inner.Dimension, _cols, r);
        return _rows[s] = r;
    }
}
