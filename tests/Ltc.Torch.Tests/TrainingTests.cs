using Ltc.Sources;

namespace Ltc.Torch.Tests;

public class TrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static double Loss(CompressionModel model, VectorSource source)
    {
        var r = Evaluator.Evaluate(model, source, new EvalOptions(2048, 128, 1, Lattices.CellSampling.ScrambledSobol, 99));
        return r.Rate + model.Config.Lambda * r.DistortionMse;
    }

    [Theory]
    [InlineData("ltc", "A2", "flow", "ste")]
    [InlineData("ltc", "A2", "factorized", "dither")]
    [InlineData("ntc", "Z2", "factorized", "ste")]
    [InlineData("eclq", "A2", "flow", "ste")]
    public void TrainingReducesTheHeldOutLoss(string kind, string lattice, string entropy, string proxy)
    {
        var cfg = TorchTestSupport.Tiny(kind, lattice, entropy, proxy, steps: 150);
        var model = TorchTestSupport.NewModel(cfg);
        var source = SourceCatalog.Parse("gaussian", 2);
        double before = Loss(model, source);
        new Trainer(model, source).Run(TrainingState.Start);
        double after = Loss(model, source);
        Assert.True(after < 0.9 * before, $"{kind}/{entropy}/{proxy}: held-out R + λD went from {before:F4} to {after:F4}");
    }

    [Fact]
    public void BlockLtcWithoutItsRunningMeanKeepsTheMeanAtZeroAndSaysSoInItsConfiguration()
    {
        var cfg = TorchTestSupport.Tiny("block-ltc", "E8", "flow", steps: 20) with
        {
            Source = "block:8:banana", Dim = 16, Block = 8, LatentDim = 1, ScalarsPerSample = 8, Lambda = 8, Batch = 32,
        };
        var source = SourceCatalog.Parse(cfg.Source, null);
        double MeanNorm(ModelConfig c)
        {
            var model = TorchTestSupport.NewModel(c);
            new Trainer(model, source).Run(TrainingState.Start);
            var (_, mean) = model.state_dict().Single(kv => kv.Key.EndsWith("mean", StringComparison.Ordinal));
            return mean.abs().sum().item<float>();
        }
        Assert.True(MeanNorm(cfg) > 0, "the paper's architecture updates its running mean in training");
        Assert.Equal(0, MeanNorm(cfg with { NoBlockMean = true }));
        Assert.DoesNotContain("no_block_mean", cfg.ToJson());
        Assert.True(ModelConfig.FromJson((cfg with { NoBlockMean = true }).ToJson(), "test").NoBlockMean);
        var e = Assert.Throws<LtcException>(() => (TorchTestSupport.Tiny("ntc", "Z2", "factorized") with { NoBlockMean = true }).Validate("test"));
        Assert.Contains("--no-block-mean is for block-ltc only", e.Message);
    }

    [Theory]
    [InlineData("flow")]
    [InlineData("factorized")] // trained its per-latent quantiles with an aux loss that was a constant: backward threw
    public void BlockLtcTrainsOnATinyBudgetAndItsLossFalls(string entropy)
    {
        var cfg = TorchTestSupport.Tiny("block-ltc", "E8", entropy, steps: 120) with
        {
            Source = "block:8:banana", Dim = 16, Block = 8, LatentDim = 1, ScalarsPerSample = 8, Lambda = 8, Batch = 32,
        };
        var model = TorchTestSupport.NewModel(cfg);
        var source = SourceCatalog.Parse(cfg.Source, null);
        Assert.Equal(16, source.Dimension);
        double before = Loss(model, source);
        new Trainer(model, source).Run(TrainingState.Start);
        double after = Loss(model, source);
        Assert.True(after < 0.9 * before, $"block-ltc/{entropy}: held-out R + λD went from {before:F4} to {after:F4}");
    }

    [Fact]
    public void AResumedRunEndsExactlyWhereAnUninterruptedOneDoes()
    {
        var cfg = TorchTestSupport.Tiny(steps: 40);
        var source = SourceCatalog.Parse("gaussian", 2);
        var straight = TorchTestSupport.NewModel(cfg);
        new Trainer(straight, source).Run(TrainingState.Start);

        string path = Path.Combine(_dir, "ckpt.ltcm");
        var first = TorchTestSupport.NewModel(cfg);
        var cancel = new CancellationTokenSource();
        var t1 = new Trainer(first, source);
        t1.Run(TrainingState.Start, checkpoint: (s, opt) =>
        {
            if (s.Step == 20) { ModelFile.Save(path, first, s, opt); cancel.Cancel(); }
        }, checkpointEvery: 20, cancel: cancel.Token);

        var loaded = ModelFile.Load(path);
        Assert.Equal(20, loaded.State.Step);
        var t2 = new Trainer(loaded.Model, source);
        t2.LoadOptimizerState(loaded.OptimizerState, path);
        t2.Run(loaded.State);
        Assert.Equal(ModelFile.Fingerprint(straight), ModelFile.Fingerprint(loaded.Model));
    }
}
