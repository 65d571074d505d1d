using System.CommandLine;
using Ltc.Cli.Plots;
using Ltc.IO;
using Ltc.Metrics;
using Ltc.RateDistortion;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc plot ...</c>: figures from result files.</summary>
internal static class PlotCommands
{
    public static Command Create()
    {
        var plot = new Command("plot", "Plots of results.");
        plot.Subcommands.Add(Rd());
        plot.Subcommands.Add(Cells());
        plot.Subcommands.Add(Loss());
        return plot;
    }

    private static Command Cells()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model file (.ltcm) of a 2-d source.", Required = true };
        var samples = new Option<int>("--samples") { Description = $"Test samples drawn from a synthetic source (1..{CellsPlot.MaxSamples}; data sets use their test split).", DefaultValueFactory = _ => 20000 }.Range(1, CellsPlot.MaxSamples);
        var seed = new Option<int>("--seed") { Description = "Seed of the samples.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out", "-o") { Description = "Output file, .png or .svg; - writes a PNG to standard output.", Required = true };
        var title = new Option<string?>("--title") { Description = "Plot title." };
        var cmd = new Command("cells", "Quantization cells of a model of a 2-d source: samples coloured by cell, reconstructions on top.");
        foreach (var o in new Option[] { model, samples, seed, output, title }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string modelPath = pr.GetValue(model)!, outPath = CliOptions.StandardStream(pr.GetValue(output)!, write: true);
            PlotFile.Check(outPath, modelPath);
            Ltc.Torch.TorchSetup.Configure("cpu", 1);
            var loaded = Ltc.Torch.ModelFile.Load(modelPath);
            if (loaded.UnfinishedWarning(modelPath) is string warning) LtcApp.Warn(warning);
            var cfg = loaded.Model.Config;
            var src = ModelCommands.SourceFor(cfg.Source, cfg);
            var (cells, n) = Plots.CellsPlot.Save(loaded.Model, src, pr.GetValue(samples), pr.GetValue(seed), outPath, pr.GetValue(title));
            var o = CliOptions.ReportWriter(pr, outPath);
            o.WriteLine($"{n} samples in {cells} cells → {CliOutput.Escape(outPath)}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Largest curve file read from a pipe or device.</summary>
    private const int MaxCurveBytes = 16 << 20;

    /// <summary>
    /// Reads a curve; a pipe or device (e.g. <c>--csv a=&lt;(...)</c>) is copied, at most <see cref="MaxCurveBytes"/>,
    /// to a temporary file first, so that /dev/zero cannot be read without end.
    /// </summary>
    private static RdPoint[] ReadCurve(string path)
    {
        AtomicFile.CheckInput(path);
        if (AtomicFile.IsRegularFile(path)) return RdCsv.Read(path);
        string tmp = Path.Combine(Path.GetTempPath(), $"ltc-curve-{Environment.ProcessId}-{Guid.NewGuid():N}.csv");
        try
        {
            using (var input = new FileStream(path, FileMode.Open, FileAccess.Read))
            using (var copy = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
                BoundedCopy.CopyTo(input, copy, MaxCurveBytes, $"{path}: more than {MaxCurveBytes} bytes; not an RD curve");
            return RdCsv.Read(tmp);
        }
        catch (LtcException e) when (e.Message.Contains(tmp, StringComparison.Ordinal))
        {
            throw new LtcException(e.Message.Replace(tmp, path, StringComparison.Ordinal));
        }
        finally
        {
            AtomicFile.DeleteQuietly(tmp);
        }
    }

    private static Command Rd()
    {
        var csv = new Option<string[]>("--csv") { Description = "A curve as name=path.csv (columns rate_bits_per_sample,distortion_mse); repeat for more.", Required = true, AllowMultipleArgumentsPerToken = false };
        var markers = new Option<string[]>("--markers") { Description = "A curve drawn as markers only, name=path.csv; repeat for more." };
        var reference = new Option<string?>("--reference") { Description = "Draw a reference bound: 'gaussian' (R(D) of the unit Gaussian)." };
        var output = new Option<string>("--out", "-o") { Description = "Output file, .png or .svg; - writes a PNG to standard output.", Required = true };
        var title = new Option<string?>("--title") { Description = "Plot title." };
        var variance = new Option<double>("--variance") { Description = "Per-coordinate variance σ² for SNR = 10·log10(σ²/D) (positive).", DefaultValueFactory = _ => 1.0 }.Positive(1e300);
        var rateLabel = new Option<string>("--rate-label") { Description = "X axis label.", DefaultValueFactory = _ => "rate (bits/sample)" };
        var cmd = new Command("rd", "SNR (dB) against rate for RD curves given as CSV files.");
        foreach (var o in new Option[] { csv, markers, reference, output, title, variance, rateLabel }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string outPath = CliOptions.StandardStream(pr.GetValue(output)!, write: true);
            var specs = (pr.GetValue(csv) ?? []).Concat(pr.GetValue(markers) ?? []).ToList();
            PlotFile.Check(outPath, [.. specs.Select(spec => spec.LastIndexOf('=') is int eq and > 0 ? spec[(eq + 1)..] : spec)]);
            double v = pr.GetValue(variance);
            if (!(v > 0) || !double.IsFinite(v)) throw new LtcException($"--variance must be positive, got {v}");
            var p = new RdPlot { Title = pr.GetValue(title) ?? "", Variance = v, RateLabel = pr.GetValue(rateLabel)! };
            void AddAll(string option, string[]? specs, bool line)
            {
                foreach (var spec in specs ?? [])
                {
                    int eq = spec.LastIndexOf('='); // names may contain '=', e.g. "ECVQ n=2"
                    if (eq <= 0 || eq == spec.Length - 1) throw new LtcException($"{option} '{spec}': expected name=path.csv");
                    p.Add(spec[..eq], ReadCurve(spec[(eq + 1)..]), line);
                }
            }
            AddAll("--csv", pr.GetValue(csv), true);
            AddAll("--markers", pr.GetValue(markers), false);
            var r = pr.GetValue(reference);
            if (r != null)
            {
                if (!r.Equals("gaussian", StringComparison.OrdinalIgnoreCase)) throw new LtcException($"--reference '{r}': only 'gaussian' is known");
                p.AddGaussianRd(Math.Max(p.MaxRate, 0.5));
            }
            p.Save(outPath);
            var o = CliOptions.ReportWriter(pr, outPath);
            o.WriteLine($"wrote {CliOutput.Escape(outPath)}");
            return 0;
        });
        return cmd;
    }

    private static Command Loss()
    {
        var csv = new Option<string[]>("--csv") { Description = "A held-out loss curve as name=path.curve.csv (ltc train --loss-curve, ltc sweep --until-converged); repeatable.", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out", "-o") { Description = "Output file, .png or .svg; - writes a PNG to standard output.", Required = true };
        var title = new Option<string?>("--title") { Description = "Plot title." };
        var train = new Option<bool>("--train") { Description = "Also draw the training loss (moving average), dashed." };
        var cmd = new Command("loss", "Held-out loss R + λ·D against training steps, one line per curve: the evidence that a run converged.");
        foreach (var o in new Option[] { csv, output, title, train }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string outPath = CliOptions.StandardStream(pr.GetValue(output)!, write: true);
            var specs = pr.GetValue(csv) ?? [];
            PlotFile.Check(outPath, [.. specs.Select(spec => spec.LastIndexOf('=') is int eq and > 0 ? spec[(eq + 1)..] : spec)]);
            var plt = new ScottPlot.Plot();
            var palette = new ScottPlot.Palettes.Category10();
            int ci = 0;
            foreach (var spec in specs)
            {
                int eq = spec.LastIndexOf('=');
                if (eq <= 0 || eq == spec.Length - 1) throw new LtcException($"--csv '{spec}': expected name=path.curve.csv");
                var points = Ltc.Torch.ConvergenceCurve.Read(spec[(eq + 1)..]);
                if (points.Length == 0) throw new LtcException($"{spec[(eq + 1)..]}: a loss curve without points (the run made no held-out check yet)");
                var color = palette.GetColor(ci++);
                double[] steps = [.. points.Select(p => (double)p.Step)];
                var held = plt.Add.Scatter(steps, points.Select(p => p.Loss).ToArray());
                held.LegendText = spec[..eq];
                held.Color = color;
                held.MarkerSize = 3;
                if (pr.GetValue(train))
                {
                    var tr = plt.Add.Scatter(steps, points.Select(p => p.TrainLoss).ToArray());
                    tr.LegendText = spec[..eq] + " (training)";
                    tr.Color = color;
                    tr.LinePattern = ScottPlot.LinePattern.Dashed;
                    tr.MarkerSize = 0;
                }
            }
            plt.XLabel("training step");
            plt.YLabel("held-out loss R + λ·D");
            if (pr.GetValue(title) is { Length: > 0 } t) plt.Title(t);
            plt.ShowLegend(ScottPlot.Alignment.UpperRight);
            PlotFile.Save(plt, outPath, 900, 600);
            var o = CliOptions.ReportWriter(pr, outPath);
            o.WriteLine($"wrote {CliOutput.Escape(outPath)}");
            return 0;
        });
        return cmd;
    }
}
