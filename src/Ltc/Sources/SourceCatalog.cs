namespace Ltc.Sources;

/// <summary>Parses source names as written on the command line.</summary>
public static class SourceCatalog
{
    /// <summary>The names <see cref="Parse"/> accepts, for help texts.</summary>
    public const string Help = "gaussian, laplace, uniform (i.i.d. sequences of length --dim), npy:<path>";

    /// <summary>
    /// Creates the named source. <paramref name="dimension"/> is the sequence length of i.i.d. sources; for data sets
    /// it must be null or equal to the data's dimension.
    /// </summary>
    public static VectorSource Parse(string name, int? dimension)
    {
        ArgumentNullException.ThrowIfNull(name);
        var s = name.Trim();
        VectorSource source = s.ToLowerInvariant() switch
        {
            "gaussian" => new IidSource(IidDistribution.Gaussian, dimension ?? 1),
            "laplace" => new IidSource(IidDistribution.Laplace, dimension ?? 1),
            "uniform" => new IidSource(IidDistribution.Uniform, dimension ?? 1),
            _ when s.StartsWith("npy:", StringComparison.OrdinalIgnoreCase) => new NpySource(s[4..]),
            _ => throw new LtcException($"unknown source '{name}' (expected {Help})"),
        };
        if (dimension is int d && d != source.Dimension)
            throw new LtcException($"source '{name}' has dimension {source.Dimension}, but --dim {d} was given");
        return source;
    }
}
