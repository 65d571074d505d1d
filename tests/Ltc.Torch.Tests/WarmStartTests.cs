using Ltc.Sources;

namespace Ltc.Torch.Tests;

public class WarmStartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-warm-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly EvalOptions Eval = new(512, 32, 1);

    private static TrainingRunResult Trained(double lambda = 4) =>
        TrainingRun.Train(TorchTestSupport.Tiny() with { Lambda = lambda }, SourceCatalog.Parse("gaussian", 2), Eval);

    [Fact]
    public void AWarmStartBeginsFromTheGivenWeightsAndRecordsTheirFingerprint()
    {
        var init = Trained();
        // No steps: the model is exactly where it started.
        var run = TrainingRun.Train(TorchTestSupport.Tiny(steps: 0) with { Lambda = 1, Seed = 3 }, SourceCatalog.Parse("gaussian", 2), Eval, initFrom: init.Model);
        var given = init.Model.state_dict();
        foreach (var (name, t) in run.Model.state_dict())
            Assert.True(t.allclose(given[name], 0, 0), $"weight {name} was not taken from the initial model");
        Assert.Equal(Convert.ToHexStringLower(ModelFile.Fingerprint(init.Model)), run.State.InitializedFrom);
        // A fresh run records none, and its state is written as before the warm start existed.
        Assert.Null(init.State.InitializedFrom);
        Assert.DoesNotContain("initialized_from", init.State.ToJson());
        Assert.Contains("initialized_from", run.State.ToJson());
    }

    [Fact]
    public void AWarmStartThatTrainsMovesAwayFromTheInitialWeights()
    {
        var init = Trained();
        var run = TrainingRun.Train(TorchTestSupport.Tiny(steps: 30) with { Lambda = 1 }, SourceCatalog.Parse("gaussian", 2), Eval, initFrom: init.Model);
        var given = init.Model.state_dict();
        Assert.Contains(run.Model.state_dict(), p => !p.Value.allclose(given[p.Key], 0, 0));
        // The initial model is read, never changed.
        var again = Trained();
        foreach (var (name, t) in again.Model.state_dict()) Assert.True(t.allclose(given[name], 0, 0), $"weight {name} of the initial model changed");
    }

    [Theory]
    [InlineData("Z2", null, "lattice")]
    [InlineData("A2", 8, "hidden width")]
    public void AnotherModelIsRefusedNamingTheDifference(string lattice, int? hidden, string named)
    {
        var init = Trained();
        var config = TorchTestSupport.Tiny(lattice: lattice) with { Hidden = hidden ?? 16 };
        var e = Assert.Throws<LtcException>(() => TrainingRun.Train(config, SourceCatalog.Parse("gaussian", 2), Eval, initFrom: init.Model));
        Assert.Contains(named, e.Message);
        Assert.Contains("--init-from", e.Message);
    }

    [Fact]
    public void AResumedRunNeedsTheSameWarmStart()
    {
        var init = Trained();
        var source = SourceCatalog.Parse("gaussian", 2);
        string path = Path.Combine(_dir, "warm.ltcm");
        TrainingRun.Train(TorchTestSupport.Tiny(steps: 20) with { Lambda = 1 }, source, Eval, path, initFrom: init.Model);
        var e = Assert.Throws<LtcException>(() => TrainingRun.Train(TorchTestSupport.Tiny(steps: 40) with { Lambda = 1 }, source, Eval, path, resume: true));
        Assert.Contains("same warm start", e.Message);
        // Another λ is named with both values, not left to be found in a dump of the configuration.
        e = Assert.Throws<LtcException>(() => TrainingRun.Train(TorchTestSupport.Tiny(steps: 40) with { Lambda = 2 }, source, Eval, path, resume: true, initFrom: init.Model));
        Assert.EndsWith("--resume needs the same configuration as the saved run (lambda: saved 1, given 2)", e.Message);
        // --steps is the run's total: fewer than the saved run has done is refused, not taken as "done".
        e = Assert.Throws<LtcException>(() => TrainingRun.Train(TorchTestSupport.Tiny(steps: 10) with { Lambda = 1 }, source, Eval, path, resume: true, initFrom: init.Model));
        Assert.Contains("has done 20 steps, more than the 10", e.Message);
        var resumed = TrainingRun.Train(TorchTestSupport.Tiny(steps: 40) with { Lambda = 1 }, source, Eval, path, resume: true, initFrom: init.Model);
        Assert.Equal(40, resumed.State.Step);
        Assert.Equal(Convert.ToHexStringLower(ModelFile.Fingerprint(init.Model)), ModelFile.Load(path).State.InitializedFrom);
    }
}
