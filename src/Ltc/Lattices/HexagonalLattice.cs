namespace Ltc.Lattices;

/// <summary>
/// The hexagonal lattice A2 with minimum norm 2, generator rows (√2, 0) and (1/√2, √(3/2)). Decoded as the union of
/// two cosets of the rectangular lattice √2Z × √6Z: two roundings per coordinate and one comparison. Inputs beyond
/// <see cref="LatticeCatalog.MaxDecodeMagnitude"/> are refused with a one-line error.
/// </summary>
public sealed class HexagonalLattice : Lattice
{
    /// <summary>Creates A2.</summary>
    public HexagonalLattice() : base("A2", [Hex.S2, 0, Hex.H, Hex.K], 2) { }

    /// <inheritdoc/>
    public override double? PublishedNsm => 0.0801875;

    /// <inheritdoc/>
    public override string Decoder => "two cosets of a rectangular lattice";

    /// <inheritdoc/>
    public override double MinimumNorm => 2;

    /// <inheritdoc/>
    public override bool IsMinimumNormKnown => true;

    /// <inheritdoc/>
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != 2 || y.Length != 2) throw new ArgumentException("expected vectors of length 2");
        DecoderLimits.Check(x, Name);
        Hex.Decode(x[0], x[1], out double a, out double b);
        y[0] = a;
        y[1] = b;
    }
}

/// <summary>The 2-d hexagonal closest-point kernel shared by A2, E6 and E6*.</summary>
internal static class Hex
{
    public const double S2 = 1.4142135623730950488;      // √2
    public const double S6 = 2.4494897427831780982;      // √6
    public const double H = 0.70710678118654752440;      // 1/√2
    public const double K = 1.2247448713915890491;       // √(3/2)
    public const double G = 0.81649658092772603273;      // √(2/3), the deep hole [1] = (0, G)
    private const double InvS2 = 0.70710678118654752440;
    private const double InvS6 = 0.40824829046386301637;

    /// <summary>Closest point of A2 to (x0, x1); returns the squared distance.</summary>
    public static double Decode(double x0, double x1, out double y0, out double y1)
    {
        double a0 = Math.Round(x0 * InvS2) * S2;
        double a1 = Math.Round(x1 * InvS6) * S6;
        double b0 = Math.Round((x0 - H) * InvS2) * S2 + H;
        double b1 = Math.Round((x1 - K) * InvS6) * S6 + K;
        double da = (x0 - a0) * (x0 - a0) + (x1 - a1) * (x1 - a1);
        double db = (x0 - b0) * (x0 - b0) + (x1 - b1) * (x1 - b1);
        if (da <= db)
        {
            y0 = a0; y1 = a1;
            return da;
        }
        y0 = b0; y1 = b1;
        return db;
    }
}
