namespace Ltc.Lattices;

/// <summary>
/// The orthogonal direct sum L1 ⊕ L2 ⊕ … (names <c>E8^3</c>, <c>A2+Z1</c>): block-diagonal generator, decoded
/// part by part on consecutive coordinates.
/// </summary>
public sealed class ProductLattice : Lattice
{
    private readonly Lattice[] _parts;
    private readonly int[] _offsets;

    /// <summary>The direct sum of <paramref name="parts"/>, in order, named <paramref name="name"/>.</summary>
    public ProductLattice(string name, IReadOnlyList<Lattice> parts)
        : base(name, BlockDiagonal(parts), parts.Sum(p => p.Dimension))
    {
        _parts = [.. parts];
        _offsets = new int[_parts.Length + 1];
        for (int i = 0; i < _parts.Length; i++) _offsets[i + 1] = _offsets[i] + _parts[i].Dimension;
    }

    /// <summary>The direct sum L^k of <paramref name="k"/> copies of <paramref name="lattice"/>, named <c>L^k</c>.</summary>
    public ProductLattice(Lattice lattice, int k) : this($"{lattice.Name}^{k}", Enumerable.Repeat(lattice, k).ToArray()) { }

    /// <summary>The summands, in coordinate order.</summary>
    public IReadOnlyList<Lattice> Parts => _parts;

    /// <inheritdoc/>
    /// <remarks>
    /// Exact from the parts: the Voronoi cell is the product of the parts' cells, so E‖u‖² adds up; for L^k it is
    /// G(L) itself. Null when a part has no value.
    /// </remarks>
    public override double? PublishedNsm
    {
        get
        {
            double second = 0;
            double logVolume = 0;
            foreach (var p in _parts)
            {
                if (p.PublishedNsm is not double g) return null;
                second += g * p.Dimension * Math.Pow(p.Volume, 2.0 / p.Dimension);
                logVolume += Math.Log(p.Volume);
            }
            if (_parts.All(p => ReferenceEquals(p, _parts[0]))) return _parts[0].PublishedNsm;
            return second / (Dimension * Math.Exp(2 * logVolume / Dimension));
        }
    }

    /// <inheritdoc/>
    public override string Decoder => _parts.All(p => ReferenceEquals(p, _parts[0]))
        ? $"{_parts.Length} blocks: {_parts[0].Decoder}"
        : "blockwise: " + string.Join("; ", _parts.Select(p => $"{p.Name}: {p.Decoder}"));

    /// <inheritdoc/>
    public override double MinimumNorm => _parts.Min(p => p.MinimumNorm);

    /// <inheritdoc/>
    /// <remarks>True: the minimum is the least of the parts' (a part without a known one is searched in its own dimension).</remarks>
    public override bool IsMinimumNormKnown => true;

    /// <inheritdoc/>
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != Dimension || y.Length != Dimension) throw new ArgumentException($"expected vectors of length {Dimension}");
        for (int i = 0; i < _parts.Length; i++)
        {
            int o = _offsets[i], len = _offsets[i + 1] - o;
            _parts[i].ClosestPoint(x.Slice(o, len), y.Slice(o, len));
        }
    }

    private static double[] BlockDiagonal(IReadOnlyList<Lattice> parts)
    {
        if (parts.Count == 0) throw new ArgumentException("a direct sum needs at least one part");
        int n = parts.Sum(p => p.Dimension);
        var g = new double[checked(n * n)];
        int o = 0;
        foreach (var p in parts)
        {
            int m = p.Dimension;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < m; j++) g[(o + i) * n + o + j] = p.GeneratorAt(i, j);
            o += m;
        }
        return g;
    }
}
