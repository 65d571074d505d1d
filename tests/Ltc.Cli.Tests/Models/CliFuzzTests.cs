using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ltc.Cli;
using Ltc.IO;

using Ltc.Torch;
using Ltc.Torch.Tests;

namespace Ltc.Cli.Tests.Models;

/// <summary>
/// Random command lines over every command, run in-process: wrong types, negative, zero and huge numbers, missing
/// files, folders and empty strings mixed into otherwise small, valid invocations. Whatever happens, the exit code is
/// 0 or 2, nothing escapes as an exception, stderr has no stack trace, a failed command (exit 2) prints exactly one
/// line and writes nothing. Valid values are kept small (a few training steps, a few hundred samples) so that the
/// commands that do run finish in about a second. Seeded: the same vectors every run.
/// </summary>
[Collection("torch-serial")]
public sealed class CliFuzzTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-fuzz-").FullName;
    private readonly Dictionary<string, string> _files = [];

    public CliFuzzTests()
    {
        string P(string name) => Path.Combine(_dir, name);
        var r = LtcApp.RunCaptured([.. "train --source gaussian --dim 2 --lattice A2 --lambda 4 --json --out".Split(' '), P("model.ltcm"), .. RobustnessCliTests.Tiny]);
        Assert.True(r.Code == 0, r.Err);
        Npy.Write(P("x2.npy"), new double[] { 0.1, -0.4, 1.2, 0.3, -0.7, 0.9 }, 3, 2);
        Npy.Write(P("x8.npy"), Enumerable.Range(0, 40).Select(i => Math.Sin(i)).ToArray(), 5, 8);
        r = LtcApp.RunCaptured("compress", "--model", P("model.ltcm"), P("x2.npy"), P("x.ltc"));
        Assert.True(r.Code == 0, r.Err);
        r = LtcApp.RunCaptured("export", "--model", P("model.ltcm"), "--out", P("model.safetensors"));
        Assert.True(r.Code == 0, r.Err);
        File.WriteAllText(P("a.csv"), "rate_bits_per_sample,distortion_mse\n0.5,0.5\n1,0.25\n2,0.0625\n3,0.016\n");
        File.WriteAllText(P("b.csv"), "rate_bits_per_sample,distortion_mse\n0.5,0.45\n1,0.22\n2,0.06\n3,0.015\n");
        File.WriteAllText(P("garbage.bin"), "this is not any of Ltc's formats");
        Directory.CreateDirectory(P("folder"));
        foreach (var (key, name) in new[] { ("model", "model.ltcm"), ("x2", "x2.npy"), ("x8", "x8.npy"), ("ltc", "x.ltc"), ("csv", "a.csv"),
            ("csv2", "b.csv"), ("garbage", "garbage.bin"), ("dir", "folder"), ("st", "model.safetensors") })
            _files[key] = P(name);
        _files["missing"] = P("missing/nothing.bin");
    }

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>One option (or a positional argument when <see cref="Name"/> is null) and the values it is given.</summary>
    /// <param name="Name">The option, or null for a positional argument.</param>
    /// <param name="Valid">Small valid values; empty for a flag.</param>
    /// <param name="Bad">Invalid values (null: the common pool).</param>
    /// <param name="Always">Always present (budgets that keep the command short, required arguments).</param>
    private sealed record Arg(string? Name, string[] Valid, string[]? Bad = null, bool Always = false);

    private sealed record Spec(string Command, bool Owned, params Arg[] Args);

    // Wrong types, negative, zero, huge, empty, missing, folders.
    private static readonly string[] CommonBad = ["", "-1", "0", "2147483647", "99999999999", "abc", "1e9", "nan", "{missing}", "{dir}", "{garbage}"];
    private static readonly string[] NumberBad = ["", "-1", "-2147483648", "99999999999", "abc", "1.5e300", "nan", "0x10"];
    private static readonly string[] PathBad = ["", "{missing}", "{dir}", "{garbage}"];
    private static readonly string[] OutBad = ["", "{dir}", "{missing}", "{model}"];

    private static Arg Flag(string name) => new(name, [], ["maybe"]);

    private static readonly string[] Budget = ["--steps", "--batch", "--train-cell-samples", "--eval-samples", "--eval-cell-samples"];

    private static Arg[] TrainArgs() =>
    [
        new Arg("--source", ["gaussian", "banana", "uniform", "npy:{x2}", "block:2:banana"], ["", "nosuch", "npy:{missing}", "npy:{dir}", "npy:{garbage}", "block:0:banana", "block:x:banana"]),
        new Arg("--dim", ["2", "4"]),
        new Arg("--kind", ["ntc", "ltc", "eclq", "block-ltc"], ["", "vae", "1"]),
        new Arg("--lattice", ["A2", "Z2", "D4", "E8"], ["", "Q7", "G:{missing}", "G:{garbage}", "E8^99999"]),
        new Arg("--latent-dim", ["1", "2"]),
        new Arg("--hidden", ["4", "8"]),
        new Arg("--transform", ["linear", "mlp"], ["", "cnn"]),
        new Arg("--entropy", ["factorized", "flow"], ["", "gmm"]),
        new Arg("--proxy", ["ste", "dither"], ["", "noise"]),
        new Arg("--profile", ["quick", "standard", "paper"], ["", "huge"]),
        new Arg("--steps", ["0", "1", "2"], NumberBad, Always: true),
        new Arg("--batch", ["4", "8"], NumberBad, Always: true),
        new Arg("--train-cell-samples", ["4", "8"], NumberBad, Always: true),
        new Arg("--train-cell-sampling", ["montecarlo", "sobol"], ["", "random"]),
        new Arg("--lr", ["0.001", "0.01"], ["0", "-1", "1e308", "nan", "inf", "abc"]),
        new Arg("--seed", ["1", "-5", "2147483647"], ["abc", "99999999999"]),
        new Arg("--device", ["cpu"], ["", "tpu", "cuda"]),
        new Arg("--threads", ["1"], ["-1", "100000", "abc"]),
        new Arg("--eval-samples", ["16", "32"], NumberBad, Always: true),
        new Arg("--eval-cell-samples", ["4", "8"], NumberBad, Always: true),
        Flag("--json"),
        new Arg("--init-from", ["{model}"], [.. PathBad, "{x2}", "{ltc}"]),
    ];

    private static List<Spec> Specs()
    {
        var train = TrainArgs();
        return
        [
            new Spec("train", true, [.. train, new Arg("--lambda", ["1", "4"], ["0", "-1", "nan", "inf", "abc", "1e300"], Always: true),
                new Arg("--out", ["{out:ltcm}"], OutBad, Always: true), Flag("--resume"), new Arg("--checkpoint-every", ["0", "1"], NumberBad)]),
            new Spec("sweep", true, [.. train, new Arg("--lambdas", ["1", "1,4"], ["", "1,1", "-1", "abc", "0,1", ",", "1e300"], Always: true),
                new Arg("--out-dir", ["{out:d}"], ["", "{x2}", "{garbage}"], Always: true)]),
            new Spec("eval", true, new Arg("--model", ["{model}"], PathBad, Always: true), new Arg("--samples", ["16", "64"], NumberBad, Always: true),
                new Arg("--cell-samples", ["4", "8"], NumberBad, Always: true), new Arg("--replicates", ["1", "2"], NumberBad),
                new Arg("--cell-sampling", ["sobol", "montecarlo"], ["", "x"]), new Arg("--seed", ["3"], ["abc"]),
                new Arg("--source", ["gaussian", "banana", "uniform"], ["", "nosuch", "npy:{x8}", "npy:{missing}", "block:2:banana"]),
                new Arg("--threads", ["1"], ["-1", "abc", "5000"]), Flag("--coded"), Flag("--json")),
            new Spec("compress", true, new Arg("--model", ["{model}"], PathBad, Always: true), new Arg("--chunk-rows", ["0", "1", "2"], NumberBad),
                new Arg("--threads", ["1", "2"], ["-1", "abc", "5000"]), Flag("--json"),
                new Arg(null, ["{x2}"], ["", "{missing}", "{dir}", "{x8}", "{garbage}", "{model}"], Always: true), new Arg(null, ["{out:ltc}"], OutBad, Always: true)),
            new Spec("decompress", true, new Arg("--model", ["{model}"], PathBad, Always: true), new Arg("--threads", ["1"], ["-1", "abc"]), Flag("--json"),
                new Arg(null, ["{ltc}"], ["", "{missing}", "{dir}", "{x2}", "{garbage}"], Always: true), new Arg(null, ["{out:npy}"], OutBad, Always: true)),
            new Spec("fit-coder", true, new Arg("--model", ["{model}"], PathBad, Always: true), new Arg("--fit-samples", ["100", "500"], NumberBad, Always: true),
                new Arg("--seed", ["2"], ["abc"]), new Arg("--out", ["{out:ltcm}"], ["", "{dir}", "{missing}"], Always: true), Flag("--json")),
            new Spec("export", true, new Arg("--model", ["{model}"], [.. PathBad, "{st}", "{x2}"], Always: true),
                new Arg("--out", ["{out:safetensors}"], OutBad, Always: true), Flag("--json")),
            // The model fixture is never an import's output: a valid import would replace it for the cases after.
            new Spec("import", true, new Arg("--in", ["{st}"], [.. PathBad, "{model}", "{x2}", "{ltc}"], Always: true),
                new Arg("--out", ["{out:ltcm}"], ["", "{dir}", "{missing}", "{st}"], Always: true), Flag("--json")),
            new Spec("inspect", true, new Arg(null, ["{ltc}"], ["", "{missing}", "{dir}", "{x2}", "{garbage}", "{model}"], Always: true), Flag("--json")),
            new Spec("plot rd", true, new Arg("--csv", ["a={csv}", "b={csv2}"], ["", "x", "=", "a=", "a={missing}", "a={garbage}", "a={dir}"], Always: true),
                new Arg("--markers", ["m={csv2}"], ["m="]), new Arg("--reference", ["gaussian"], ["", "laplace"]),
                new Arg("--out", ["{out:png}", "{out:svg}"], ["", "{out:txt}", "{dir}", "{missing}", "{csv}"], Always: true),
                new Arg("--title", ["t", "\u001b[2J"]), new Arg("--variance", ["1", "0.5"], ["0", "-1", "nan", "inf", "abc"]), new Arg("--rate-label", ["r"])),
            new Spec("plot cells", true, new Arg("--model", ["{model}"], PathBad, Always: true), new Arg("--samples", ["100", "300"], NumberBad, Always: true),
                new Arg("--seed", ["1"], ["abc"]), new Arg("--out", ["{out:png}", "{out:svg}"], ["", "{out:txt}", "{dir}", "{model}"], Always: true)),
            new Spec("demo", true, new Arg(null, ["extra", "--nosuch", "-1"], ["extra", "--nosuch", "-1"], Always: true)), // a valid demo runs for minutes
            new Spec("lattice list", false, Flag("--json")),
            new Spec("lattice info", false, new Arg("--lattice", ["E8", "A2", "D4*", "Leech"], ["", "Q7", "G:{missing}", "G:{garbage}"], Always: true), Flag("--unit-volume"), Flag("--json")),
            new Spec("lattice nsm", false, new Arg("--lattice", ["Z2", "A2", "E8"], ["", "Q7"], Always: true), new Arg("--samples", ["1000", "2000"], ["", "-1", "0", "abc", "99999999999999999999"], Always: true),
                new Arg("--seed", ["1"], ["abc"]), Flag("--sobol"), new Arg("--replicates", ["2", "4"], ["-1", "0", "abc", "99999999999"]), new Arg("--threads", ["1"], ["-1", "abc"]), Flag("--json")),
            new Spec("lattice quantize", false, new Arg("--lattice", ["E8", "D8"], ["", "Q7", "A2"], Always: true), Flag("--unit-volume"), new Arg("--coords", ["{out:k.npy}"], ["", "{dir}", "{missing}"]),
                new Arg("--threads", ["1"], ["-1", "abc"]), Flag("--json"),
                new Arg(null, ["{x8}"], ["", "{missing}", "{dir}", "{x2}", "{garbage}"], Always: true), new Arg(null, ["{out:npy}"], OutBad, Always: true)),
            new Spec("lattice bench", false, new Arg("--lattice", ["E8", "A2"], ["", "Q7"]), new Arg("--points", ["100", "1000"], ["", "-1", "0", "abc", "99999999999"], Always: true),
                new Arg("--seconds", ["0"], ["-1", "nan", "abc"], Always: true), new Arg("--threads", ["1"], ["-1", "0", "abc"]), Flag("--json")),
            new Spec("bounds", false, new Arg("--source", ["gaussian", "laplace", "uniform", "npy:{x2}"], ["", "nosuch", "npy:{missing}"], Always: true),
                new Arg("--dim", ["1", "2"], ["-1", "0", "abc", "99999999999"]), new Arg("--kind", ["rd", "slb", "ba", "ecsq", "ecvq", "eclq"], ["", "x"], Always: true),
                new Arg("--lattice", ["Z2", "A2"], ["", "Q7"]), new Arg("--points", ["2", "3"], ["-1", "0", "abc", "99999999999"], Always: true),
                new Arg("--max-rate", ["1", "2"], ["-1", "0", "nan", "inf", "abc"]), new Arg("--samples", ["500", "1000"], ["-1", "0", "abc", "99999999999"], Always: true),
                new Arg("--cell-samples", ["64"], ["-1", "0", "abc", "99999999999"], Always: true), new Arg("--bins", ["16", "32"], ["-1", "0", "abc"]),
                new Arg("--max-codewords", ["4", "8"], ["-1", "0", "abc"]), new Arg("--max-cells", ["0", "8"], ["-1", "abc"]), new Arg("--columns", ["0"], ["", "x", "9"]),
                new Arg("--seed", ["1"], ["abc"]), Flag("--json"), Flag("--csv")),
            new Spec("bdrate", false, new Arg("--variance", ["1"], ["0", "-1", "nan", "abc"]), new Arg("--min-rate", ["0", "0.5"], ["-1", "nan", "abc"]), Flag("--json"),
                new Arg(null, ["{csv}"], ["", "{missing}", "{dir}", "{garbage}"], Always: true), new Arg(null, ["{csv2}"], ["", "{missing}", "{dir}", "{garbage}"], Always: true)),
            new Spec("data export", false, new Arg("--source", ["gaussian", "banana", "npy:{x2}"], ["", "nosuch", "npy:{missing}", "npy:{dir}"], Always: true),
                new Arg("--dim", ["1", "3"], ["-1", "0", "abc", "99999999999"]), new Arg("--split", ["train", "test"], ["", "dev"]),
                new Arg("--count", ["10", "100"], ["-1", "0", "abc", "99999999999"], Always: true), new Arg("--seed", ["1"], ["abc"]),
                new Arg("--out", ["{out:npy}"], OutBad, Always: true), Flag("--json")),
            new Spec("bench coder", false, new Arg("--symbols", ["1000", "5000"], ["-1", "0", "abc", "99999999999"], Always: true), Flag("--json")),
        ];
    }

    private string Expand(string value, int i, List<string> outputs)
    {
        var sb = new StringBuilder(value);
        foreach (var (key, path) in _files) sb.Replace("{" + key + "}", path);
        string s = sb.ToString();
        int at = s.IndexOf("{out:", StringComparison.Ordinal);
        if (at >= 0)
        {
            int end = s.IndexOf('}', at);
            string ext = s[(at + 5)..end];
            string path = Path.Combine(_dir, ext == "d" ? $"o{i}-dir" : $"o{i}-{outputs.Count}.{ext}");
            outputs.Add(path);
            s = s[..at] + path + s[(end + 1)..];
        }
        return s;
    }

    private (string[] Args, List<string> Outputs) Generate(Spec spec, Random rng, int i)
    {
        var args = new List<string>(spec.Command.Split(' '));
        var outputs = new List<string>();
        var positional = new List<string>();
        var present = spec.Args.Where(a => a.Always || rng.NextDouble() < 0.5).ToList();
        // A third of the cases are valid throughout (so that commands do run); the others have one or two bad values.
        var bads = new HashSet<Arg>();
        int badCount = rng.NextDouble() < 0.33 ? 0 : rng.Next(1, 3);
        for (int k = 0; k < badCount && present.Count > 0; k++) bads.Add(present[rng.Next(present.Count)]);
        foreach (var a in present)
        {
            bool bad = bads.Contains(a) || a.Valid.Length == 0 && a.Name is null;
            var pool = bad ? (a.Bad ?? CommonBad) : a.Valid;
            if (a.Name is null)
            {
                if (pool.Length > 0) positional.Add(Expand(pool[rng.Next(pool.Length)], i, outputs));
                continue;
            }
            args.Add(a.Name);
            if (pool.Length > 0) args.Add(Expand(pool[rng.Next(pool.Length)], i, outputs));
        }
        if (rng.NextDouble() < 0.05) args.Add(rng.NextDouble() < 0.5 ? "--nosuch" : "stray");
        args.AddRange(positional);
        return ([.. args], outputs);
    }

    private async Task Fuzz(bool owned, int cases, int seed)
    {
        var specs = Specs().Where(s => s.Owned == owned).ToList();
        var rng = new Random(seed);
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        int succeeded = 0, done = 0;
        for (int i = 0; i < cases && failures.Count < 10; i++, done++)
        {
            var spec = specs[rng.Next(specs.Count)];
            var (args, outputs) = Generate(spec, rng, i);
            string shown = string.Join(' ', args.Select(a => a.Length == 0 ? "''" : a.Replace(_dir, "$T")));
            var run = Task.Run(() =>
            {
                try { return (Result: LtcApp.RunCaptured(args), Error: (Exception?)null); }
                catch (Exception e) { return (Result: default((int Code, string Out, string Err)), Error: e); }
            });
            try { await run.WaitAsync(TimeSpan.FromSeconds(60)); }
            catch (TimeoutException)
            {
                failures.Add($"still running after 60 s: {shown}");
                break; // a runaway command keeps its thread; stop here rather than pile them up
            }
            var (r, error) = await run;
            if (error is not null)
            {
                failures.Add($"exception {error.GetType().Name}: {error.Message.ReplaceLineEndings(" ")} ← {shown}");
                continue;
            }
            if (r.Code == 0) succeeded++;
            if (r.Code is not (0 or 2)) failures.Add($"exit {r.Code} ← {shown}: {r.Err.ReplaceLineEndings(" ")}");
            else if (r.Err.Contains("   at ", StringComparison.Ordinal) || r.Err.Contains("Unhandled exception", StringComparison.Ordinal))
                failures.Add($"stack trace ← {shown}");
            else if (r.Code == 2)
            {
                var lines = r.Err.TrimEnd().Split('\n');
                if (lines.Length != 1 || !lines[0].StartsWith("ltc: error: ", StringComparison.Ordinal))
                    failures.Add($"not one error line ({lines.Length}) ← {shown}: {r.Err.ReplaceLineEndings(" | ")}");
                foreach (var o in outputs.Where(o => File.Exists(o) || Directory.Exists(o)))
                    failures.Add($"failed but wrote {Path.GetFileName(o)} ← {shown}");
            }
            var stray = Directory.GetFiles(_dir, ".*", SearchOption.AllDirectories);
            if (stray.Length > 0)
            {
                failures.Add($"temporary files left ({string.Join(", ", stray.Select(Path.GetFileName))}) ← {shown}");
                foreach (var f in stray) File.Delete(f);
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} failures in {done} cases, {clock.Elapsed.TotalSeconds:F0} s:\n" + string.Join("\n", failures));
        // The vectors must also let commands run, not only fail: at least a tenth of them succeed.
        Assert.True(succeeded >= done / 10, $"only {succeeded} of {done} cases succeeded");
    }

    /// <summary>The commands of the model and codec side: train, sweep, eval, compress, decompress, fit-coder, export, import, inspect, plot, demo.</summary>
    [Fact]
    public Task RandomCommandLinesOfTheModelCommandsEndInZeroOrOneErrorLine() =>
        Fuzz(owned: true, cases: CodecTestSupport.Heavy ? 1500 : 250, seed: 20261130);

    /// <summary>The other commands: lattice, bounds, bdrate, data, bench.</summary>
    [Fact]
    public Task RandomCommandLinesOfTheOtherCommandsEndInZeroOrOneErrorLine() =>
        Fuzz(owned: false, cases: CodecTestSupport.Heavy ? 1500 : 150, seed: 20261201);
}
