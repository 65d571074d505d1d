using System.Text.Json;
using Ltc.Cli;
using Ltc.IO;

using Ltc.Torch;
using Ltc.Torch.Tests;

namespace Ltc.Cli.Tests.Models;

[Collection("torch-serial")]
public class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Run(params string[] args) => LtcApp.RunCaptured(args);

    private static readonly string[] Small = ["--steps", "30", "--batch", "32", "--mc-samples", "16", "--eval-samples", "256", "--eval-mc-samples", "32", "--hidden", "8"];

    [Fact]
    public void TrainThenEvalPrintTheDocumentedJson()
    {
        string model = Path.Combine(_dir, "m.ltcm");
        var (code, stdout, stderr) = Run([.. "train --source gaussian --dim 2 --model ltc --lattice A2 --lambda 2 --json --out".Split(' '), model, .. Small]);
        Assert.True(code == 0, stderr);
        using (var doc = JsonDocument.Parse(stdout))
            Assert.Equal("bits/sample", doc.RootElement.GetProperty("rate_unit").GetString());
        // stdout holds the JSON alone; the progress of the run still reaches stderr.
        Assert.Contains("ltc A2 λ=2", stderr);
        Assert.Contains("loss", stderr);
        Assert.True(File.Exists(model));

        (code, stdout, stderr) = Run("eval", "--model", model, "--samples", "512", "--mc-samples", "32", "--json");
        Assert.True(code == 0, stderr);
        using var ev = JsonDocument.Parse(stdout);
        var root = ev.RootElement;
        foreach (var field in new[] { "rate_bits_per_sample", "rate_stderr", "distortion_mse", "snr_db", "gap_to_rd_db" })
            Assert.True(root.TryGetProperty(field, out _), $"missing {field}");
        double rate = root.GetProperty("rate_bits_per_sample").GetDouble();
        double mse = root.GetProperty("distortion_mse").GetDouble();
        double snr = root.GetProperty("snr_db").GetDouble();
        Assert.True(rate > 0 && mse > 0);
        Assert.Equal(10 * Math.Log10(1 / mse), snr, 6);
        // The gap to R(D) of the unit Gaussian: a real system can never beat R(D).
        Assert.True(root.GetProperty("gap_to_rd_db").GetDouble() > 0);
    }

    [Fact]
    public void RedirectedProgressEndsWithTheLastStepOnceAndTheTotalTime()
    {
        string model = Path.Combine(_dir, "p.ltcm");
        var (code, _, stderr) = Run([.. "train --source gaussian --dim 2 --kind ltc --lattice A2 --lambda 2 --out".Split(' '), model, .. Small]);
        Assert.True(code == 0, stderr);
        var last = stderr.Split('\n').Where(l => l.Contains("30/30")).ToArray();
        Assert.True(last.Length == 1, stderr);
        Assert.Matches(@" [1-9][0-9.]* steps/s", last[0]); // a measured speed, not the end-of-run report's 0
        Assert.Contains("λ=2: done in ", stderr);
    }

    [Fact]
    public void PlotCellsDrawsA2dModelAndRefusesOthers()
    {
        string model = Path.Combine(_dir, "b.ltcm");
        var (code, _, stderr) = Run([.. "train --source banana --model ltc --lattice A2 --proxy dither --lambda 4 --out".Split(' '), model, .. Small]);
        Assert.True(code == 0, stderr);
        string png = Path.Combine(_dir, "cells.png");
        (code, var stdout, stderr) = Run("plot", "cells", "--model", model, "--samples", "3000", "--out", png);
        Assert.True(code == 0, stderr);
        Assert.Contains("cells", stdout);
        var head = File.ReadAllBytes(png)[..8];
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, head);

        string e8 = Path.Combine(_dir, "e8.ltcm");
        (code, _, stderr) = Run([.. "train --source gaussian --dim 8 --lattice E8 --lambda 4 --out".Split(' '), e8, .. Small]);
        Assert.True(code == 0, stderr);
        (code, _, stderr) = Run("plot", "cells", "--model", e8, "--out", png);
        Assert.Equal(2, code);
        Assert.Contains("2-d", stderr);
    }

    [Fact]
    public void SweepWritesOneModelPerLambdaAndACsvThatBdrateReads()
    {
        string dir = Path.Combine(_dir, "sweep");
        var (code, _, stderr) = Run([.. "sweep --source gaussian --dim 2 --model ntc --lambdas 1,4 --out-dir".Split(' '), dir, .. Small]);
        Assert.True(code == 0, stderr);
        Assert.Equal(2, Directory.GetFiles(dir, "*.ltcm").Length);
        var curve = Metrics.RdCsv.Read(Path.Combine(dir, "results.csv"));
        Assert.Equal(2, curve.Length);
        Assert.True(curve[0].Rate < curve[1].Rate);
    }

    [Fact]
    public void AWarmStartedSweepStartsEachLambdaFromTheModelBeforeIt()
    {
        string dir = Path.Combine(_dir, "warm");
        var (code, stdout, stderr) = Run([.. "sweep --source gaussian --dim 2 --lattice A2 --lambdas 8,2 --warm-start --json --out-dir".Split(' '), dir, .. Small]);
        Assert.True(code == 0, stderr);
        var results = System.Text.Json.JsonDocument.Parse(stdout).RootElement.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(8, results[0].GetProperty("lambda").GetDouble());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, results[0].GetProperty("initialized_from").ValueKind);
        Assert.Equal(results[0].GetProperty("fingerprint").GetString(), results[1].GetProperty("initialized_from").GetString());
        // inspect shows where the λ = 2 model started.
        string first = Directory.GetFiles(dir, "*lambda8.ltcm").Single(), other = Path.Combine(_dir, "other.ltcm");
        (code, stdout, stderr) = Run("inspect", "--json", Directory.GetFiles(dir, "*lambda2.ltcm").Single());
        Assert.True(code == 0, stderr);
        Assert.Equal(results[0].GetProperty("fingerprint").GetString(), System.Text.Json.JsonDocument.Parse(stdout).RootElement.GetProperty("initialized_from").GetString());
        // The same start by hand: train from the λ = 8 file. A model of another lattice cannot start from it.
        (code, _, stderr) = Run([.. "train --source gaussian --dim 2 --lattice Z2 --lambda 2 --init-from".Split(' '), first, "--out", other, .. Small]);
        Assert.Equal(2, code);
        Assert.Contains("--init-from: the model has lattice A2, the run Z2", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(File.Exists(other));
    }

    [Fact]
    public void AModelWrittenUnderADataFileNameIsWarnedAbout()
    {
        string path = Path.Combine(_dir, "t.npy");
        var (code, _, stderr) = Run([.. "train --source gaussian --dim 2 --lattice A2 --lambda 2 --out".Split(' '), path, .. Small]);
        Assert.True(code == 0, stderr);
        // Before the training, which may be long.
        Assert.StartsWith("ltc: warning: " + path + ": a model file is written under a .npy name (models are .ltcm files)", stderr);
        Assert.NotNull(ModelFile.TryReadState(path));
        (code, _, stderr) = Run([.. "train --source gaussian --dim 2 --lattice A2 --lambda 2 --out".Split(' '), Path.Combine(_dir, "t.ltcm"), .. Small]);
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("a model file is written", stderr);
    }

    [Fact]
    public void ASweepKeepsTheRowsOfAnEarlierSweepOfTheSameSettings()
    {
        string dir = Path.Combine(_dir, "parts"), csv = Path.Combine(dir, "results.csv");
        string[] Sweep(string lambdas, params string[] extra) => [.. "sweep --source gaussian --dim 2 --lattice A2 --out-dir".Split(' '), dir, "--lambdas", lambdas, .. Small, .. extra];
        var (code, _, stderr) = Run(Sweep("1,4"));
        Assert.True(code == 0, stderr);
        var first = File.ReadAllLines(csv);
        // A second part of the curve: the earlier rows stay, byte for byte, the new one sorted in by rate.
        (code, var stdout, stderr) = Run(Sweep("2"));
        Assert.True(code == 0, stderr);
        Assert.Contains("(with 2 rows of an earlier sweep)", stdout);
        Assert.Contains("keeps the rows of an earlier sweep of these settings: λ = 1, 4", stderr);
        var both = File.ReadAllLines(csv);
        Assert.Equal(4, both.Length);
        Assert.Equal(first[0], both[0]);
        Assert.Equal(first[1..], both.Where(l => !l.Contains(",2,ltc,")).Skip(1));
        var rates = both.Skip(1).Select(l => double.Parse(l.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(rates.Order(), rates);
        // A damaged model file does not vouch for its row.
        string one = Directory.GetFiles(dir, "*lambda1.ltcm").Single();
        var bytes = File.ReadAllBytes(one);
        File.WriteAllBytes(one, bytes[..1000]);
        Assert.Contains("λ = 1 (ltc-A2-lambda1.ltcm is not a readable model file)", Run(Sweep("16")).Err);
        File.WriteAllBytes(one, bytes);
        File.Delete(Directory.GetFiles(dir, "*lambda16.ltcm").Single());
        File.WriteAllLines(csv, both);
        // Another seed is another curve: the rows of seed 1 go, named in one warning; a missing model drops its row too.
        File.Delete(Directory.GetFiles(dir, "*lambda4.ltcm").Single());
        File.AppendAllText(csv, File.ReadAllLines(csv)[1] + "\n");
        (code, _, stderr) = Run(Sweep("8", "--seed", "2"));
        Assert.True(code == 0, stderr);
        // Before the training, so that the user can still stop it.
        Assert.StartsWith("ltc: warning: " + csv + " will lose rows of an earlier sweep: ", stderr);
        Assert.Contains("λ = 1 (ltc-A2-lambda1.ltcm differs: seed: saved 1, this sweep 2)", stderr);
        Assert.Contains("λ = 4 (no ltc-A2-lambda4.ltcm)", stderr);
        Assert.Contains("(a second row of it)", stderr);
        Assert.Equal(2, File.ReadAllLines(csv).Length);
    }

    [Theory]
    [InlineData("train --source nosuch --dim 2 --lambda 1 --out {0}", "nosuch")]
    [InlineData("train --source gaussian --dim 2 --lattice Q7 --lambda 1 --out {0}", "Q7")]
    [InlineData("train --source gaussian --dim 2 --model vae --lambda 1 --out {0}", "vae")]
    [InlineData("train --source gaussian --dim 8 --lattice E8 --latent-dim 4 --lambda 1 --out {0}", "dimension")]
    [InlineData("train --source gaussian --dim 2 --lattice A2 --lambda 0 --out {0}", "lambda")]
    [InlineData("train --source gaussian --dim 2 --lattice A2 --lambda 1 --entropy gmm --out {0}", "gmm")]
    [InlineData("train --source gaussian --dim 2 --lattice A2 --lambda 1 --proxy noise --out {0}", "noise")]
    [InlineData("train --source gaussian --dim 2 --lattice A2 --lambda 1 --profile huge --out {0}", "huge")]
    [InlineData("train --source gaussian --dim 2 --lattice A2 --lambda 1 --device tpu --out {0}", "tpu")]
    [InlineData("train --source gaussian --dim 2 --lattice A2 --lambda 1 --eval-samples 0 --out {0}", "positive")]
    [InlineData("sweep --source gaussian --dim 2 --lattice A2 --lambdas 1,2 --eval-mc-samples 0 --out-dir {0}", "positive")]
    [InlineData("train --source block:8:banana --model block-ltc --lattice E8 --lambda 1 --out {0}", "plain source")]
    [InlineData("eval --model {0}", "not found")]
    [InlineData("train --source npy: --lambda 1 --out {0}", "source 'npy:': give a path after npy:")]
    [InlineData("train --source block:2:physics: --model block-ltc --lambda 1 --out {0}", "source 'physics:': give a path after physics:")]
    [InlineData("train --source npy:. --lambda 1 --out {0}", ".: is a directory")]
    [InlineData("frobnicate", "unknown command 'frobnicate'")]
    public void BadInputIsAOneLineError(string template, string mention)
    {
        var args = string.Format(template, Path.Combine(_dir, "x.ltcm")).Split(' ');
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("ltc: error:", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Contains(mention, stderr, StringComparison.OrdinalIgnoreCase);
        // Input is checked before any work: nothing was trained, so nothing was written.
        Assert.False(File.Exists(Path.Combine(_dir, "x.ltcm")) || Directory.Exists(Path.Combine(_dir, "x.ltcm")));
    }

    [Fact]
    public void NaNInDataAndGarbageModelFilesAreOneLineErrors()
    {
        string npy = Path.Combine(_dir, "nan.npy");
        Npy.Write(npy, new double[] { 1, 2, double.NaN, 4, 5, 6 }, 3, 2);
        var (code, _, stderr) = Run([.. "train --model ltc --lattice A2 --lambda 1 --out".Split(' '), Path.Combine(_dir, "n.ltcm"), "--source", "npy:" + npy, .. Small]);
        Assert.Equal(2, code);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Contains("NaN", stderr, StringComparison.OrdinalIgnoreCase);

        string garbage = Path.Combine(_dir, "g.ltcm");
        File.WriteAllText(garbage, "this is not a model");
        (code, _, stderr) = Run("eval", "--model", garbage);
        Assert.Equal(2, code);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Contains("g.ltcm", stderr);
    }
}
