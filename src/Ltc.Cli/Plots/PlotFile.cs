using Ltc.IO;

namespace Ltc.Cli.Plots;

/// <summary>Writes a ScottPlot figure as .png or .svg through <see cref="AtomicFile"/>.</summary>
internal static class PlotFile
{
    /// <summary>
    /// Throws a one-line error unless <paramref name="path"/> ends in .png or .svg (or is a device or FIFO such as
    /// /dev/stdout, written as PNG) and can be written: its folder exists, it is not a folder, and it is none of
    /// <paramref name="inputs"/>.
    /// </summary>
    public static void Check(string path, params string?[] inputs)
    {
        if (string.IsNullOrEmpty(path)) throw new LtcException("--out is empty");
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".png" or ".svg") && AtomicFile.IsReplaceable(path)) throw new LtcException($"{path}: output must end in .png or .svg");
        AtomicFile.CheckOutput(path, inputs);
    }

    /// <summary>Renders <paramref name="plot"/> and writes it atomically (straight into a device or FIFO).</summary>
    public static void Save(ScottPlot.Plot plot, string path, int width, int height)
    {
        Check(path);
        byte[] bytes = Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase)
            ? System.Text.Encoding.UTF8.GetBytes(plot.GetSvgXml(width, height))
            : plot.GetImage(width, height).GetImageBytes(ScottPlot.ImageFormat.Png);
        AtomicFile.WriteAllBytes(path, bytes);
    }
}
