using Ltc.IO;
using Ltc.Metrics;
using Ltc.RateDistortion;

namespace Ltc.Cli.Plots;

/// <summary>
/// An RD plot: SNR (dB) against rate for a list of named curves, optionally with R(D) of the unit-variance
/// Gaussian, written as PNG or SVG (chosen by the file extension) through a temporary file renamed into place.
/// </summary>
internal sealed class RdPlot
{
    private readonly List<(string Name, RdPoint[] Points, bool Line)> _curves = [];

    public string Title { get; init; } = "";
    public string RateLabel { get; init; } = "rate (bits/sample)";
    public double Variance { get; init; } = 1.0;
    public int Width { get; init; } = 900;
    public int Height { get; init; } = 600;

    /// <summary>Adds a curve; <paramref name="line"/> false draws markers only.</summary>
    public RdPlot Add(string name, IEnumerable<RdPoint> points, bool line = true)
    {
        _curves.Add((name, RdCurve.SortByRate(points), line));
        return this;
    }

    /// <summary>Adds R(D) = ½·log2(σ²/D) of the Gaussian over [0, maxRate] as a dashed line.</summary>
    public RdPlot AddGaussianRd(double maxRate)
    {
        var pts = Enumerable.Range(0, 101).Select(i => maxRate * i / 100.0)
            .Select(r => new RdPoint(r, TheoreticalRd.GaussianDistortion(r, Variance))).ToArray();
        _curves.Insert(0, ("R(D) Gaussian", pts, true));
        return this;
    }

    public double MaxRate => _curves.Count == 0 ? 1 : _curves.Max(c => c.Points.Length == 0 ? 0 : c.Points.Max(p => p.Rate));

    private static readonly System.Text.RegularExpressions.Regex SeedSuffix = new(@" seed \S+$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>Renders to <paramref name="path"/> (.png or .svg).</summary>
    public void Save(string path)
    {
        PlotFile.Check(path);
        var plt = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        // Curves named "<system> seed <s>" share their system's colour and differ by marker, so that a picture of
        // several systems over several seeds reads by system (and never reuses a colour before ten systems).
        var colours = new Dictionary<string, ScottPlot.Color>();
        var seedsSeen = new Dictionary<string, int>();
        ScottPlot.MarkerShape[] shapes = [ScottPlot.MarkerShape.FilledCircle, ScottPlot.MarkerShape.FilledSquare,
            ScottPlot.MarkerShape.FilledTriangleUp, ScottPlot.MarkerShape.FilledDiamond, ScottPlot.MarkerShape.FilledTriangleDown];
        foreach (var (name, pts, line) in _curves)
        {
            var xs = pts.Select(p => p.Rate).ToArray();
            var ys = pts.Select(p => Snr.Db(Variance, p.Distortion)).ToArray();
            var sc = plt.Add.Scatter(xs, ys);
            sc.LegendText = name;
            bool reference = name.StartsWith("R(D)", StringComparison.Ordinal);
            string system = SeedSuffix.Replace(name, "");
            if (!colours.TryGetValue(system, out var colour)) colours[system] = colour = palette.GetColor(colours.Count);
            int seen = seedsSeen.GetValueOrDefault(system);
            seedsSeen[system] = seen + 1;
            sc.MarkerShape = shapes[seen % shapes.Length];
            sc.Color = reference ? ScottPlot.Colors.Black : colour;
            sc.LineWidth = line ? (reference ? 2 : 1.5f) : 0;
            if (reference) sc.LinePattern = ScottPlot.LinePattern.Dashed;
            sc.MarkerSize = reference ? 0 : 5;
        }
        plt.XLabel(RateLabel);
        plt.YLabel("SNR (dB)");
        if (Title.Length > 0) plt.Title(Title);
        // SNR rises with rate, so the curves leave the lower right empty; the upper left is where they start to differ.
        plt.ShowLegend(ScottPlot.Alignment.LowerRight);
        PlotFile.Save(plt, path, Width, Height);
    }
}
