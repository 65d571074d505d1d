namespace Ltc.Lattices;

/// <summary>
/// The integer lattice Zⁿ; its closest point is coordinate-wise rounding, exact at every finite magnitude (a double
/// of magnitude 2⁵² or more is already an integer).
/// </summary>
public sealed class IntegerLattice : Lattice
{
    /// <summary>Creates Zⁿ.</summary>
    public IntegerLattice(int n) : base($"Z{n}", Identity(n), n) { }

    /// <inheritdoc/>
    public override double? PublishedNsm => 1.0 / 12.0;

    /// <inheritdoc/>
    public override string Decoder => "rounding";

    /// <inheritdoc/>
    public override double MinimumNorm => 1;

    /// <inheritdoc/>
    public override bool IsMinimumNormKnown => true;

    /// <inheritdoc/>
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = Math.Round(x[i], MidpointRounding.ToEven);
    }

    private static double[] Identity(int n)
    {
        var g = new double[n * n];
        for (int i = 0; i < n; i++) g[i * n + i] = 1;
        return g;
    }
}
