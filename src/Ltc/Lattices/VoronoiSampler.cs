using System.Numerics.Tensors;
using Ltc.QuasiRandom;
using Ltc.Simd;

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
    /// <remarks>
    /// Points are drawn in order (the same pseudo-random or Sobol stream as one at a time), then folded a block at a
    /// time: x = rG on vectors, one batch decode, u = x − Q(x).
    /// </remarks>
    public unsafe void Sample(Span<double> u)
    {
        int n = Lattice.Dimension;
        if (u.Length % n != 0) throw new ArgumentException($"output length {u.Length} is not a multiple of the dimension {n}");
        int count = u.Length / n, slot = 0;
        bool antithetic = Sampling == CellSampling.Antithetic;
        if (antithetic && _pendingAntithetic != null && count > 0)
        {
            for (int j = 0; j < n; j++) u[j] = -_pendingAntithetic[j];
            _pendingAntithetic = null;
            slot = 1;
        }
        // Antithetic: fresh points at every other slot, each followed by its negation.
        int stride = antithetic ? 2 : 1;
        int fresh = (count - slot + stride - 1) / stride;
        int block = Math.Max(1, 1024 / n);
        int padded = (n + 7) & ~7;
        _r ??= new double[n];
        _x ??= new double[block * n + 8];
        _q ??= new double[block * n];
        // Rows padded to a multiple of 8 columns; a generator whose rows already are is used as it is.
        if (padded != n) _g ??= PadGenerator(Lattice.Generator, n, padded);
        fixed (double* px = _x)
        fixed (double* pq = _q)
        fixed (double* pg = padded != n ? _g : Lattice.Generator)
        fixed (double* pr = _r)
        {
            for (int f0 = 0; f0 < fresh; f0 += block)
            {
                int b = Math.Min(block, fresh - f0), len = b * n;
                for (int p = 0; p < b; p++)
                {
                    if (_sobol != null) _sobol.Next(_r);
                    else for (int j = 0; j < n; j++) _r[j] = _random!.NextDouble();
                    // Rows in increasing order: a row's padded tail is overwritten by the next row.
                    MultiplyByGenerator(pr, pg, px + p * n, n, padded);
                }
                Lattice.ClosestPointsCore(px, pq, b, SimdPath.Current);
                var xs = new ReadOnlySpan<double>(px, len);
                var qs = new ReadOnlySpan<double>(pq, len);
                if (!antithetic)
                {
                    TensorPrimitives.Subtract(xs, qs, u.Slice((slot + f0) * n, len));
                    continue;
                }
                for (int p = 0; p < b; p++)
                {
                    int s = slot + (f0 + p) * 2;
                    var dst = u.Slice(s * n, n);
                    TensorPrimitives.Subtract(xs.Slice(p * n, n), qs.Slice(p * n, n), dst);
                    if (s + 1 < count) TensorPrimitives.Negate(dst, u.Slice((s + 1) * n, n));
                    else _pendingAntithetic = dst.ToArray();
                }
            }
        }
    }

    private double[]? _r, _x, _q, _g;

    /// <summary>The generator with rows padded to a multiple of 8 columns (zeros), for the 8-lane product.</summary>
    private static double[] PadGenerator(ReadOnlySpan<double> g, int n, int padded)
    {
        var a = new double[n * padded];
        for (int i = 0; i < n; i++) g.Slice(i * n, n).CopyTo(a.AsSpan(i * padded, n));
        return a;
    }

    /// <summary>x[0..padded) = Σᵢ rᵢ·Gᵢ (rows in order, multiply then add: the same bits on every path).</summary>
    private static unsafe void MultiplyByGenerator(double* r, double* g, double* x, int n, int padded)
    {
        switch (SimdPath.Current)
        {
            case SimdWidth.Avx512: MultiplyByGenerator<V512>(r, g, x, n, padded); break;
            case SimdWidth.Avx2: MultiplyByGenerator<V256>(r, g, x, n, padded); break;
            case SimdWidth.Vector128: MultiplyByGenerator<V128>(r, g, x, n, padded); break;
            default: MultiplyByGenerator<VScalar>(r, g, x, n, padded); break;
        }
    }

    private static unsafe void MultiplyByGenerator<T>(double* r, double* g, double* x, int n, int padded) where T : unmanaged, IVec8<T>
    {
        for (int o = 0; o < padded; o += 8)
        {
            var acc = T.Splat(0);
            for (int i = 0; i < n; i++) acc += T.Splat(r[i]) * T.Load(g + (long)i * padded + o);
            T.Store(acc, x + o);
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
