using System.CommandLine;
using Ltc.Cli.Plots;
using Ltc.Metrics;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc plot ...</c>: figures from result files.</summary>
internal static class PlotCommands
{
    public static Command Create()
    {
        var plot = new Command("plot", "Plots of results.");
        plot.Subcommands.Add(Rd());
        plot.Subcommands.Add(Cells());
        return plot;
    }

    private static Command Cells()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model file (.ltcm) of a 2-d source.", Required = true };
        var samples = new Option<int>("--samples", "-n") { Description = "Test samples drawn from a synthetic source (data sets use their test split).", DefaultValueFactory = _ => 20000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the samples.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Output file, .png or .svg.", Required = true };
        var title = new Option<string?>("--title") { Description = "Plot title." };
        var cmd = new Command("cells", "Quantization cells of a model of a 2-d source: samples coloured by cell, reconstructions on top.");
        foreach (var o in new Option[] { model, samples, seed, output, title }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            var loaded = Ltc.Torch.ModelFile.Load(pr.GetValue(model)!);
            var cfg = loaded.Model.Config;
            var src = ModelCommands.SourceFor(cfg.Source, cfg);
            var (cells, n) = Plots.CellsPlot.Save(loaded.Model, src, pr.GetValue(samples), pr.GetValue(seed), pr.GetValue(output)!, pr.GetValue(title));
            pr.InvocationConfiguration.Output.WriteLine($"{n} samples in {cells} cells → {pr.GetValue(output)}");
            return 0;
        });
        return cmd;
    }

    private static Command Rd()
    {
        var csv = new Option<string[]>("--csv") { Description = "A curve as name=path.csv (columns rate_bits_per_sample,distortion_mse); repeat for more.", Required = true, AllowMultipleArgumentsPerToken = false };
        var markers = new Option<string[]>("--markers") { Description = "A curve drawn as markers only, name=path.csv; repeat for more." };
        var reference = new Option<string?>("--reference") { Description = "Draw a reference bound: 'gaussian' (R(D) of the unit Gaussian)." };
        var output = new Option<string>("--out") { Description = "Output file, .png or .svg.", Required = true };
        var title = new Option<string?>("--title") { Description = "Plot title." };
        var variance = new Option<double>("--variance") { Description = "Per-coordinate variance σ² for SNR = 10·log10(σ²/D).", DefaultValueFactory = _ => 1.0 };
        var rateLabel = new Option<string>("--rate-label") { Description = "X axis label.", DefaultValueFactory = _ => "rate (bits/sample)" };
        var cmd = new Command("rd", "SNR (dB) against rate for RD curves given as CSV files.");
        foreach (var o in new Option[] { csv, markers, reference, output, title, variance, rateLabel }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            double v = pr.GetValue(variance);
            if (!(v > 0) || !double.IsFinite(v)) throw new LtcException($"--variance must be positive, got {v}");
            var p = new RdPlot { Title = pr.GetValue(title) ?? "", Variance = v, RateLabel = pr.GetValue(rateLabel)! };
            void AddAll(string option, string[]? specs, bool line)
            {
                foreach (var spec in specs ?? [])
                {
                    int eq = spec.LastIndexOf('='); // names may contain '=', e.g. "ECVQ n=2"
                    if (eq <= 0 || eq == spec.Length - 1) throw new LtcException($"{option} '{spec}': expected name=path.csv");
                    p.Add(spec[..eq], RdCsv.Read(spec[(eq + 1)..]), line);
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
            p.Save(pr.GetValue(output)!);
            pr.InvocationConfiguration.Output.WriteLine($"wrote {pr.GetValue(output)}");
            return 0;
        });
        return cmd;
    }
}
