namespace Ltc.Sources;

/// <summary>
/// A data set whose training split is cut in two: a fixed fraction of its training rows becomes a validation split,
/// served as <see cref="SourceSplit.Test"/>, and the rest stays <see cref="SourceSplit.Train"/>. Held-out checks of a
/// training run (early stopping, keeping the best weights) then choose from rows the model never trains on and that
/// the final evaluation on the real test split never sees.
/// </summary>
/// <remarks>
/// The validation rows are the last ⌈fraction · rows⌉ of the training rows in a fixed pseudo-random order
/// (<see cref="OrderSeed"/>, MathNet's Mersenne Twister), the same for every model and seed, so the split does not
/// depend on the machine. Build one with <see cref="Carve"/>, which also handles blocks of a data set and synthetic
/// sources.
/// </remarks>
public sealed class ValidationSplitSource : VectorSource
{
    private readonly VectorSource _inner;
    private readonly double[] _train;
    private readonly double[] _validation;

    /// <summary>Seed of the fixed order from which the validation rows are taken.</summary>
    public const int OrderSeed = 20241129;

    /// <summary>Largest fraction of the training rows that can be held out.</summary>
    public const double MaxFraction = 0.5;

    /// <summary>Fewest validation vectors a split may hold: checks on fewer would pick a step and weights by noise.</summary>
    public const int MinVectors = 64;

    private ValidationSplitSource(VectorSource inner, double[] rows, int validationRows)
    {
        _inner = inner;
        int d = inner.Dimension, count = rows.Length / d, keep = count - validationRows;
        var order = SourceStatistics.FixedOrder(count, OrderSeed);
        // Training rows keep their original order (training draws rows at random anyway); validation rows too.
        var isValidation = new bool[count];
        for (int i = keep; i < count; i++) isValidation[order[i]] = true;
        _train = new double[(long)keep * d];
        _validation = new double[(long)validationRows * d];
        for (int r = 0, t = 0, v = 0; r < count; r++)
        {
            if (isValidation[r]) Array.Copy(rows, (long)r * d, _validation, (long)v++ * d, d);
            else Array.Copy(rows, (long)r * d, _train, (long)t++ * d, d);
        }
    }

    /// <summary>
    /// <paramref name="source"/> with <paramref name="fraction"/> of its training rows held out as its test split. A
    /// <see cref="BlockSource"/> of a data set is cut at the level of its vectors (so no training block holds a
    /// validation vector). A synthetic source is returned as it is: its held-out draws are fresh vectors of their own
    /// seed already (training in Ltc.Torch refuses a validation share for one, so that no output calls
    /// its checks validation checks).
    /// </summary>
    /// <param name="source">A data set, blocks of one, or a synthetic source.</param>
    /// <param name="fraction">Share of the training rows held out, in (0, <see cref="MaxFraction"/>].</param>
    /// <returns>A source whose test split is the validation rows and whose training split is the rest.</returns>
    /// <exception cref="LtcException">A fraction out of range, or one that holds out fewer than <see cref="MinVectors"/>
    /// vectors (blocks of a <see cref="BlockSource"/>) or leaves no training row.</exception>
    public static VectorSource Carve(VectorSource source, double fraction)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!(fraction > 0 && fraction <= MaxFraction))
            throw new LtcException($"the validation fraction must be in (0, {MaxFraction}], got {fraction}");
        if (source is BlockSource b)
        {
            var inner = Carve(b.Inner, fraction);
            int vectors = inner is ValidationSplitSource v ? v._validation.Length / v.Dimension : int.MaxValue;
            if (vectors / b.BlockLength < MinVectors)
                throw new LtcException($"source '{b.Inner.Name}': a validation fraction of {fraction} holds out {vectors} training vectors, " +
                    $"{vectors / b.BlockLength} blocks of {b.BlockLength}; the checks need at least {MinVectors} blocks: raise it");
            return new BlockSource(inner, b.BlockLength);
        }
        var rows = source.IsSynthetic ? null : source.Rows(SourceSplit.Train);
        if (rows is null) return source;
        int count = rows.Length / source.Dimension, held = (int)Math.Ceiling(fraction * count);
        if (held < MinVectors || count - held < 1)
        {
            // Raising the fraction helps only while the largest share still reaches the minimum.
            string fix = Math.Ceiling(MaxFraction * count) >= MinVectors && count - MinVectors >= 1 ? ": raise it"
                : $"; {count} training vectors are too few for a validation split (at {MaxFraction} it needs {(int)Math.Floor((MinVectors - 1) / MaxFraction) + 1}): train without one";
            throw new LtcException($"source '{source.Name}': a validation fraction of {fraction} of its {count} training vectors holds out {held}; " +
                $"the checks need at least {MinVectors}{fix}");
        }
        return new ValidationSplitSource(source, rows, held);
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
    public override string DescribeTestCount(long count) => $"{count} validation vectors";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Warnings => _inner.Warnings;

    /// <inheritdoc/>
    public override IReadOnlyList<string> InputFiles => _inner.InputFiles;

    /// <inheritdoc/>
    public override double Variance(SourceSplit split) => SourceStatistics.MeanCoordinateVariance(Rows(split), Dimension);

    /// <inheritdoc/>
    public override void Draw(Span<double> destination, SourceSplit split, Random random) =>
        SourceStatistics.DrawRows(Rows(split), Dimension, destination, random);

    /// <summary>The training rows left (<see cref="SourceSplit.Train"/>) or the validation rows (<see cref="SourceSplit.Test"/>).</summary>
    public override double[] Rows(SourceSplit split) => split == SourceSplit.Train ? _train : _validation;
}
