namespace Ltc.Sources;

/// <summary>
/// n i.i.d. vectors of another source grouped into one sample of dimension n·d (Block-LTC codes them jointly): n
/// consecutive draws of a synthetic source or of a data set's training rows (drawn at random), and a data set's test
/// rows in a fixed shuffled order (<see cref="Rows"/>). Rates stay per source vector: a block's bits are divided by n.
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

    /// <summary>
    /// The split's vectors in blocks of <see cref="BlockLength"/>, formed as training forms them: from the vectors in
    /// a fixed pseudo-random order (<see cref="OrderSeed"/>), not n consecutive ones. Block-LTC codes n i.i.d. vectors,
    /// and <see cref="Draw"/> gives it independent draws; consecutive rows of a data set need not be independent (Speech
    /// frames lie one sample apart and are nearly equal), and blocks of them test a model on data it never saw. The
    /// vectors left over after the last whole block are left out.
    /// </summary>
    /// <exception cref="LtcException">The split has fewer vectors than one block.</exception>
    public override double[]? Rows(SourceSplit split)
    {
        var rows = Inner.Rows(split);
        if (rows is null) return null;
        int dv = Inner.Dimension, count = rows.Length / dv, whole = count / BlockLength * BlockLength;
        if (whole == 0) throw new LtcException($"source '{Inner.Name}': its {split.ToString().ToLowerInvariant()} split has {count} vectors, fewer than one block of {BlockLength}");
        var order = SourceStatistics.FixedOrder(count, OrderSeed);
        var blocks = new double[(long)whole * dv];
        for (int i = 0; i < whole; i++) Array.Copy(rows, (long)order[i] * dv, blocks, (long)i * dv, dv);
        return blocks;
    }

    /// <summary>Seed of the fixed order in which <see cref="Rows"/> groups a data set's vectors into blocks (Mersenne
    /// Twister, MathNet.Numerics), the same on every machine.</summary>
    public const int OrderSeed = 20240311;
}
