namespace Ltc.Sources;

/// <summary>Parses source names as written on the command line.</summary>
public static class SourceCatalog
{
    /// <summary>The names <see cref="Parse"/> accepts, for help texts.</summary>
    public const string Help = "gaussian, laplace, uniform (i.i.d. sequences of length --dim), banana, physics[:<file.npy>], " +
        "speech[:<folder>[:<speaker>]], npy:<path>, block:<n>:<source>";

    /// <summary>
    /// Creates the named source. <paramref name="dimension"/> is the sequence length of i.i.d. sources; for data sets
    /// it must be null or equal to the data's dimension. For <c>block:n:S</c> it applies to S.
    /// </summary>
    public static VectorSource Parse(string name, int? dimension)
    {
        ArgumentNullException.ThrowIfNull(name);
        var s = name.Trim();
        string lower = s.ToLowerInvariant();
        if (lower.StartsWith("block:", StringComparison.Ordinal))
        {
            var rest = s[6..];
            int colon = rest.IndexOf(':');
            if (colon <= 0 || !int.TryParse(rest[..colon], out int n))
                throw new LtcException($"source '{name}': expected block:<n>:<source>, e.g. block:8:banana");
            return new BlockSource(Parse(rest[(colon + 1)..], dimension), n);
        }
        VectorSource source = lower switch
        {
            "gaussian" => new IidSource(IidDistribution.Gaussian, Length(dimension)),
            "laplace" => new IidSource(IidDistribution.Laplace, Length(dimension)),
            "uniform" => new IidSource(IidDistribution.Uniform, Length(dimension)),
            "banana" => new BananaSource(),
            "physics" => PhysicsSource.Load(),
            "speech" => SpeechSource.Load(),
            _ when lower.StartsWith("physics:", StringComparison.Ordinal) => PhysicsSource.Load(s[8..]),
            _ when lower.StartsWith("speech:", StringComparison.Ordinal) => ParseSpeech(s[7..], s),
            _ when lower.StartsWith("npy:", StringComparison.Ordinal) => new NpySource(s[4..]),
            _ => throw new LtcException($"unknown source '{name}' (expected {Help})"),
        };
        if (dimension is int d && d != source.Dimension)
            throw new LtcException($"source '{name}' has dimension {source.Dimension}, but --dim {d} was given");
        return source;
    }

    /// <summary>
    /// The files and folders a source name reads, found from the name alone (nothing is loaded): npy:, physics: and
    /// speech: paths, the shared data set's file or folder for bare physics and speech, and those of block:n:S. Lets a
    /// command refuse an output that would overwrite its input before doing any work. Folders end with a separator.
    /// </summary>
    public static IReadOnlyList<string> InputPaths(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var s = name.Trim();
        string lower = s.ToLowerInvariant();
        if (lower.StartsWith("block:", StringComparison.Ordinal))
        {
            int colon = s.IndexOf(':', 6);
            return colon < 0 ? [] : InputPaths(s[(colon + 1)..]);
        }
        try
        {
            if (lower == "physics") return [DataPaths.Resolve(PhysicsSource.DefaultFile)];
            if (lower == "speech") return [DataPaths.Resolve(SpeechSource.DefaultFolder) + System.IO.Path.DirectorySeparatorChar];
        }
        catch (LtcException) { return []; } // no shared data: parsing the source will say so
        if (lower.StartsWith("npy:", StringComparison.Ordinal)) return [s[4..]];
        if (lower.StartsWith("physics:", StringComparison.Ordinal)) return [s[8..]];
        if (lower.StartsWith("speech:", StringComparison.Ordinal))
        {
            var spec = s[7..];
            int colon = spec.LastIndexOf(':');
            var folder = Directory.Exists(spec) || colon <= 0 ? spec : spec[..colon];
            return [folder.TrimEnd('/', System.IO.Path.DirectorySeparatorChar) + System.IO.Path.DirectorySeparatorChar];
        }
        return [];
    }

    private static int Length(int? dimension) => dimension switch
    {
        null => 1,
        < 1 or > 4096 => throw new LtcException($"--dim must be between 1 and 4096, got {dimension}"),
        int d => d,
    };

    private static SpeechSource ParseSpeech(string spec, string name)
    {
        if (Directory.Exists(spec)) return SpeechSource.Load(spec, null, name);
        int colon = spec.LastIndexOf(':');
        if (colon > 0 && Directory.Exists(spec[..colon])) return SpeechSource.Load(spec[..colon], spec[(colon + 1)..], name);
        throw new LtcException($"source '{name}': speech folder '{(colon > 0 ? spec[..colon] : spec)}' not found");
    }
}
