using Ltc.Sources;
using Xunit;

namespace Ltc.Torch.Tests;

/// <summary>
/// <see cref="Seeds"/> replaced three seed-mixing functions (Trainer.StepSeed, VectorSource.SplitSeed,
/// NsmEstimator.DeriveSeed). Every figure in docs/results depends on the seeds they gave, so the expected values below
/// were computed once with those functions, before they were merged (commit 901d71a, called through reflection on its
/// built assemblies), and are written here as literals.
/// </summary>
public class SeedsTests
{
    private static readonly (int Seed, int Stream)[] Pairs =
        [(1, 0), (1, 1), (3, 199), (1003, -1), (1003, -4), (12345, 4096), (-7, int.MaxValue), (0, int.MinValue)];

    [Fact]
    public void StepSeedsAreTheOnesTrainingAlwaysUsed()
    {
        int[] before = [2003370682, 1352142860, 2102198845, 1603705391, 607938519, 180237782, 561749278, 1895648190];
        Assert.Equal(before, Pairs.Select(p => Seeds.Step(p.Seed, p.Stream)).ToArray());
    }

    [Fact]
    public void StreamSeedsAreTheOnesTheNsmEstimatorAlwaysUsed()
    {
        int[] before = [595722552, 2103022959, 920072228, 2099609083, 1485361365, 993172169, 1958043754, 841315180];
        Assert.Equal(before, Pairs.Select(p => Seeds.Stream(p.Seed, p.Stream)).ToArray());
    }

    [Fact]
    public void SplitSeedsAreTheOnesTheSourcesAlwaysUsed()
    {
        int[] seeds = [1, 3, 1003, -1, 0, int.MaxValue];
        int[] train = [66103732, 380847027, 1788247053, 663430070, 1536500799, 1008254968];
        int[] test = [1648053938, 85724668, 1268360074, 899670803, 2131841260, 14060112];
        Assert.Equal(train, seeds.Select(s => Seeds.Split(s, SourceSplit.Train)).ToArray());
        Assert.Equal(test, seeds.Select(s => Seeds.Split(s, SourceSplit.Test)).ToArray());
    }

    [Fact]
    public void SeedsAreNonNegative()
    {
        for (int i = -1000; i < 1000; i++)
        {
            Assert.InRange(Seeds.Step(i, i * 7919), 0, int.MaxValue);
            Assert.InRange(Seeds.Stream(i, -i), 0, int.MaxValue);
            Assert.InRange(Seeds.Mix((ulong)i * 0x9E3779B97F4A7C15UL), 0, int.MaxValue);
        }
    }

    [Fact]
    public void TheModelsRandomStreamsKeepTheirSeeds()
    {
        // The derivations Trainer and Evaluator used before ModelRandomness owned them: StepSeed(seed, step) for the
        // step, ^ 0x3c6ef372 for its cells, ^ 0x1b873593 for its dither; StepSeed(seed, -1 - r) for evaluation
        // replicate r and StepSeed(seed, row) ^ 0x5bd1e995 for the dither of the chunk starting at that row.
        Assert.Equal(2102198845, ModelRandomness.Seed(RandomStream.TrainingStep, 3, 199));
        Assert.Equal(2102198845 ^ 0x3c6ef372, ModelRandomness.Seed(RandomStream.TrainingCells, 3, 199));
        Assert.Equal(2102198845 ^ 0x1b873593, ModelRandomness.Seed(RandomStream.TrainingDither, 3, 199));
        Assert.Equal(1603705391, ModelRandomness.Seed(RandomStream.EvaluationCells, 1003, 0));
        Assert.Equal(607938519, ModelRandomness.Seed(RandomStream.EvaluationCells, 1003, 3));
        Assert.Equal(180237782 ^ 0x5bd1e995, ModelRandomness.Seed(RandomStream.EvaluationDither, 12345, 4096));
    }
}
