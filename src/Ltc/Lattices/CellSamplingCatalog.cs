namespace Ltc.Lattices;

/// <summary>The names of the <see cref="CellSampling"/> methods, as written on command lines and in model files.</summary>
public static class CellSamplingCatalog
{
    /// <summary>montecarlo (alias mc), antithetic, sobol, sobol-scrambled (alias scrambledsobol).</summary>
    public static NameCatalog<CellSampling> Names { get; } = new("cell sampling",
        new(CellSampling.MonteCarlo, "montecarlo", "independent pseudo-random points", "mc"),
        new(CellSampling.Antithetic, "antithetic", "pseudo-random pairs u, -u"),
        new(CellSampling.Sobol, "sobol", "the Sobol sequence"),
        new(CellSampling.ScrambledSobol, "sobol-scrambled", "Sobol with a seeded scramble", "scrambledsobol"));
}
