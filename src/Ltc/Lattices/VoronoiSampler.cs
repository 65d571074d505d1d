namespace Ltc.Lattices;

/// <summary>How points of the unit cube are drawn before being folded into the Voronoi cell.</summary>
public enum CellSampling
{
    /// <summary>Independent pseudo-random points (seeded).</summary>
    MonteCarlo,
    /// <summary>Pseudo-random points in antithetic pairs u, −u (the Voronoi cell is symmetric about 0).</summary>
    Antithetic,
    /// <summary>The Sobol sequence (Joe–Kuo direction numbers), unscrambled.</summary>
    Sobol,
    /// <summary>The Sobol sequence with a random (seeded) scrambling.</summary>
    ScrambledSobol,
}

/// <summary>
/// Uniform samples from the Voronoi cell V(0) of a lattice: u = x − Q(x) with x = rG, r uniform in [0,1)ⁿ.
/// Because the fundamental parallelepiped tiles space exactly as V(0) does, u is uniform on V(0).
/// </summary>
public sealed class VoronoiSampler
{
    private readonly Random _random;
    private double[]? _pendingAntithetic;

    /// <summary>Creates a sampler of the Voronoi cell of <paramref name="lattice"/>.</summary>
    public VoronoiSampler(Lattice lattice, CellSampling sampling = CellSampling.MonteCarlo, int seed = 0)
    {
        Lattice = lattice;
        Sampling = sampling;
        _random = new Random(seed);
        if (sampling is CellSampling.Sobol or CellSampling.ScrambledSobol)
            throw new NotSupportedException("Sobol cell sampling is not built yet");
    }

    /// <summary>The lattice whose cell is sampled.</summary>
    public Lattice Lattice { get; }

    /// <summary>How the unit-cube points are drawn.</summary>
    public CellSampling Sampling { get; }

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
            for (int j = 0; j < n; j++) r[j] = _random.NextDouble();
            x.Clear();
            for (int i = 0; i < n; i++)
            {
                double ri = r[i];
                var row = g.Slice(i * n, n);
                for (int j = 0; j < n; j++) x[j] += ri * row[j];
            }
            Lattice.ClosestPoint(x, q);
            for (int j = 0; j < n; j++) dst[j] = x[j] - q[j];
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
}
