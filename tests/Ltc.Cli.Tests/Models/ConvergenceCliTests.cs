namespace Ltc.Cli.Tests.Models;

// Trains in this process: alone, as every test that trains (see Cli/DemoTests.cs on TorchSharp 0.107 under load).
[Collection("torch-serial")]
public class ConvergenceCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-converge-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Run(params string[] args) => LtcApp.RunCaptured(args);

    [Fact]
    public void TrainUntilConvergedWritesTheHeldOutCurveAndSaysHowItEnded()
    {
        string model = Path.Combine(_dir, "m.ltcm"), curve = Path.Combine(_dir, "curve.csv");
        var (code, _, err) = Run("train", "--kind", "ntc", "--dim", "2", "--lambda", "4", "--hidden", "16", "--lr", "0.01", "--steps", "3000",
            "--until-converged", "--check-every", "20", "--patience", "3", "--eval-samples", "512", "--out", model, "--loss-curve", curve);
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(curve);
        Assert.Equal("step,seconds,train_loss,heldout_loss,heldout_rate,heldout_distortion,lr", lines[0]);
        Assert.True(lines.Length >= 7, "at least two plateaus of three checks");
        Assert.StartsWith("20,", lines[1]);
        Assert.Contains("converged at step " + lines[^1].Split(',')[0], err);
        // Redirected progress ends on the step it stopped at, short of the ceiling, and says the run is done.
        Assert.Contains($": {lines[^1].Split(',')[0]}/3000  ", err);
        Assert.Contains(": done in ", err);
        string png = Path.Combine(_dir, "loss.png");
        (code, _, err) = Run("plot", "loss", "--csv", "ntc=" + curve, "--train", "--out", png);
        Assert.True(code == 0, err);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
        (code, _, err) = Run("plot", "loss", "--csv", "x=" + model, "--out", png);
        Assert.Equal(2, code);
        Assert.Contains("not a loss curve", err);
        string missing = Path.Combine(_dir, "missing.curve.csv");
        (code, _, err) = Run("plot", "loss", "--csv", "x=" + missing, "--out", png);
        Assert.Equal(2, code);
        Assert.Equal($"ltc: error: {missing}: file not found", err.Trim());
        (code, _, err) = Run("plot", "loss", "--csv", "x=" + _dir, "--out", png);
        Assert.Equal(2, code);
        Assert.Equal($"ltc: error: {_dir}: is a directory, not a file", err.Trim());
        string empty = Path.Combine(_dir, "empty.curve.csv");
        File.WriteAllText(empty, File.ReadAllLines(curve)[0] + "\n");
        (code, _, err) = Run("plot", "loss", "--csv", "x=" + empty, "--out", png);
        Assert.Equal(2, code);
        Assert.Contains("a loss curve without points", err);
    }

    [Fact]
    public void ConvergenceOptionsWithoutUntilConvergedAreAOneLineError()
    {
        var (code, _, err) = Run("train", "--kind", "ntc", "--dim", "2", "--lambda", "4", "--patience", "3", "--out", Path.Combine(_dir, "m.ltcm"));
        Assert.Equal(2, code);
        Assert.Contains("--check-every, --patience, --validation and --keep-best are for --until-converged", err);
        (code, _, err) = Run("train", "--kind", "ntc", "--dim", "2", "--lambda", "4", "--loss-curve", Path.Combine(_dir, "c.csv"), "--out", Path.Combine(_dir, "m.ltcm"));
        Assert.Equal(2, code);
        Assert.Contains("--loss-curve needs --until-converged", err);
        Assert.False(File.Exists(Path.Combine(_dir, "m.ltcm")));
        string same = Path.Combine(_dir, "same.ltcm");
        (code, _, err) = Run("train", "--kind", "ntc", "--dim", "2", "--lambda", "4", "--until-converged", "--loss-curve", same, "--out", same);
        Assert.Equal(2, code);
        Assert.Contains("--loss-curve and --out are the same file", err);
        (code, _, err) = Run("train", "--kind", "ntc", "--dim", "2", "--lambda", "4", "--until-converged", "--check-every", "500", "--steps", "400", "--out", same);
        Assert.Equal(2, code);
        Assert.Contains("no held-out check would run", err);
        Assert.False(File.Exists(same));
    }

    [Fact]
    public void KeepBestOnADataSetWithoutAValidationSplitIsRefusedAndWithOneSaysWhichWeightsItKept()
    {
        string model = Path.Combine(_dir, "v.ltcm");
        string[] common = ["train", "--source", "physics", "--kind", "ntc", "--lambda", "4", "--hidden", "16", "--lr", "0.01", "--steps", "400",
            "--until-converged", "--check-every", "20", "--patience", "2", "--keep-best", "--out", model];
        var (code, _, err) = Run(common);
        Assert.Equal(2, code);
        Assert.Contains("would choose them on its test split", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(model));
        (code, _, err) = Run([.. common, "--validation", "0.7"]);
        Assert.Equal(2, code);
        Assert.Contains("validation fraction must be", err);
        // A synthetic source has no rows to hold out: its checks draw fresh vectors, and none is called validation.
        (code, _, err) = Run("train", "--source", "banana", "--kind", "ntc", "--lambda", "4", "--until-converged", "--validation", "0.1", "--out", model);
        Assert.Equal(2, code);
        Assert.Contains("--validation is for data sets: source 'banana' is synthetic", err);
        Assert.False(File.Exists(model));
        (code, _, err) = Run([.. common, "--validation", "0.1"]);
        Assert.True(code == 0, err);
        var c = Ltc.Torch.ModelFile.Load(model).State.Convergence!;
        Assert.Equal(0.1, c.Options.Validation);
        Assert.Contains($"best validation loss {c.Best:F4} at step {c.BestStep}", err);
        Assert.Contains($"the weights of step {c.BestStep} kept", err);
        string stdout;
        (code, stdout, err) = Run("eval", "--model", model, "--json");
        Assert.True(code == 0, err);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.Equal(c.BestStep, doc.RootElement.GetProperty("weights_step").GetInt32());
    }

    [Fact]
    public void ASweepRecordsHowEachModelEndedAndEvalNamesTheBlockSettings()
    {
        string dir = Path.Combine(_dir, "sweep");
        var (code, _, err) = Run("sweep", "--source", "physics", "--kind", "block-ltc", "--lattice", "E8", "--latent-dim", "1", "--entropy", "flow",
            "--hidden", "8", "--batch", "8", "--train-cell-samples", "16", "--eval-cell-samples", "16", "--lambdas", "1,4", "--lr", "0.01",
            "--steps", "60", "--until-converged", "--check-every", "20", "--patience", "1", "--validation", "0.1", "--keep-best",
            "--no-block-mean", "--out-dir", dir);
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(Path.Combine(dir, "results.csv"));
        var header = lines[0].Split(',');
        int lambda = Array.IndexOf(header, "lambda"), steps = Array.IndexOf(header, "steps"), converged = Array.IndexOf(header, "converged"),
            kept = Array.IndexOf(header, "weights_step");
        Assert.True(steps > 0 && converged > 0 && kept > 0, lines[0]);
        Assert.Equal(3, lines.Length);
        foreach (var row in lines.Skip(1).Select(l => l.Split(',')))
        {
            string model = Path.Combine(dir, $"block-ltc-E8-lambda{row[lambda]}.ltcm");
            var state = Ltc.Torch.ModelFile.Load(model).State;
            Assert.Equal(state.Step.ToString(System.Globalization.CultureInfo.InvariantCulture), row[steps]);
            Assert.Equal(state.Convergence!.Converged ? "true" : "false", row[converged]);
            Assert.Equal(state.Convergence.BestStep.ToString(System.Globalization.CultureInfo.InvariantCulture), row[kept]);
            string stdout;
            (code, stdout, err) = Run("eval", "--model", model, "--json", "--cell-samples", "16");
            Assert.True(code == 0, err);
            using var doc = System.Text.Json.JsonDocument.Parse(stdout);
            Assert.Equal(8, doc.RootElement.GetProperty("block").GetInt32());
            Assert.True(doc.RootElement.GetProperty("no_block_mean").GetBoolean());
            Assert.Equal(8 * 16, doc.RootElement.GetProperty("dimension").GetInt32());
        }
    }

    [Fact]
    public void AModelThatConvergedBeforeItsStepCeilingIsNotCalledUnfinished()
    {
        string model = Path.Combine(_dir, "c.ltcm");
        var (code, stdout, err) = Run("train", "--kind", "ntc", "--dim", "2", "--lambda", "4", "--hidden", "16", "--lr", "0.01", "--steps", "3000",
            "--until-converged", "--check-every", "20", "--patience", "2", "--eval-samples", "256", "--out", model, "--json");
        Assert.True(code == 0, err);
        int steps;
        using (var doc = System.Text.Json.JsonDocument.Parse(stdout))
        {
            Assert.True(doc.RootElement.GetProperty("converged").GetBoolean());
            steps = doc.RootElement.GetProperty("steps_trained").GetInt32();
            Assert.True(steps < 3000);
        }
        var saved = Ltc.Torch.ModelFile.Load(model);
        Assert.Equal(steps, saved.State.Step);
        Assert.False(saved.Unfinished);
        (code, _, err) = Run("eval", "--model", model, "--samples", "256");
        Assert.True(code == 0, err);
        Assert.DoesNotContain("unfinished", err);
        // eval reads the same training facts from the model file, estimated and coded alike
        foreach (var extra in new[] { Array.Empty<string>(), ["--coded"] })
        {
            (code, stdout, err) = Run(["eval", "--model", model, "--samples", "256", "--json", .. extra]);
            Assert.True(code == 0, err);
            using var doc = System.Text.Json.JsonDocument.Parse(stdout);
            var root = extra.Length == 0 ? doc.RootElement : doc.RootElement.GetProperty("estimate");
            Assert.Equal(steps, root.GetProperty("steps_trained").GetInt32());
            Assert.True(root.GetProperty("converged").GetBoolean());
        }
    }
}
