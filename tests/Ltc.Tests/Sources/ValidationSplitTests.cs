using Ltc.Sources;

namespace Ltc.Tests.Sources;

public class ValidationSplitTests
{
    private static Dictionary<string, int> Count(double[] rows, int d)
    {
        var counts = new Dictionary<string, int>();
        for (int i = 0; i < rows.Length / d; i++)
        {
            string k = string.Join(',', rows.AsSpan(i * d, d).ToArray());
            counts[k] = counts.GetValueOrDefault(k) + 1;
        }
        return counts;
    }

    [Fact]
    public void TheValidationRowsAndTheTrainingRowsLeftPartitionTheTrainingSplit()
    {
        var physics = SourceCatalog.Parse("physics", null);
        var split = ValidationSplitSource.Carve(physics, 0.1);
        int d = physics.Dimension;
        var all = physics.Rows(SourceSplit.Train)!;
        var train = split.Rows(SourceSplit.Train)!;
        var validation = split.Rows(SourceSplit.Test)!;
        int count = all.Length / d;
        Assert.Equal((int)Math.Ceiling(0.1 * count), validation.Length / d);
        Assert.Equal(count, train.Length / d + validation.Length / d);
        // As multisets: training rows left + validation rows = the training split, and no test row appears.
        var left = Count(all, d);
        foreach (var rows in new[] { train, validation })
            foreach (var (k, n) in Count(rows, d))
            {
                Assert.True(left.GetValueOrDefault(k) >= n, "a row that is not a training row, or one used twice");
                left[k] -= n;
            }
        Assert.All(left.Values, n => Assert.Equal(0, n));
        // Training draws come from the rows left only.
        var drawn = new double[1000 * d];
        split.Draw(drawn, SourceSplit.Train, new Random(3));
        var trainRows = Count(train, d);
        Assert.All(Count(drawn, d).Keys, k => Assert.True(trainRows.ContainsKey(k)));
        // The same split every time (a fixed order, not the model's seed).
        Assert.Equal(validation, ValidationSplitSource.Carve(physics, 0.1).Rows(SourceSplit.Test));
    }

    [Fact]
    public void BlocksOfADataSetAreCutAtTheirVectorsAndSyntheticSourcesAreLeftAlone()
    {
        var physics = SourceCatalog.Parse("physics", null);
        var block = Assert.IsType<BlockSource>(ValidationSplitSource.Carve(new BlockSource(physics, 8), 0.1));
        var inner = Assert.IsType<ValidationSplitSource>(block.Inner);
        Assert.Equal(inner.Rows(SourceSplit.Test).Length / 16 / 8 * 8 * 16, block.Rows(SourceSplit.Test)!.Length);
        // 0.06 of 8,000 rows: 480 rows, 60 blocks of 8, under the 64 the checks need; 0.0001: a single row.
        var e = Assert.Throws<LtcException>(() => ValidationSplitSource.Carve(new BlockSource(physics, 8), 0.06));
        Assert.Contains("60 blocks of 8; the checks need at least 64 blocks", e.Message);
        e = Assert.Throws<LtcException>(() => ValidationSplitSource.Carve(physics, 0.0001));
        Assert.Contains("holds out 1; the checks need at least 64: raise it", e.Message);
        // 100 rows, 80 for training: even the largest share (40) is under 64, so "raise it" would be no help.
        string small = Path.Combine(Path.GetTempPath(), $"ltc-small-{Guid.NewGuid():N}.npy");
        try
        {
            Ltc.IO.Npy.Write(small, new double[100 * 2].Select((_, i) => (double)(i % 7)).ToArray(), 100, 2);
            e = Assert.Throws<LtcException>(() => ValidationSplitSource.Carve(new NpySource(small), 0.5));
            Assert.Contains("80 training vectors are too few for a validation split (at 0.5 it needs 127): train without one", e.Message);
        }
        finally { File.Delete(small); }

        var banana = SourceCatalog.Parse("banana", null);
        Assert.Same(banana, ValidationSplitSource.Carve(banana, 0.1));
        Assert.Throws<LtcException>(() => ValidationSplitSource.Carve(physics, 0));
        Assert.Throws<LtcException>(() => ValidationSplitSource.Carve(physics, 0.75));
    }
}
