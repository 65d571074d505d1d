using Ltc.IO;
using Ltc.Sources;

namespace Ltc.Torch;

/// <summary>The sources a model is trained and evaluated on, by name, and the data files those names read.</summary>
public static class ModelSources
{
    /// <summary>
    /// The source <paramref name="name"/> for a model of configuration <paramref name="config"/>: an i.i.d. sequence
    /// gets the model's dimension, a block source (<c>block:n:...</c>) and a data set carry their own.
    /// </summary>
    /// <exception cref="LtcException">An unknown source, a data file that is not a regular file, or a source whose
    /// dimension is not the model's <see cref="ModelConfig.Dim"/>.</exception>
    public static VectorSource For(string name, ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(config);
        CheckDataFiles(Files(name, null));
        bool block = config.Model == ModelKind.BlockLtc;
        // A source with a dimension of its own is parsed without the model's, so a mismatch is reported against the
        // model, not against a --dim nobody gave.
        var src = SourceCatalog.Parse(name, SourceCatalog.TakesDimension(name) ? (block ? config.Dim / config.Block : config.Dim) : null);
        // Block-LTC is trained from the plain source, grouped into blocks as ModelSpec.Build does; a plain name given
        // here means the same blocks of that source.
        if (block && src is not BlockSource) src = new BlockSource(src, config.Block);
        CheckDimension(src, config);
        return src;
    }

    /// <summary>
    /// Throws unless <paramref name="source"/> gives vectors of the model's dimension <see cref="ModelConfig.Dim"/>.
    /// For Block-LTC the message speaks of the vectors inside the blocks, the dimension a user chose.
    /// </summary>
    /// <exception cref="LtcException">The dimensions differ.</exception>
    public static void CheckDimension(VectorSource source, ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(config);
        if (source.Dimension == config.Dim) return;
        if (config.Model == ModelKind.BlockLtc && source is BlockSource b)
            throw new LtcException($"source '{b.Inner.Name}' has vectors of dimension {b.Inner.Dimension}, but the model codes blocks of " +
                $"{config.Block} vectors of dimension {config.Dim / config.Block}");
        throw new LtcException($"source '{source.Name}' has dimension {source.Dimension}, but the model expects {config.Dim}");
    }

    /// <summary>
    /// The files a source name (<c>npy:&lt;path&gt;</c>, <c>physics:&lt;path&gt;</c>, also inside <c>block:n:</c>) and
    /// a <c>G:&lt;file&gt;</c> lattice name read, in that order; names that read no file give none.
    /// </summary>
    public static IEnumerable<string> Files(string source, string? lattice)
    {
        ArgumentNullException.ThrowIfNull(source);
        var s = source.Trim();
        while (s.StartsWith("block:", StringComparison.OrdinalIgnoreCase))
        {
            int colon = s.IndexOf(':', 6);
            if (colon < 0) { s = ""; break; }
            s = s[(colon + 1)..];
        }
        if (s.StartsWith("npy:", StringComparison.OrdinalIgnoreCase)) yield return s[4..];
        else if (s.StartsWith("physics:", StringComparison.OrdinalIgnoreCase)) yield return s[8..];
        if (lattice is not null && lattice.StartsWith("G:", StringComparison.OrdinalIgnoreCase)) yield return lattice[2..];
    }

    /// <summary>
    /// Data files (a source's .npy, a G: lattice's generator) are read whole and more than once: they must be regular
    /// files (or missing, or a folder, which the reader reports in its own words). A device or FIFO (/dev/zero, a pipe)
    /// is refused in one line instead of being read without end.
    /// </summary>
    /// <exception cref="LtcException">A file that is a pipe, a device or another special file.</exception>
    public static void CheckDataFiles(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var f in files)
        {
            var kind = AtomicFile.KindOf(f);
            if (kind is not (FileKind.Regular or FileKind.Missing or FileKind.Directory))
                throw new LtcException($"{f}: a data file must be a regular file, not a {kind switch { FileKind.Fifo => "pipe", FileKind.CharacterDevice or FileKind.BlockDevice => "device", _ => "special file" }}");
        }
    }
}
