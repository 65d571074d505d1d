namespace Ltc.Lattices;

/// <summary>
/// E7 (minimum norm 2) and E7* (minimum norm 3/2) as unions of cosets of A7 in the hyperplane Σxᵢ = 0 of R⁸:
/// E7 = A7 ∪ ([4] + A7), E7* = ∪ [i] + A7 for i = 0, 2, 4, 6 (SPLAG ch. 4 §8.2). Each coset is decoded with the
/// A_n algorithm in R⁸ and mapped to 7 coordinates by a Householder reflection. Inputs beyond
/// <see cref="LatticeCatalog.MaxDecodeMagnitude"/> are refused with a one-line error.
/// </summary>
public sealed class E7Lattice : Lattice
{
    private static readonly Hyperplane Plane = new(7);
    private readonly bool _dual;
    private readonly double[] _glue;

    /// <summary>Creates E7, or E7* when <paramref name="dual"/> is true.</summary>
    public E7Lattice(bool dual = false) : base(dual ? "E7*" : "E7", MakeGenerator(dual), 7)
    {
        _dual = dual;
        int[] classes = dual ? [0, 2, 4, 6] : [0, 4];
        _glue = new double[classes.Length * 8];
        for (int c = 0; c < classes.Length; c++) LatticeBasis.AnGlue(7, classes[c]).CopyTo(_glue.AsSpan(c * 8));
    }

    /// <inheritdoc/>
    public override double? PublishedNsm => _dual ? 0.0731165 : 0.0732306;

    /// <inheritdoc/>
    public override string Decoder => _dual ? "4 cosets of A7 (in R^8)" : "2 cosets of A7 (in R^8)";

    /// <inheritdoc/>
    public override double MinimumNorm => _dual ? 1.5 : 2;

    /// <inheritdoc/>
    public override bool IsMinimumNormKnown => true;

    /// <inheritdoc/>
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != 7 || y.Length != 7) throw new ArgumentException("expected vectors of length 7");
        DecoderLimits.Check(x, Name);
        Span<double> big = stackalloc double[8];
        Span<double> t = stackalloc double[8];
        Span<double> q = stackalloc double[8];
        Span<double> best = stackalloc double[8];
        Plane.ToEmbedded(x, big);
        double bestDist = double.PositiveInfinity;
        for (int c = 0; c < _glue.Length / 8; c++)
        {
            var g = _glue.AsSpan(c * 8, 8);
            for (int i = 0; i < 8; i++) t[i] = big[i] - g[i];
            double d = AnDecoding.DecodeAn(t, q);
            if (d < bestDist)
            {
                bestDist = d;
                for (int i = 0; i < 8; i++) best[i] = q[i] + g[i];
            }
        }
        Plane.FromEmbedded(best, y);
    }

    private static double[] MakeGenerator(bool dual)
    {
        var glue = LatticeBasis.AnRootCoordinates(LatticeBasis.AnGlue(7, dual ? 2 : 4));
        var inR8 = LatticeBasis.Glue(LatticeBasis.AnRoots(7), 7, 8, [glue], dual ? 4 : 2);
        return LatticeBasis.ToHyperplaneCoordinates(inR8, 7, new Hyperplane(7));
    }
}
