using Ltc.QuasiRandom;

namespace Ltc.Lattices;

/// <summary>How points of the unit cube are drawn before being folded into the Voronoi cell.</summary>
public enum CellSampling
{
    /// <summary>Independent pseudo-random points (seeded).</summary>
    MonteCarlo,
    /// <summary>Pseudo-random points in antithetic pairs u, −u (the Voronoi cell is symmetric about 0).</summary>
    Antithetic,
    /// <summary>The Sobol sequence (Joe–Kuo direction numbers), unscrambled, starting with point 0.</summary>
    Sobol,
    /// <summary>The Sobol sequence with a random (seeded) linear matrix scramble and digital shift.</summary>
    ScrambledSobol,
}

/// <summary>
/// Uniform samples from the Voronoi cell V(0) of a lattice: u = x − Q(x) with x = rG, r uniform in [0,1)ⁿ.
/// Because the fundamental parallelepiped tiles space exactly as V(0) does, u is uniform on V(0).
/// </summary>
/// <remarks>
/// With <see cref="CellSampling.Sobol"/> the unscrambled sequence starts at its point 0 (r = 0, so u = 0). It is kept:
/// the first 2^m points form a (t, m, n)-net, which is what makes quasi-Monte Carlo averages over power-of-two counts
/// accurate, and dropping point 0 breaks that balance (the remaining 2^m − 1 points are not a net, and the missing
/// point is replaced by one from the next block). u = 0 is an ordinary point of the cell with an ordinary weight.
/// Use power-of-two counts with the Sobol modes. Unscrambled points are dyadic rationals and can land exactly on
/// cell boundaries, where the decoder's tie-breaking picks the side; only the scrambled mode makes every sample
/// exactly uniform.
/// </remarks>
public sealed class VoronoiSampler
{
    private readonly Random? _random;
    private readonly SobolSequence? _sobol;
    private double[]? _pendingAntithetic;

    /// <summary>Creates a sampler of the Voronoi cell of <paramref name="lattice"/>.</summary>
    /// <param name="lattice">The lattice.</param>
    /// <param name="sampling">How the unit-cube points are drawn.</param>
    /// <param name="seed">Seed of the pseudo-random points or of the Sobol scramble (unused by unscrambled Sobol).</param>
    public VoronoiSampler(Lattice lattice, CellSampling sampling = CellSampling.MonteCarlo, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(lattice);
        Lattice = lattice;
        Sampling = sampling;
        Seed = seed;
        switch (sampling)
        {
            case CellSampling.MonteCarlo or CellSampling.Antithetic:
                _random = new Random(seed);
                break;
            case CellSampling.Sobol or CellSampling.ScrambledSobol:
                if (lattice.Dimension > SobolSequence.MaxDimension)
                    throw new LtcException($"lattice {lattice.Name}: Sobol sampling supports at most {SobolSequence.MaxDimension} dimensions, this one has {lattice.Dimension}");
                _sobol = new SobolSequence(lattice.Dimension, sampling == CellSampling.ScrambledSobol, seed);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(sampling), sampling, "unknown cell sampling");
        }
    }

    /// <summary>The lattice whose cell is sampled.</summary>
    public Lattice Lattice { get; }

    /// <summary>How the unit-cube points are drawn.</summary>
    public CellSampling Sampling { get; }

    /// <summary>The seed given at construction.</summary>
    public int Seed { get; }

    /// <summary>
    /// For the Sobol modes, the index of the next Sobol point to be used; null for the pseudo-random modes.
    /// </summary>
    public long? SobolIndex => _sobol?.Index;

    /// <summary>
    /// For the Sobol modes, continues from Sobol point <paramref name="index"/> (so that disjoint index ranges can be
    /// sampled independently, e.g. on several threads). Throws for the pseudo-random modes.
    /// </summary>
    public void SeekSobol(long index)
    {
        if (_sobol == null) throw new InvalidOperationException($"{Sampling} sampling has no Sobol index");
        _sobol.Seek(index);
    }

    /// <summary>Fills <paramref name="u"/> (count × n, row-major) with samples of the Voronoi cell.</summary>
    public void Sample(Span<double> u)
    {
        int n = Lattice.Dimension;
        if (u.Length % n != 0) throw new ArgumentException($"output length {u.Length} is not a multiple of the dimension {n}");
        Span<double> r = n <= 256 ? stackalloc double[n] : new double[n];
        Span<double> x = n <= 256 ? stackalloc double[n] : new double[n];
        Span<double> q = n <= 256 ? stackalloc double[n] : new double[n];
        var g = Lattice.Generator;
        for (int o = 0; o < u.Length; o += n)
        {
            var dst = u.Slice(o, n);
            if (Sampling == CellSampling.Antithetic && _pendingAntithetic != null)
            {
                for (int j = 0; j < n; j++) dst[j] = -_pendingAntithetic[j];
                _pendingAntithetic = null;
                continue;
            }
            if (_sobol != null) _sobol.Next(r);
            else for (int j = 0; j < n; j++) r[j] = _random!.NextDouble();
            FoldIntoCell(Lattice, g, r, x, q, dst);
            if (Sampling == CellSampling.Antithetic) _pendingAntithetic = dst.ToArray();
        }
    }

    /// <summary>Returns <paramref name="count"/> samples as a new count × n row-major array.</summary>
    public double[] Sample(int count)
    {
        var u = new double[checked(count * Lattice.Dimension)];
        Sample(u);
        return u;
    }

    /// <summary>u = x − Q(x) for x = rG; <paramref name="x"/> and <paramref name="q"/> are scratch of length n.</summary>
    internal static void FoldIntoCell(Lattice lattice, ReadOnlySpan<double> g, ReadOnlySpan<double> r, Span<double> x, Span<double> q, Span<double> u)
    {
        int n = r.Length;
        x.Clear();
        for (int i = 0; i < n; i++)
        {
            double ri = r[i];
            var row = g.Slice(i * n, n);
            for (int j = 0; j < n; j++) x[j] += ri * row[j];
        }
        lattice.ClosestPoint(x, q);
        for (int j = 0; j < n; j++) u[j] = x[j] - q[j];
    }
}
