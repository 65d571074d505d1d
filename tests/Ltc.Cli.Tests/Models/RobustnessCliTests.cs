using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Ltc.Cli;
using Ltc.IO;
using static TorchSharp.torch;

using Ltc.Torch;
using Ltc.Torch.Tests;

namespace Ltc.Cli.Tests.Models;

/// <summary>
/// The robustness kinds of the model commands: writes that destroy or lose (6), unbounded options and files (7),
/// threads (8) and honest output (9). Every condition is generated here: tiny models, FIFOs, damaged copies.
/// </summary>
[Collection("torch-serial")]
public sealed class RobustnessCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-robust-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);

    private static (int Code, string Out, string Err) Run(params string[] args) => LtcApp.RunCaptured(args);

    /// <summary>A training that takes about a second (fitting the tables included).</summary>
    internal static readonly string[] Tiny = ["--steps", "3", "--batch", "16", "--train-cell-samples", "8", "--eval-samples", "64", "--eval-cell-samples", "8", "--hidden", "8"];

    private static void AssertOneLineError((int Code, string Out, string Err) r, string? mention = null)
    {
        Assert.True(r.Code == 2, $"exit {r.Code}: {r.Err}");
        Assert.StartsWith("ltc: error:", r.Err);
        Assert.Single(r.Err.TrimEnd().Split('\n'));
        if (mention is not null) Assert.Contains(mention, r.Err, StringComparison.OrdinalIgnoreCase);
    }

    private string[] Leftovers() => Directory.GetFiles(_dir, ".*", SearchOption.AllDirectories);

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private string Fifo(string name)
    {
        Assert.Equal(0, mkfifo(P(name), Convert.ToUInt32("600", 8)));
        return P(name);
    }

    private string TrainTiny(string name, params string[] extra)
    {
        string path = P(name);
        var r = Run([.. "train --source gaussian --dim 2 --lattice A2 --lambda 4 --json --out".Split(' '), path, .. Tiny, .. extra]);
        Assert.True(r.Code == 0, r.Err);
        return path;
    }

    // ---- 6. Writes that destroy or lose -------------------------------------------------------------------------

    [Fact]
    public void OutputsAreCheckedBeforeAnyWork()
    {
        string npy = P("x.npy");
        Npy.Write(npy, new double[] { 1, 2, 3, 4, 5, 6 }, 3, 2);
        var before = File.ReadAllBytes(npy);
        var clock = Stopwatch.StartNew();
        // The quick profile would train for a minute: these must fail at once.
        AssertOneLineError(Run("train", "--lambda", "1", "--out", P("missing/dir/m.ltcm")), "does not exist");
        AssertOneLineError(Run("train", "--lambda", "1", "--out", _dir), "directory");
        AssertOneLineError(Run("train", "--lambda", "1", "--source", "npy:" + npy, "--out", npy), "overwrite an input");
        AssertOneLineError(Run("train", "--lambda", "1", "--source", "block:2:npy:" + npy, "--kind", "ltc", "--out", P("./x.npy")), "overwrite an input");
        AssertOneLineError(Run("sweep", "--lambdas", "1,2", "--out-dir", npy), "not a folder");
        AssertOneLineError(Run("sweep", "--lambdas", "1,1", "--out-dir", P("s")), "twice");
        if (OperatingSystem.IsLinux() && Directory.Exists("/proc/self"))
        {
            // A folder that takes no new files, even from root.
            AssertOneLineError(Run("train", "--lambda", "1", "--out", "/proc/m.ltcm"), "/proc/m.ltcm: cannot write a file in /proc");
            AssertOneLineError(Run("sweep", "--lambdas", "1,2", "--out-dir", "/proc/ltc-sweep"), "/proc/ltc-sweep: cannot create the folder");
        }
        Assert.True(clock.Elapsed.TotalSeconds < 30, $"took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(before, File.ReadAllBytes(npy));
        Assert.False(Directory.Exists(P("s")));

        string model = TrainTiny("m.ltcm");
        var modelBytes = File.ReadAllBytes(model);
        AssertOneLineError(Run("compress", "--model", model, npy, npy), "overwrite an input");
        AssertOneLineError(Run("compress", "--model", model, npy, model), "overwrite an input");
        AssertOneLineError(Run("decompress", "--model", model, npy, model), "overwrite an input");
        AssertOneLineError(Run("plot", "cells", "--model", model, "--out", P("missing/c.png")), "does not exist");
        File.WriteAllText(P("c.png"), "rate_bits_per_sample,distortion_mse\n1,0.5\n");
        AssertOneLineError(Run("plot", "rd", "--csv", "a=" + P("c.png"), "--out", P("c.png")), "overwrite an input");
        Assert.Equal("rate_bits_per_sample,distortion_mse\n1,0.5\n", File.ReadAllText(P("c.png")));
        Assert.Equal(before, File.ReadAllBytes(npy));
        Assert.Equal(modelBytes, File.ReadAllBytes(model));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void ASourceOfAnotherDimensionIsReportedAgainstTheModelNotAnUngivenDim()
    {
        string model = TrainTiny("m.ltcm");
        string npy = P("x3.npy");
        Npy.Write(npy, new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var r = Run("eval", "--model", model, "--source", "npy:" + npy);
        AssertOneLineError(r, "has dimension 3, but the model expects 2");
        Assert.DoesNotContain("--dim", r.Err);
    }

    [Fact]
    public void ABlockModelIsEvaluatedOnThePlainSourceNameItWasTrainedFrom()
    {
        string model = P("block.ltcm");
        var r = Run([.. "train --source banana --kind block-ltc --lattice A2 --latent-dim 1 --lambda 4 --json --out".Split(' '), model, .. Tiny]);
        Assert.True(r.Code == 0, r.Err);
        r = Run("eval", "--model", model, "--source", "banana", "--samples", "64", "--cell-samples", "8", "--json");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("\"dimension\": 4", r.Out); // blocks of two 2-d Banana vectors, as in training
        Assert.Contains("\"test_set\": \"64 test blocks of 2 (128 vectors)\"", r.Out);
        r = Run("eval", "--model", model, "--source", "banana", "--samples", "64", "--cell-samples", "8", "--coded");
        Assert.True(r.Code == 0, r.Err);
        // Rates are per Banana vector, so the text counts them too, not only the blocks.
        Assert.Contains("banana (d = 4), 64 test blocks of 2 (128 vectors)", r.Out);
        Assert.Contains("bytes for 64 test blocks of 2 (128 vectors):", r.Out);
        r = Run("eval", "--model", model, "--source", "banana", "--samples", "64", "--cell-samples", "8", "--coded", "--json");
        Assert.True(r.Code == 0, r.Err);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal(root.GetProperty("file_rate").GetDouble() - root.GetProperty("estimated_rate").GetDouble(), root.GetProperty("difference_bits").GetDouble(), 12);
        // A mismatch speaks of the vectors inside the blocks (3 against 2), not of the blocks' dimensions (6 against 4).
        AssertOneLineError(Run("eval", "--model", model, "--source", "npy:" + NpyOf3Columns()), "has vectors of dimension 3, but the model codes blocks of 2 vectors of dimension 2");
    }

    private string NpyOf3Columns()
    {
        string npy = P("x3b.npy");
        Npy.Write(npy, new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        return npy;
    }

    [Fact]
    public void SamplesOnADataSetAreReportedAsIgnored()
    {
        string model = TrainTiny("m.ltcm");
        string npy = P("x2.npy");
        Npy.Write(npy, Enumerable.Range(0, 200).Select(i => Math.Sin(i * 0.7)).ToArray(), 100, 2);
        var r = Run("eval", "--model", model, "--source", "npy:" + npy, "--samples", "50", "--cell-samples", "8", "--json");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("ltc: warning: --samples is ignored", r.Err);
        Assert.Contains("\"test_vectors\": 20", r.Out); // the last 20 % of 100 rows, not 50
        r = Run("eval", "--model", model, "--samples", "50", "--cell-samples", "8", "--json");
        Assert.True(r.Code == 0, r.Err);
        Assert.DoesNotContain("warning", r.Err);
    }

    [Fact]
    public void ARunOfZeroStepsSaysSoInsteadOfPrintingNaN()
    {
        var r = Run("train", "--source", "gaussian", "--dim", "2", "--lattice", "A2", "--lambda", "4", "--steps", "0",
            "--eval-samples", "64", "--eval-cell-samples", "8", "--out", P("zero.ltcm"));
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("no training step run", r.Err);
        Assert.DoesNotContain("NaN", r.Out + r.Err);
    }

    [Fact]
    public void AFailedCommandWritesNothing()
    {
        string model = TrainTiny("m.ltcm");
        // compress: the input has the wrong dimension, found after the model is loaded.
        string wrong = P("wrong.npy");
        Npy.Write(wrong, new double[9], 3, 3);
        AssertOneLineError(Run("compress", "--model", model, wrong, P("out.ltc")), $"{wrong} has vectors of dimension 3, but the model codes dimension");
        Assert.False(File.Exists(P("out.ltc")));

        // train: data that makes the loss overflow at once; --out held an older model, which stays as it was.
        string huge = P("huge.npy");
        var data = new double[200];
        for (int i = 0; i < data.Length; i++) data[i] = (i % 2 == 0 ? 1e30 : -1e30) * (1 + i);
        Npy.Write(huge, data, 100, 2);
        string old = P("old.ltcm");
        File.Copy(model, old);
        var before = File.ReadAllBytes(old);
        var r = Run([.. "train --lattice A2 --lambda 4 --checkpoint-every 1 --out".Split(' '), old, "--source", "npy:" + huge, .. Tiny]);
        AssertOneLineError(r);
        Assert.Equal(before, File.ReadAllBytes(old));
        AssertOneLineError(Run([.. "train --lattice A2 --lambda 4 --out".Split(' '), P("new.ltcm"), "--source", "npy:" + huge, .. Tiny]));
        Assert.False(File.Exists(P("new.ltcm")));

        // sweep: all or none; a folder it created is removed again.
        AssertOneLineError(Run([.. "sweep --lattice A2 --lambdas 1,2 --out-dir".Split(' '), P("sweep"), "--source", "npy:" + huge, .. Tiny]));
        Assert.False(Directory.Exists(P("sweep")));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public async Task DevicesAndFifosAreWrittenStraightInto()
    {
        string model = TrainTiny("m.ltcm");
        string npy = P("x.npy"), ltc = P("x.ltc");
        Npy.Write(npy, CodecTestSupport.Gaussian(50, 2, 1, seed: 1), 50, 2);
        var r = Run("compress", "--model", model, npy, ltc);
        Assert.True(r.Code == 0, r.Err);
        r = Run("decompress", "--model", model, ltc, P("y.npy"));
        Assert.True(r.Code == 0, r.Err);

        string fifo = Fifo("out.fifo");
        var reading = Task.Run(() => File.ReadAllBytes(fifo));
        r = Run("decompress", "--model", model, ltc, fifo, "--json");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(File.ReadAllBytes(P("y.npy")), await reading.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(FileKind.Fifo, AtomicFile.KindOf(fifo));

        // A FIFO takes one whole model (checkpoints go only to regular files) and stays a FIFO.
        string trained = Fifo("trained.fifo");
        reading = Task.Run(() => File.ReadAllBytes(trained));
        r = Run([.. "train --source gaussian --dim 2 --kind ntc --lambda 4 --checkpoint-every 1 --json --out".Split(' '), trained, .. Tiny]);
        Assert.True(r.Code == 0, r.Err);
        File.WriteAllBytes(P("trained.ltcm"), await reading.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.False(ModelFile.Load(P("trained.ltcm")).Unfinished);
        Assert.Equal(FileKind.Fifo, AtomicFile.KindOf(trained));
        // A model read back from a FIFO.
        string modelFifo = Fifo("model.fifo");
        var bytes = File.ReadAllBytes(model);
        var writing = Task.Run(() => { using var fs = new FileStream(modelFifo, FileMode.Open, FileAccess.Write); fs.Write(bytes); });
        var loaded = ModelFile.Load(modelFifo);
        await writing.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(ModelFile.Fingerprint(ModelFile.Load(model).Model), ModelFile.Fingerprint(loaded.Model));
        Assert.Empty(Leftovers());
    }

    private (Task<(int Code, string Out, string Err)> Run, CancellationTokenSource Cts) StartLongTraining(string path)
    {
        var cts = new CancellationTokenSource();
        var args = "train --source gaussian --dim 2 --lattice A2 --lambda 4 --steps 1000000 --checkpoint-every 2 --batch 16 --train-cell-samples 8 --hidden 8 --out".Split(' ').Append(path).ToArray();
        return (Task.Run(() => LtcApp.RunCaptured(cts.Token, args)), cts);
    }

    private static async Task WaitForCheckpoint(string path, Task running)
    {
        var clock = Stopwatch.StartNew();
        while (ModelFile.TryReadState(path) is not { Step: > 0 })
        {
            Assert.False(running.IsCompleted, "the training ended before its first checkpoint");
            Assert.True(clock.Elapsed.TotalSeconds < 120, "no checkpoint after two minutes");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task AnInterruptedTrainingLeavesACheckpointMarkedUnfinished()
    {
        string path = P("run.ltcm");
        var (running, cts) = StartLongTraining(path);
        using var _ = cts;
        try { await WaitForCheckpoint(path, running); }
        finally { cts.Cancel(); }
        var (code, stdout, stderr) = await running.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(LtcApp.InterruptedBySigint, code);
        Assert.Equal("", stdout);
        string last = stderr.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("ltc: interrupted by SIGINT", last);
        Assert.Contains("unfinished", last);
        Assert.Contains("--resume", last);
        Assert.Empty(Leftovers());

        var loaded = ModelFile.Load(path);
        Assert.True(loaded.Unfinished);
        Assert.True(loaded.State.Unfinished);
        int step = loaded.State.Step;
        // The progress shows the step it was interrupted at, and does not claim the run is done.
        Assert.Contains($": {step}/", stderr);
        Assert.DoesNotContain(": done in ", stderr);
        Assert.Contains($"step {step}", last);

        // eval uses it, with one warning line; compress refuses it (no coding tables) with one error line.
        var r = Run("eval", "--model", path, "--samples", "64", "--cell-samples", "8", "--json");
        Assert.True(r.Code == 0, r.Err);
        JsonDocument.Parse(r.Out).Dispose();
        Assert.Single(r.Err.TrimEnd().Split('\n'));
        Assert.StartsWith("ltc: warning:", r.Err);
        Assert.Contains("unfinished", r.Err);
        string npy = P("x.npy");
        Npy.Write(npy, new double[4], 2, 2);
        var refused = Run("compress", "--model", path, npy, P("x.ltc"));
        AssertOneLineError(refused);
        Assert.Contains($"run 'ltc fit-coder --model {path}'", refused.Err); // the command to run, ready to paste
        Assert.Contains("finish it with ltc train --resume", refused.Err); // but first what an unfinished run wants
        refused = Run("eval", "--model", path, "--coded", "--samples", "64", "--cell-samples", "8");
        AssertOneLineError(refused);
        Assert.Contains($"run 'ltc fit-coder --model {path}'", refused.Err);
        Assert.False(File.Exists(P("x.ltc")));

        // --resume finishes it: no more warning.
        r = Run([.. "train --source gaussian --dim 2 --lattice A2 --lambda 4 --checkpoint-every 2 --batch 16 --train-cell-samples 8 --hidden 8 --resume --json --out".Split(' '),
            path, "--steps", (step + 2).ToString(System.Globalization.CultureInfo.InvariantCulture), "--eval-samples", "64", "--eval-cell-samples", "8"]);
        Assert.True(r.Code == 0, r.Err);
        Assert.False(ModelFile.Load(path).Unfinished);
        r = Run("eval", "--model", path, "--samples", "64", "--cell-samples", "8");
        Assert.True(r.Code == 0, r.Err);
        // Not empty: a model of a few steps, stopped wherever the interrupt fell, may also earn the file-rate warning.
        Assert.DoesNotContain("unfinished", r.Err);
    }

    [Fact]
    public async Task AnInterruptedSweepKeepsTheCheckpointOfItsCurrentModel()
    {
        string dir = P("sweep");
        var cts = new CancellationTokenSource();
        using var _ = cts;
        // A sweep checkpoints every tenth of a run: 200 steps here, a second or two; the run itself takes ten times that.
        var args = "sweep --source gaussian --dim 2 --kind ntc --lambdas 1,2 --steps 2000 --batch 16 --hidden 8 --out-dir".Split(' ').Append(dir).ToArray();
        var running = Task.Run(() => LtcApp.RunCaptured(cts.Token, args));
        string first = Path.Combine(dir, "ntc-Z2-lambda1.ltcm");
        try { await WaitForCheckpoint(first, running); }
        finally { cts.Cancel(); } // never leave a training running behind a failed assertion
        var (code, stdout, stderr) = await running.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(LtcApp.InterruptedBySigint, code);
        Assert.Equal("", stdout);
        string last = stderr.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("ltc: interrupted by SIGINT", last);
        Assert.Contains("ntc-Z2-lambda1.ltcm", last);
        // Running the sweep again into the same folder keeps the finished rows of results.csv.
        Assert.Contains("into the same --out-dir (results.csv keeps the finished ones", last);
        Assert.Contains("its point then comes from ltc eval, not results.csv", last);
        Assert.True(ModelFile.Load(first).Unfinished);
        Assert.Equal(["ntc-Z2-lambda1.ltcm"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public async Task AnInterruptedSweepDropsTheEarlierRowOfAModelItHasBegunToReplace()
    {
        string dir = P("again"), csv = Path.Combine(dir, "results.csv"), two = Path.Combine(dir, "ntc-Z2-lambda2.ltcm");
        string[] Args(string lambdas) => [.. "sweep --source gaussian --dim 2 --kind ntc --steps 600 --batch 16 --hidden 8 --lambdas".Split(' '), lambdas, "--out-dir", dir];
        var r = Run(Args("1,2"));
        Assert.True(r.Code == 0, r.Err);
        string before = File.ReadAllText(csv);
        // Interrupted before it touched the λ = 2 model: both rows still describe the files there.
        using (var now = new CancellationTokenSource())
        {
            now.Cancel();
            r = LtcApp.RunCaptured(now.Token, Args("2"));
        }
        Assert.Equal(LtcApp.InterruptedBySigint, r.Code);
        Assert.Equal(before, File.ReadAllText(csv));
        Assert.False(ModelFile.TryReadState(two)!.Unfinished);
        // Interrupted after a checkpoint replaced it: its row goes, λ = 1's stays.
        var cts = new CancellationTokenSource();
        using var _ = cts;
        var running = Task.Run(() => LtcApp.RunCaptured(cts.Token, Args("2")));
        try
        {
            var clock = Stopwatch.StartNew();
            while (ModelFile.TryReadState(two) is not { Unfinished: true, Step: > 0 })
            {
                Assert.False(running.IsCompleted, "the training ended before its first checkpoint");
                Assert.True(clock.Elapsed.TotalSeconds < 120, "no checkpoint after two minutes");
                await Task.Delay(20);
            }
        }
        finally { cts.Cancel(); }
        r = await running.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(LtcApp.InterruptedBySigint, r.Code);
        var rows = File.ReadAllLines(csv);
        Assert.Equal(2, rows.Length);
        Assert.Equal(before.Split('\n').Single(l => l.Contains(",1,ntc,")), rows[1]);
        Assert.Contains("holds the checkpoint of step", r.Err);
    }

    [Fact]
    public void ASweepInterruptedBeforeItWroteAnythingLeavesNoFolder()
    {
        string dir = P("never");
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var (code, _, stderr) = LtcApp.RunCaptured(cts.Token, "sweep --source gaussian --dim 2 --kind ntc --lambdas 1,2 --steps 2000 --batch 16 --hidden 8 --out-dir".Split(' ').Append(dir).ToArray());
        Assert.Equal(LtcApp.InterruptedBySigint, code);
        Assert.Contains("before the first checkpoint", stderr);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task SigtermStopsTheCommandCleanly()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "ltc.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing");
        string path = P("term.ltcm");
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(dll);
        foreach (var a in "train --source gaussian --dim 2 --lattice A2 --lambda 4 --steps 1000000 --checkpoint-every 2 --batch 16 --train-cell-samples 8 --hidden 8 --out".Split(' ').Append(path))
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            while (ModelFile.TryReadState(path) is not { Step: > 0 })
            {
                Assert.False(process.HasExited, $"exited early: {(process.HasExited ? await stderr : "")}");
                Assert.True(clock.Elapsed.TotalSeconds < 120, "no checkpoint after two minutes");
                await Task.Delay(50);
            }
            Assert.Equal(0, kill(process.Id, 15)); // SIGTERM
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
        Assert.Equal(LtcApp.InterruptedBySigterm, process.ExitCode);
        Assert.Equal("", await stdout);
        string last = (await stderr).TrimEnd().Split('\n')[^1];
        Assert.StartsWith("ltc: interrupted by SIGTERM", last);
        Assert.True(ModelFile.Load(path).Unfinished);
        Assert.Empty(Leftovers());
    }

    // ---- 7. Unbounded options and files -------------------------------------------------------------------------

    [Theory]
    [InlineData("train --lambda 1 --batch 1000000000", "--batch")]
    [InlineData("train --lambda 1 --hidden 1000000000", "--hidden")]
    [InlineData("train --lambda 1 --steps 2000000000", "--steps")]
    [InlineData("train --lambda 1 --train-cell-samples 2000000000", "--train-cell-samples")]
    [InlineData("train --lambda 1 --mc-samples 2000000000", "--mc-samples")]
    [InlineData("train --lambda 1 --eval-samples 2000000000", "--eval-samples")]
    [InlineData("train --lambda 1 --eval-cell-samples 2000000000", "--eval-cell-samples")]
    [InlineData("train --lambda 1 --latent-dim 100000", "--latent-dim")]
    [InlineData("train --lambda 1 --dim 1000000", "--dim")]
    [InlineData("train --lambda 1 --threads 100000", "--threads")]
    [InlineData("train --lambda 1 --lr 1e300", "--lr")]
    [InlineData("train --lambda 1e300", "--lambda")]
    [InlineData("train --lambda 1 --checkpoint-every -1", "--checkpoint-every")]
    [InlineData("train --lambda 1 --kind ntc --dim 4096 --hidden 4096 --transform mlp", "parameters")]
    [InlineData("train --lambda 1 --batch 1048576 --train-cell-samples 1048576", "tensors")]
    [InlineData("train --lambda 1 --dim 4096 --lattice Z4096 --entropy flow", "parameters")]
    [InlineData("sweep --lambdas 1,2 --batch 0", "--batch")]
    [InlineData("eval --samples 1100000000", "--samples")]
    [InlineData("eval --replicates 2000000000", "--replicates")]
    [InlineData("eval --cell-samples 2000000000", "--cell-samples")]
    [InlineData("eval --samples 16777216 --replicates 1000", "rates")]
    [InlineData("compress --chunk-rows 2000000000 a b", "--chunk-rows")]
    [InlineData("fit-coder --fit-samples 2000000000", "--fit-samples")]
    [InlineData("plot cells --samples 2000000000 --out x.png", "--samples")]
    [InlineData("plot rd --csv a=b.csv --variance -1 --out x.png", "--variance")]
    public void NumericOptionsAreBoundedBeforeAnyWork(string command, string mention)
    {
        string model = TrainTiny("m.ltcm");
        var args = command.Split(' ').ToList();
        if (args[0] is "eval" or "compress" or "fit-coder" || (args[0] == "plot" && args[1] == "cells")) args.InsertRange(args[0] == "plot" ? 2 : 1, ["--model", model]);
        if (args[0] == "train") args.AddRange(["--out", P("t.ltcm")]);
        if (args[0] == "sweep") args.AddRange(["--out-dir", P("s")]);
        for (int i = 0; i < args.Count; i++)
            if (args[i] is "x.png" or "a" or "b") args[i] = P(args[i]);
        var clock = Stopwatch.StartNew();
        AssertOneLineError(Run([.. args]), mention);
        Assert.True(clock.Elapsed.TotalSeconds < 20, $"{command}: {clock.Elapsed.TotalSeconds:F1} s");
        Assert.False(File.Exists(P("t.ltcm")) || Directory.Exists(P("s")) || File.Exists(P("x.png")) || File.Exists(P("b")));
    }

    /// <summary>The blocks of a model file: version, the five blocks, and whether it had a checksum.</summary>
    private static (int Version, List<byte[]> Blocks) Parse(byte[] file)
    {
        int version = BitConverter.ToInt32(file, 4);
        var blocks = new List<byte[]>();
        int pos = 8, end = version >= 3 ? file.Length - 32 : file.Length;
        while (pos < end)
        {
            int len = BitConverter.ToInt32(file, pos);
            blocks.Add(file[(pos + 4)..(pos + 4 + len)]);
            pos += 4 + len;
        }
        return (version, blocks);
    }

    /// <summary>A version 1 or 2 file (no checksum) or a version 3 one (checksum appended) of these blocks.</summary>
    private static byte[] Build(int version, IEnumerable<byte[]> blocks)
    {
        var ms = new MemoryStream();
        ms.Write("LTCM"u8);
        ms.Write(BitConverter.GetBytes(version));
        foreach (var b in blocks.Take(version == 1 ? 4 : 5))
        {
            ms.Write(BitConverter.GetBytes(b.Length));
            ms.Write(b);
        }
        if (version >= 3) ms.Write(System.Security.Cryptography.SHA256.HashData(ms.ToArray()));
        return ms.ToArray();
    }

    [Fact]
    public void ModelFilesCarryAChecksumAndOlderVersionsStillLoad()
    {
        string path = TrainTiny("m.ltcm");
        var file = File.ReadAllBytes(path);
        var (version, blocks) = Parse(file);
        Assert.Equal(4, version);
        Assert.Equal(5, blocks.Count);
        var fingerprint = ModelFile.Fingerprint(ModelFile.Load(path).Model);

        // One flipped bit anywhere in the weights: the checksum says so, in one line.
        int weightsAt = 8 + 4 + blocks[0].Length + 4 + blocks[1].Length + 4;
        for (int k = 0; k < 5; k++)
        {
            var flipped = (byte[])file.Clone();
            flipped[weightsAt + 40 + 97 * k] ^= (byte)(1 << k);
            File.WriteAllBytes(P("flip.ltcm"), flipped);
            var e = Assert.Throws<LtcException>(() => ModelFile.Load(P("flip.ltcm")));
            Assert.Equal($"{P("flip.ltcm")}: model file is corrupt (checksum mismatch)", e.Message);
        }
        var r = Run("eval", "--model", P("flip.ltcm"));
        AssertOneLineError(r, "checksum mismatch");

        // Versions 3 (the layout of 4), 2 (tables, no checksum) and 1 (no tables) still load.
        File.WriteAllBytes(P("v3.ltcm"), Build(3, blocks));
        Assert.Equal(fingerprint, ModelFile.Fingerprint(ModelFile.Load(P("v3.ltcm")).Model));
        File.WriteAllBytes(P("v2.ltcm"), Build(2, blocks));
        Assert.Equal(fingerprint, ModelFile.Fingerprint(ModelFile.Load(P("v2.ltcm")).Model));
        File.WriteAllBytes(P("v1.ltcm"), Build(1, blocks));
        Assert.Null(ModelFile.Load(P("v1.ltcm")).Model.Codec);

        // A configuration asking for a huge network is refused before anything is allocated: by its range, or by the
        // size of the weights block.
        string config = Encoding.UTF8.GetString(blocks[0]);
        foreach (var (field, value, mention) in new[] { ("hidden", "100000", "hidden width"), ("hidden", "4000", "weights block holds"),
            ("dim", "2000000", "dimension"), ("batch", "2000000000", "batch"), ("mc_samples", "2000000000", "cell samples") })
        {
            string changed = System.Text.RegularExpressions.Regex.Replace(config, $"\"{field}\":[0-9]+", $"\"{field}\":{value}");
            Assert.NotEqual(config, changed);
            foreach (int v in new[] { 2, 3 })
            {
                File.WriteAllBytes(P("cfg.ltcm"), Build(v, [Encoding.UTF8.GetBytes(changed), .. blocks.Skip(1)]));
                var clock = Stopwatch.StartNew();
                var e = Assert.Throws<LtcException>(() => ModelFile.Load(P("cfg.ltcm")));
                Assert.Contains(mention, e.Message);
                Assert.True(clock.Elapsed.TotalSeconds < 5);
            }
        }

        // Special files: /dev/zero is refused on its first bytes; a folder is one line.
        Assert.Contains("bad magic", Assert.Throws<LtcException>(() => ModelFile.Load("/dev/zero")).Message);
        AssertOneLineError(Run("eval", "--model", "/dev/zero"), "bad magic");
        AssertOneLineError(Run("eval", "--model", _dir), "directory");
        AssertOneLineError(Run("eval", "--model", ""));
    }

    [Fact]
    public async Task SpecialFilesAreStreamedOrRefusedInOneLine()
    {
        string model = TrainTiny("m.ltcm");
        var clock = Stopwatch.StartNew();
        AssertOneLineError(Run("eval", "--model", model, "--source", "npy:/dev/zero"), "regular file");
        AssertOneLineError(Run("train", "--lambda", "1", "--source", "npy:/dev/zero", "--out", P("z.ltcm")), "regular file");
        AssertOneLineError(Run("train", "--lambda", "1", "--lattice", "G:/dev/zero", "--out", P("z.ltcm")), "regular file");
        AssertOneLineError(Run("plot", "rd", "--csv", "a=/dev/zero", "--out", P("z.png")), "not an RD curve");
        AssertOneLineError(Run("inspect", "/dev/zero"), "bad magic");
        AssertOneLineError(Run("decompress", "--model", model, "/dev/zero", P("z.npy")), "bad magic");
        Assert.True(clock.Elapsed.TotalSeconds < 30, $"{clock.Elapsed.TotalSeconds:F1} s");
        Assert.False(File.Exists(P("z.ltcm")) || File.Exists(P("z.png")) || File.Exists(P("z.npy")));

        // A curve from a pipe (as --csv a=<(...) gives) is read.
        string fifo = Fifo("curve.fifo");
        var writing = Task.Run(() => File.WriteAllText(fifo, "rate_bits_per_sample,distortion_mse\n1,0.5\n2,0.2\n"));
        var r = Run("plot", "rd", "--csv", "a=" + fifo, "--out", P("curve.svg"));
        Assert.True(r.Code == 0, r.Err);
        await writing.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("<svg", File.ReadAllText(P("curve.svg")));
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void ADamagedOptimizerStateNamesTheBlock()
    {
        string path = TrainTiny("m.ltcm", "--checkpoint-every", "1");
        var (_, blocks) = Parse(File.ReadAllBytes(path));
        Assert.NotEmpty(blocks[3]);
        var rng = new Random(3);
        foreach (var damage in new Func<byte[], byte[]>[] { b => b[..(b.Length / 2)], b => { var c = (byte[])b.Clone(); rng.NextBytes(c.AsSpan(0, 40)); return c; }, _ => [1, 2, 3] })
        {
            // Version 2 files have no checksum, so the damage reaches the optimizer (in version 3 the checksum stops it first).
            var damaged = blocks.ToList();
            damaged[3] = damage(blocks[3]);
            File.WriteAllBytes(path, Build(2, damaged));
            var r = Run([.. "train --source gaussian --dim 2 --lattice A2 --lambda 4 --resume --out".Split(' '), path, .. Tiny]);
            AssertOneLineError(r, "optimizer state block");
        }
        Assert.Empty(Leftovers());
    }

    [Fact]
    public void ParameterCountIsExactForEveryKindOfModel()
    {
        var configs = new List<ModelConfig>
        {
            TorchTestSupport.Tiny("ntc", "Z2", "factorized"),
            TorchTestSupport.Tiny("ntc", "Z2", "factorized") with { Transform = TransformKind.Mlp, Hidden = 5 },
            TorchTestSupport.Tiny("ltc", "A2", "flow"),
            TorchTestSupport.Tiny("ltc", "A2", "factorized") with { Transform = TransformKind.Mlp },
            TorchTestSupport.Tiny("eclq", "A2", "flow"),
            TorchTestSupport.Tiny("eclq", "A2", "factorized"),
            TorchTestSupport.Tiny("block-ltc", "D4*", "flow") with { Source = "block:4:banana", Dim = 8, Block = 4, LatentDim = 2, ScalarsPerSample = 4 },
            TorchTestSupport.Tiny("block-ltc", "D4*", "factorized") with { Source = "block:4:banana", Dim = 8, Block = 4, LatentDim = 3, ScalarsPerSample = 4, Hidden = 7 },
        };
        foreach (var cfg in configs)
        {
            using var model = new CompressionModel(cfg);
            long actual = model.state_dict().Values.Sum(t => t.numel());
            Assert.True(actual == cfg.ParameterCount(), $"{cfg.Model} {cfg.Entropy} {cfg.Transform}: {actual} values, formula {cfg.ParameterCount()}");
        }
    }

    // ---- 8. Threads ---------------------------------------------------------------------------------------------

    [Fact]
    public void TorchRunsOnOneThreadUnlessAsked()
    {
        try
        {
            TorchSetup.Configure("cpu", 2);
            Assert.Equal(2, TorchSetup.Threads);
            string model = TrainTiny("m.ltcm"); // no --threads: the default
            Assert.Equal(1, TorchSetup.Threads);
            var r = Run("eval", "--model", model, "--samples", "64", "--cell-samples", "8", "--threads", "2");
            Assert.True(r.Code == 0, r.Err);
            Assert.Equal(2, TorchSetup.Threads);
            r = Run("eval", "--model", model, "--samples", "64", "--cell-samples", "8");
            Assert.True(r.Code == 0, r.Err);
            Assert.Equal(1, TorchSetup.Threads);
            foreach (var command in new[] { "train", "sweep", "eval" })
            {
                var help = Run(command, "--help");
                Assert.Contains("default 1", help.Out);
            }
        }
        finally
        {
            TorchSetup.Configure("cpu", 1);
        }
    }

    // ---- 9. Honest output ---------------------------------------------------------------------------------------

    [Fact]
    public void EvalReportsTheSourceItEvaluatedAndItsUnit()
    {
        string model = TrainTiny("m.ltcm");
        var r = Run("eval", "--model", model, "--source", "banana", "--samples", "256", "--cell-samples", "8", "--json");
        Assert.True(r.Code == 0, r.Err);
        using var banana = JsonDocument.Parse(r.Out);
        Assert.Equal("banana", banana.RootElement.GetProperty("source").GetString());
        Assert.Equal("gaussian", banana.RootElement.GetProperty("training_source").GetString());
        Assert.Equal("bits/vector", banana.RootElement.GetProperty("rate_unit").GetString());
        // The number is in that unit: bits per 2-d vector, as the evaluator computes it for banana.
        var loaded = ModelFile.Load(model);
        var expected = Evaluator.Evaluate(loaded.Model, Ltc.Sources.SourceCatalog.Parse("banana", 2),
            new EvalOptions(256, 8, 4, Lattices.CellSampling.ScrambledSobol, loaded.Model.Config.Seed + 1000));
        Assert.Equal(expected.Rate, banana.RootElement.GetProperty("rate_bits_per_sample").GetDouble(), 9);

        r = Run("eval", "--model", model, "--samples", "256", "--cell-samples", "8", "--json");
        using var gaussian = JsonDocument.Parse(r.Out);
        Assert.Equal("gaussian", gaussian.RootElement.GetProperty("source").GetString());
        Assert.Equal("bits/sample", gaussian.RootElement.GetProperty("rate_unit").GetString());
        r = Run("eval", "--model", model, "--source", "banana", "--samples", "256", "--cell-samples", "8");
        Assert.Contains("source       banana", r.Out);
        Assert.Contains("trained on gaussian", r.Out);
        Assert.Contains("bits/vector", r.Out);
    }

    [Fact]
    public async Task TrainWritesTheFinishedModelToStandardOutputForADash()
    {
        var (code, stdout, err) = await LtcProcess.RunAsync([], [.. "train --source gaussian --dim 2 --kind ntc --lambda 4 --out -".Split(' '), .. Tiny]);
        Assert.True(code == 0, err);
        Assert.Contains("model        /dev/stdout", err); // the report leaves stdout to the model
        File.WriteAllBytes(P("piped.ltcm"), stdout);
        Assert.Equal(ModelKind.Ntc, ModelFile.Load(P("piped.ltcm")).Model.Config.Model);
    }

    [Fact]
    public void AnOutputThatIsAFileRefusesADashAndWritesNothing()
    {
        // Standard output is for the commands that stream (train, compress, decompress, lattice quantize, data export).
        string model = P("a.ltcm");
        Assert.Equal(0, Run([.. "train --source gaussian --dim 2 --kind ntc --lambda 4 --json --out".Split(' '), model, .. Tiny]).Code);
        foreach (var args in new[]
        {
            new[] { "export", "--model", model, "--out", "-" },
            ["sweep", "--source", "gaussian", "--dim", "2", "--kind", "ntc", "--lambdas", "1", "--out-dir", "-"],
            ["train", "--source", "gaussian", "--dim", "2", "--lambda", "1", "--until-converged", "--loss-curve", "-", "--out", P("b.ltcm")],
        })
            AssertOneLineError(Run(args), "this output is a file, not a stream");
        Assert.False(File.Exists("-"));
        Assert.False(File.Exists(P("b.ltcm")));
    }

    [Fact]
    public void OptionNamesHaveOneMeaningAndOldSpellingsWarn()
    {
        // train: the kind of model is --kind; --model (a file everywhere else) still works here, with a warning.
        var r = Run([.. "train --source gaussian --dim 2 --kind ntc --lambda 4 --json --out".Split(' '), P("a.ltcm"), .. Tiny]);
        Assert.True(r.Code == 0, r.Err);
        Assert.DoesNotContain("warning", r.Err); // stderr holds the run's progress, and no warning
        Assert.Equal(ModelKind.Ntc, ModelFile.Load(P("a.ltcm")).Model.Config.Model);
        r = Run([.. "train --source gaussian --dim 2 --model ntc --lambda 4 --json --mc-samples 8 --out".Split(' '), P("b.ltcm"), "--steps", "2", "--hidden", "8", "--eval-samples", "64"]);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("ltc: warning: --model is deprecated in 'train'; use --kind", r.Err);
        Assert.Contains("ltc: warning: --mc-samples is deprecated in 'train'; use --train-cell-samples", r.Err);

        // eval: --cell-samples and --cell-sampling (old: --mc-samples, --mc).
        r = Run("eval", "--model", P("a.ltcm"), "--samples", "64", "--cell-samples", "8", "--cell-sampling", "sobol");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("", r.Err);
        r = Run("eval", "--model", P("a.ltcm"), "--samples", "64", "--mc-samples", "8", "--mc", "sobol");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("--mc-samples is deprecated in 'eval'; use --cell-samples", r.Err);
        Assert.Contains("--mc is deprecated in 'eval'; use --cell-sampling", r.Err);

        // Errors stay one line even with a deprecated spelling; -n is no longer an option of plot cells.
        AssertOneLineError(Run("train", "--model", "vae", "--lambda", "1", "--out", P("c.ltcm")), "vae");
        // A model file given to train's old --model is named as the slip it is.
        AssertOneLineError(Run("train", "--model", P("a.ltcm"), "--lambda", "1", "--out", P("c.ltcm")), "the model file is --out");
        AssertOneLineError(Run("train", "--model", P("a.ltcm"), "--kind", "ltc", "--lambda", "1", "--out", P("c.ltcm")), "--model is the old spelling of --kind");
        AssertOneLineError(Run("plot", "cells", "--model", P("a.ltcm"), "-n", "10", "--out", P("c.png")));
        // Where an option exists in several of these commands, --model is a model file (never a kind).
        foreach (var command in new[] { "eval", "compress", "decompress", "fit-coder" })
            Assert.Contains("Model file", Run(command, "--help").Out);
        Assert.Contains("Model file", Run("plot", "cells", "--help").Out);
        Assert.Contains("--kind", Run("train", "--help").Out);
    }
}
