using Ltc.Sources;

namespace Ltc.Torch.Tests;

public class ConvergenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-converge-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    // Small checks so that a tiny NTC run reaches its plateaus within a few hundred steps.
    private static readonly ConvergenceOptions Quick = new(CheckEvery: 20, Patience: 3, Tolerance: 0.002, Vectors: 512, CellSamples: 32, Decays: 1);

    private static ModelConfig Config(int steps) => TorchTestSupport.Tiny("ntc", "Z2", "factorized", steps: steps) with { Lr = 1e-2 };

    [Fact]
    public void ARunStopsWhereItsCurveShowsTheSecondPlateauAndDecaysOnceBefore()
    {
        var source = SourceCatalog.Parse("gaussian", 2);
        var run = TrainingRun.Train(Config(4000), source, new EvalOptions(512, 32, 1), convergence: Quick);
        var c = run.State.Convergence!;
        Assert.True(c.Converged, "a tiny NTC model must level off well within 4000 steps");
        Assert.True(run.State.Step < 4000);
        Assert.Equal(run.State.Step, c.Curve[^1].Step);
        // Replay the rule on the recorded curve: the run must stop at the first check where it says so, not before.
        double best = double.NaN;
        int since = 0, decays = 0;
        for (int i = 0; i < c.Curve.Count; i++)
        {
            var p = c.Curve[i];
            Assert.Equal((i + 1) * Quick.CheckEvery, p.Step);
            Assert.Equal(Config(1).Lr * Math.Pow(0.1, decays), p.LearningRate, 12);
            if (double.IsNaN(best) || p.Loss < best - Quick.Tolerance * Math.Abs(best)) { best = p.Loss; since = 0; }
            else { best = Math.Min(best, p.Loss); since++; }
            bool stop = false;
            if (since >= Quick.Patience)
            {
                if (decays < Quick.Decays) { decays++; since = 0; }
                else stop = true;
            }
            Assert.Equal(i == c.Curve.Count - 1, stop);
        }
        Assert.Equal(1, c.DecaysDone);
        Assert.Equal(c.Curve.Min(p => p.Loss), c.Best);
        Assert.Equal(c.Curve.MinBy(p => p.Loss)!.Step, c.BestStep);
    }

    [Fact]
    public void AResumedRunFollowsTheSameCurveAsAnUninterruptedOne()
    {
        var source = SourceCatalog.Parse("gaussian", 2);
        var eval = new EvalOptions(512, 32, 1);
        var straight = TrainingRun.Train(Config(4000), source, eval, convergence: Quick);
        string path = Path.Combine(_dir, "run.ltcm");
        var first = TrainingRun.Train(Config(100), source, eval, path, convergence: Quick);
        Assert.False(first.State.Convergence!.Converged);
        var resumed = TrainingRun.Train(Config(4000), source, eval, path, resume: true, convergence: Quick);
        Assert.Equal(straight.State.Step, resumed.State.Step);
        Assert.Equal(straight.State.Convergence!.Curve.Select(p => p.Loss), resumed.State.Convergence!.Curve.Select(p => p.Loss));
        Assert.Equal(straight.Evaluation.Rate, resumed.Evaluation.Rate);
        // The criterion is part of the saved run: another one is refused.
        var other = Quick with { Patience = 5 };
        var e = Assert.Throws<LtcException>(() => TrainingRun.Train(Config(4000), source, eval, path, resume: true, convergence: other));
        Assert.Contains("same convergence criterion", e.Message);
    }

    [Fact]
    public void TheCriterionRefusesSettingsOutOfRange()
    {
        Assert.Throws<LtcException>(() => (Quick with { CheckEvery = 0 }).Validated());
        Assert.Throws<LtcException>(() => (Quick with { Tolerance = double.NaN }).Validated());
        Assert.Throws<LtcException>(() => (Quick with { Decays = -1 }).Validated());
        Assert.Equal("step,seconds,train_loss,heldout_loss,heldout_rate,heldout_distortion,lr", ConvergenceState.Start(Quick).ToCsv().Trim());
    }
}
