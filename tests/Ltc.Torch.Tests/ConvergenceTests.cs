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

    // The held-out loss of a model as the monitor measures it (same vectors, same cell samples).
    private static double HeldOutLoss(CompressionModel model, VectorSource source, ConvergenceOptions options)
    {
        var monitor = new ConvergenceMonitor(ConvergenceState.Start(options), source, model.Config);
        monitor.Check(model, 1, 0, double.NaN, 0);
        model.eval();
        return monitor.State.Curve[0].Loss;
    }

    // NTC, and Block-LTC, whose running mean of the latents is a buffer training updates: it must come back with the weights.
    public static TheoryData<string> KeepBestModels => new() { "ntc", "block-ltc" };

    private static (ModelConfig Config, VectorSource Source) KeepBestCase(string kind) => kind == "ntc"
        ? (Config(4000), SourceCatalog.Parse("gaussian", 2))
        : (CodecTestSupport.BlockConfig(1) with { Steps = 4000, Lr = 1e-2, Entropy = EntropyModelKind.Flow, McSamples = 16 }, SourceCatalog.Parse("block:8:banana", null));

    [Theory]
    [MemberData(nameof(KeepBestModels))]
    public void KeepBestEndsWithTheWeightsOfTheBestCheckAndTheLastStepsOtherwise(string kind)
    {
        var (config, source) = KeepBestCase(kind);
        var eval = new EvalOptions(512, 32, 1);
        var last = TrainingRun.Train(config, source, eval, convergence: Quick);
        var c = last.State.Convergence!;
        // The premise that makes the test able to fail: the last check is not the best one.
        Assert.NotEqual(c.BestStep, c.Curve[^1].Step);
        Assert.Equal(c.Curve[^1].Loss, HeldOutLoss(last.Model, source, Quick), 9);

        var kept = TrainingRun.Train(config, source, eval, convergence: Quick with { KeepBest = true });
        var k = kept.State.Convergence!;
        Assert.Equal(c.Curve.Select(p => p.Loss), k.Curve.Select(p => p.Loss)); // the same run until it ends
        Assert.Equal(k.Best, HeldOutLoss(kept.Model, source, Quick), 9);
        Assert.True(kept.Evaluation.Rate + 4 * kept.Evaluation.DistortionMse != last.Evaluation.Rate + 4 * last.Evaluation.DistortionMse);
    }

    [Fact]
    public void ARunKeepingItsBestWeightsResumesExactlyFromACheckpoint()
    {
        var source = SourceCatalog.Parse("gaussian", 2);
        var cfg = Config(4000);
        var start = TrainingState.Start with { Convergence = ConvergenceState.Start(Quick with { KeepBest = true }) };
        TorchSharp.torch.manual_seed(cfg.Seed);
        var straight = new CompressionModel(cfg);
        var end = new Trainer(straight, source).Run(start);

        TorchSharp.torch.manual_seed(cfg.Seed);
        var first = new CompressionModel(cfg);
        var trainer = new Trainer(first, source);
        // Interrupted just after the best check of the whole run: only the checkpoint can bring its weights back.
        int stop = end.Convergence!.BestStep + Quick.CheckEvery / 2;
        Assert.True(stop < end.Step);
        var middle = trainer.Run(start, stopAt: stop);
        Assert.Equal(end.Convergence.BestStep, middle.Convergence!.BestStep);
        var resumedModel = new CompressionModel(cfg);
        using (TorchSharp.torch.no_grad())
            foreach (var (name, t) in first.state_dict()) resumedModel.state_dict()[name].copy_(t);
        var resumed = new Trainer(resumedModel, source);
        resumed.LoadOptimizerState(trainer.OptimizerState(), "checkpoint");
        var end2 = resumed.Run(middle);

        Assert.Equal(end.Step, end2.Step);
        Assert.Equal(end.Convergence!.Curve.Select(p => p.Loss), end2.Convergence!.Curve.Select(p => p.Loss));
        foreach (var (name, t) in straight.state_dict())
            Assert.True(t.eq(resumedModel.state_dict()[name]).all().item<bool>(), $"{name} differs after the resume");
    }

    [Fact]
    public void KeepBestOnADataSetNeedsAValidationSplitAndIsCheckedOnIt()
    {
        var physics = SourceCatalog.Parse("physics", null);
        var cfg = Config(200) with { Source = "physics", Dim = 16, LatentDim = 16, ScalarsPerSample = 1 };
        var eval = new EvalOptions(512, 32, 1);
        var e = Assert.Throws<LtcException>(() => TrainingRun.Train(cfg, physics, eval, convergence: Quick with { KeepBest = true }));
        Assert.Contains("test split", e.Message);
        var run = TrainingRun.Train(cfg, physics, eval, convergence: Quick with { KeepBest = true, Validation = 0.1 });
        var k = run.State.Convergence!;
        // The checks ran on the validation rows: the model's loss there is the best check's.
        Assert.Equal(k.Best, HeldOutLoss(run.Model, ValidationSplitSource.Carve(physics, 0.1), Quick), 9);
        Assert.NotEqual(k.Best, HeldOutLoss(run.Model, physics, Quick));
    }

    [Fact]
    public void TheCriterionRefusesSettingsOutOfRange()
    {
        Assert.Throws<LtcException>(() => (Quick with { CheckEvery = 0 }).Validated());
        Assert.Throws<LtcException>(() => (Quick with { Tolerance = double.NaN }).Validated());
        Assert.Throws<LtcException>(() => (Quick with { Decays = -1 }).Validated());
        Assert.Throws<LtcException>(() => (Quick with { Validation = 0.6 }).Validated());
        Assert.Throws<LtcException>(() => (Quick with { Validation = double.NaN }).Validated());
        Assert.Equal("step,seconds,train_loss,heldout_loss,heldout_rate,heldout_distortion,lr", ConvergenceState.Start(Quick).ToCsv().Trim());
    }
}
