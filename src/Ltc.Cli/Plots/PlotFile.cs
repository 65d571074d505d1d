namespace Ltc.Cli.Plots;

/// <summary>Writes a ScottPlot figure as .png or .svg, atomically.</summary>
internal static class PlotFile
{
    /// <summary>Throws a one-line error unless <paramref name="path"/> ends in .png or .svg and its folder exists.</summary>
    public static void Check(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".png" or ".svg")) throw new LtcException($"{path}: output must end in .png or .svg");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        if (!Directory.Exists(dir)) throw new LtcException($"{path}: directory {dir} does not exist");
    }

    /// <summary>Renders <paramref name="plot"/> to a temporary file beside <paramref name="path"/> and renames it into place.</summary>
    public static void Save(ScottPlot.Plot plot, string path, int width, int height)
    {
        Check(path);
        var full = Path.GetFullPath(path);
        var ext = Path.GetExtension(full).ToLowerInvariant();
        // ScottPlot picks the format from the name, so the temporary file keeps the extension.
        var tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileNameWithoutExtension(full)}.{Guid.NewGuid():N}.tmp{ext}");
        try
        {
            if (ext == ".png") plot.SavePng(tmp, width, height);
            else plot.SaveSvg(tmp, width, height);
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
    }
}
