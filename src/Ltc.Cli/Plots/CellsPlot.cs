using Ltc.Lattices;
using Ltc.Sources;
using Ltc.Torch;
using static TorchSharp.torch;

namespace Ltc.Cli.Plots;

/// <summary>
/// The quantization cells of a model of a 2-d source, as in the paper's figures: source samples coloured by the
/// cell (quantized latent) they fall in, reconstructions on top, equal axes.
/// </summary>
internal static class CellsPlot
{
    /// <summary>Most samples drawn.</summary>
    public const int MaxSamples = 2_000_000;

    /// <summary>Draws <paramref name="samples"/> test samples of the model's source and writes a PNG or SVG.</summary>
    public static (int Cells, int Samples) Save(CompressionModel model, VectorSource source, int samples, int seed, string path, string? title)
    {
        var cfg = model.Config;
        if (cfg.Dim != 2 || cfg.Model == ModelKind.BlockLtc)
            throw new LtcException($"cells can be drawn for one-shot models of 2-d sources only (this model: {cfg.Model.Name()}, dimension {cfg.Dim})");
        if (samples < 1 || samples > MaxSamples) throw new LtcException($"--samples must be between 1 and {MaxSamples}, got {samples}");
        PlotFile.Check(path);
        var data = source.IsSynthetic ? source.Sample(SourceSplit.Test, samples, seed) : source.Rows(SourceSplit.Test)!;
        int count = data.Length / 2;
        model.eval();
        using var _ = no_grad();
        // Single precision, as the model computes; dithered models are drawn without dither (the cells of Q itself).
        var x = tensor(data, [count, 2]).to(float32);
        var (quantized, reconstruction) = model.Quantize(x);
        var q = quantized.to(float64).contiguous().data<double>().ToArray();
        var rec = reconstruction.to(float64).contiguous().data<double>().ToArray();
        int dy = (int)quantized.shape[1];
        // Group samples by cell; the key is the quantized latent, rounded to absorb float noise (+0.0 turns −0 into 0).
        var groups = new Dictionary<string, (List<double> X, List<double> Y, double Rx, double Ry)>();
        for (int i = 0; i < count; i++)
        {
            var key = string.Join(",", Enumerable.Range(0, dy).Select(k => (Math.Round(q[i * dy + k], 4) + 0.0).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            if (!groups.TryGetValue(key, out var g)) g = groups[key] = (new List<double>(), new List<double>(), rec[2 * i], rec[2 * i + 1]);
            g.X.Add(data[2 * i]);
            g.Y.Add(data[2 * i + 1]);
        }
        var plt = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category20();
        int ci = 0;
        foreach (var g in groups.Values.OrderBy(v => v.Rx).ThenBy(v => v.Ry))
        {
            var sc = plt.Add.ScatterPoints(g.X.ToArray(), g.Y.ToArray());
            sc.Color = palette.GetColor((ci++ * 7) % palette.Colors.Length).WithAlpha(0.6);
            sc.MarkerSize = 2;
            sc.MarkerShape = ScottPlot.MarkerShape.FilledCircle;
        }
        var recon = plt.Add.ScatterPoints(groups.Values.Select(v => v.Rx).ToArray(), groups.Values.Select(v => v.Ry).ToArray());
        recon.Color = ScottPlot.Colors.Black;
        recon.MarkerSize = 6;
        recon.MarkerShape = ScottPlot.MarkerShape.FilledCircle;
        plt.Axes.SquareUnits();
        plt.Title(title ?? $"{cfg.Model.Name().ToUpperInvariant()}{(cfg.Model.HasLattice() ? " " + cfg.Lattice.Name : "")} on {cfg.Source}, λ = {cfg.Lambda}: {groups.Count} cells");
        PlotFile.Save(plt, path, 800, 800);
        return (groups.Count, count);
    }
}
