namespace Ltc.Sources;

/// <summary>
/// n consecutive i.i.d. vectors of another source grouped into one sample of dimension n·d (Block-LTC codes them
/// jointly). Rates stay per source vector: a block's bits are divided by n.
/// </summary>
public sealed class BlockSource : VectorSource
{
    /// <summary>Groups vectors of <paramref name="inner"/> in blocks of <paramref name="blockLength"/>.</summary>
    public BlockSource(VectorSource inner, int blockLength)
    {
        if (blockLength < 1 || blockLength > 4096) throw new LtcException($"block length must be between 1 and 4096, got {blockLength}");
        if ((long)blockLength * inner.Dimension > 1 << 16) throw new LtcException($"blocks of {blockLength} vectors of dimension {inner.Dimension} are too large");
        Inner = inner;
        BlockLength = blockLength;
    }

    /// <summary>The source of the vectors.</summary>
    public VectorSource Inner { get; }

    /// <summary>Vectors per block (n).</summary>
    public int BlockLength { get; }

    /// <inheritdoc/>
    public override string Name => $"block:{BlockLength}:{Inner.Name}";

    /// <inheritdoc/>
    public override int Dimension => BlockLength * Inner.Dimension;

    /// <inheritdoc/>
    public override int ScalarsPerSample => BlockLength * Inner.ScalarsPerSample;

    /// <inheritdoc/>
    public override string RateUnit => Inner.RateUnit;

    /// <inheritdoc/>
    public override bool IsSynthetic => Inner.IsSynthetic;

    /// <inheritdoc/>
    public override string DescribeTestCount(long count) => $"{count} test blocks of {BlockLength} ({count * BlockLength} vectors)";

    /// <inheritdoc/>
    public override double Variance(SourceSplit split) => Inner.Variance(split);

    /// <inheritdoc/>
    public override IReadOnlyList<string> Warnings => Inner.Warnings;

    /// <inheritdoc/>
    public override IReadOnlyList<string> InputFiles => Inner.InputFiles;

    // Row-major blocks of n vectors are exactly n·count consecutive vectors, so the inner source fills them directly.
    /// <inheritdoc/>
    public override void Draw(Span<double> destination, SourceSplit split, Random random) => Inner.Draw(destination, split, random);

    /// <inheritdoc/>
    public override double[]? Rows(SourceSplit split)
    {
        var rows = Inner.Rows(split);
        if (rows is null) return null;
        int whole = rows.Length / Dimension * Dimension;
        if (whole == 0) throw new LtcException($"source '{Inner.Name}': its {split} split has fewer than {BlockLength} vectors");
        return whole == rows.Length ? rows : rows[..whole];
    }
}
