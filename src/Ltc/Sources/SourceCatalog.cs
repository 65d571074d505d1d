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
        foreach (var prefix in (string[])["npy:", "physics:", "speech:"])
            if (lower == prefix) throw new LtcException($"source '{name}': give a path after {prefix}, e.g. {prefix}{(prefix == "speech:" ? "recordings/" : "vectors.npy")}");
        VectorSource source = lower switch
        {
            _ when IidNames.TryGetValue(lower, out var distribution) => new IidSource(distribution, Length(dimension)),
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

    /// <summary>
    /// Refuses, from the name alone (nothing is loaded), an output path that would overwrite a file the source reads
    /// (<see cref="Ltc.IO.AtomicFile.CheckOutput"/>) or write a <c>.wav</c> into a folder of recordings it reads (after
    /// resolving symbolic links), so that an export cannot change its own input.
    /// </summary>
    /// <exception cref="LtcException">The output is one of the source's inputs (one line naming <c>--out</c> for a folder).</exception>
    public static void CheckOutput(string name, string outputPath)
    {
        var named = InputPaths(name);
        Ltc.IO.AtomicFile.CheckOutput(outputPath, [.. named.Where(p => !IsFolder(p))]);
        string o = Canonical(outputPath);
        foreach (var folder in named.Where(IsFolder))
        {
            string trimmed = folder.TrimEnd('/', System.IO.Path.DirectorySeparatorChar);
            if (string.Equals(System.IO.Path.GetDirectoryName(o), Canonical(trimmed), StringComparison.Ordinal) && o.EndsWith(".wav", StringComparison.OrdinalIgnoreCase))
                throw new LtcException($"--out {outputPath} would write into the source's recordings in {trimmed}");
        }
    }

    private static bool IsFolder(string p) => p.EndsWith(System.IO.Path.DirectorySeparatorChar) || p.EndsWith('/');

    // The absolute path with every symbolic link resolved (like realpath), whether or not the file exists yet.
    private static string Canonical(string path, int depth = 0)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (depth > 32) return full;
        var dir = System.IO.Path.GetDirectoryName(full);
        var name = System.IO.Path.GetFileName(full);
        if (dir is null || name.Length == 0) return full;
        var candidate = System.IO.Path.Combine(Canonical(dir, depth + 1), name);
        string? target = null;
        try { target = new FileInfo(candidate).LinkTarget; }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        if (target is null) return candidate;
        return Canonical(System.IO.Path.IsPathRooted(target) ? target : System.IO.Path.Combine(System.IO.Path.GetDirectoryName(candidate)!, target), depth + 1);
    }

    /// <summary>
    /// Whether <paramref name="name"/> is an i.i.d. sequence whose length comes from the caller (gaussian, laplace,
    /// uniform); data sets, Banana and block sources carry their own dimension.
    /// </summary>
    public static bool TakesDimension(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return IidNames.ContainsKey(name.Trim().ToLowerInvariant());
    }

    // The i.i.d. sources by name: the one list Parse and TakesDimension read.
    private static readonly Dictionary<string, IidDistribution> IidNames = new()
    {
        ["gaussian"] = IidDistribution.Gaussian,
        ["laplace"] = IidDistribution.Laplace,
        ["uniform"] = IidDistribution.Uniform,
    };

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
