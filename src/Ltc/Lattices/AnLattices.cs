namespace Ltc.Lattices;

/// <summary>
/// The root lattice A_n = { z ∈ Zⁿ⁺¹ : Σzᵢ = 0 } (minimum norm 2), given n-dimensional coordinates by an isometry
/// of the hyperplane Σxᵢ = 0 onto Rⁿ. Decoded in Rⁿ⁺¹ with the Conway–Sloane (1982) algorithm: round every
/// coordinate, then re-round the coordinates that cost least until the sum is zero (all at once, in O(n log n)).
/// Inputs beyond <see cref="LatticeCatalog.MaxDecodeMagnitude"/> are refused with a one-line error.
/// </summary>
public sealed class AnLattice : Lattice
{
    private readonly Hyperplane _h;

    /// <summary>Creates A_n (n ≥ 1).</summary>
    public AnLattice(int n) : base($"A{n}", MakeGenerator(n), n) => _h = new Hyperplane(n);

    /// <inheritdoc/>
    /// <remarks>SPLAG ch. 21: G(A_n) = (n+1)^(−1/n) (1/12 + 1/(6(n+1))); it gives Table 2.3's A2 and A3 values.</remarks>
    public override double? PublishedNsm => Math.Pow(Dimension + 1, -1.0 / Dimension) * (1.0 / 12 + 1.0 / (6.0 * (Dimension + 1)));

    /// <inheritdoc/>
    public override string Decoder => "Conway–Sloane A_n: round, fix the sum (in R^(n+1))";

    /// <inheritdoc/>
    public override double MinimumNorm => 2;

    /// <inheritdoc/>
    public override bool IsMinimumNormKnown => true;

    /// <inheritdoc/>
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y)
    {
        DecoderLimits.Check(x, Name);
        _h.DecodeAn(x, y, dual: false);
    }

    private static double[] MakeGenerator(int n) =>
        LatticeBasis.ToHyperplaneCoordinates(LatticeBasis.AnRoots(n), n, new Hyperplane(n));
}

/// <summary>
/// The dual lattice A_n* (the projection of Zⁿ⁺¹ onto Σxᵢ = 0; minimum norm n/(n+1)), in n-dimensional
/// coordinates. Decoded in O(n log n): of the n+1 integer points met by rounding x − λ·1 as λ runs over [0, 1),
/// keep the one whose projection is closest (McKilliam, Clarkson, Quinn 2008).
/// </summary>
public sealed class AnDualLattice : Lattice
{
    private readonly Hyperplane _h;

    /// <summary>Creates A_n* (n ≥ 1).</summary>
    public AnDualLattice(int n) : base($"A{n}*", MakeGenerator(n), n) => _h = new Hyperplane(n);

    /// <inheritdoc/>
    /// <remarks>Only the values of SPLAG Table 2.3 (A1* ≅ Z, A2* ≅ A2, A3* = bcc); no closed form is used.</remarks>
    public override double? PublishedNsm => Dimension switch
    {
        1 => 1.0 / 12,
        2 => 0.0801875,
        3 => 0.0785433,
        _ => null,
    };

    /// <inheritdoc/>
    public override string Decoder => "A_n*: sorted sweep over n+1 roundings (in R^(n+1))";

    /// <inheritdoc/>
    public override double MinimumNorm => (double)Dimension / (Dimension + 1);

    /// <inheritdoc/>
    public override bool IsMinimumNormKnown => true;

    /// <inheritdoc/>
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y)
    {
        DecoderLimits.Check(x, Name);
        _h.DecodeAn(x, y, dual: true);
    }

    private static double[] MakeGenerator(int n)
    {
        // Rows P e_i (i = 1..n) with P the projection onto the hyperplane.
        var rows = new double[n * (n + 1)];
        for (int i = 0; i < n; i++)
            for (int t = 0; t <= n; t++) rows[i * (n + 1) + t] = (t == i ? 1 : 0) - 1.0 / (n + 1);
        return LatticeBasis.ToHyperplaneCoordinates(rows, n, new Hyperplane(n));
    }
}

/// <summary>Closest-point kernels for A_n and A_n* in their (n+1)-dimensional coordinates.</summary>
internal static class AnDecoding
{
    /// <summary>Closest point of A_n = {z ∈ Zᴺ : Σz = 0} to x ∈ Rᴺ (any x); returns ‖x − y‖².</summary>
    /// <remarks>
    /// Exact when every |xᵢ| ≤ <see cref="LatticeCatalog.MaxDecodeMagnitude"/> and N &lt; 2²³ (the rounded values and
    /// their sum are then exact integers); its time is O(N log N) whatever x is.
    /// </remarks>
    public static double DecodeAn(ReadOnlySpan<double> x, Span<double> y)
    {
        int len = x.Length;
        long sum = 0;
        for (int i = 0; i < len; i++)
        {
            double f = Math.Round(x[i]);
            y[i] = f;
            sum += (long)f;
        }
        if (sum != 0) FixSum(x, y, sum);
        double dist = 0;
        for (int i = 0; i < len; i++) dist += (x[i] - y[i]) * (x[i] - y[i]);
        return dist;
    }

    /// <summary>
    /// Brings the sum of the rounded vector y from <paramref name="delta"/> to zero at the least cost Σ(x − y)². The k-th
    /// unit step of coordinate i against the sign of Δ costs 2k − 1 + 2·sign(Δ)·(xᵢ − yᵢ), with |xᵢ − yᵢ| ≤ ½ after
    /// rounding, so every coordinate first takes ⌊|Δ|/N⌋ steps and then the |Δ| mod N cheapest take one more (greedy is
    /// optimal for this separable convex problem). The work does not depend on |Δ|.
    /// </summary>
    private static void FixSum(ReadOnlySpan<double> x, Span<double> y, long delta)
    {
        int len = x.Length;
        double sign = delta > 0 ? 1 : -1;
        long abs = Math.Abs(delta);
        long whole = abs / len;
        int rest = (int)(abs % len);
        if (whole != 0)
            for (int i = 0; i < len; i++) y[i] -= sign * whole;
        if (rest == 0) return;
        if (rest <= 4)
        {
            // A moved coordinate's cost of moving again exceeds every unmoved one's, so rescanning picks new ones.
            for (int m = 0; m < rest; m++)
            {
                int arg = 0;
                double best = double.PositiveInfinity;
                for (int i = 0; i < len; i++)
                {
                    double key = sign * (x[i] - y[i]);
                    if (key < best) { best = key; arg = i; }
                }
                y[arg] -= sign;
            }
            return;
        }
        Span<double> keys = len <= 512 ? stackalloc double[len] : new double[len];
        Span<int> idx = len <= 512 ? stackalloc int[len] : new int[len];
        for (int i = 0; i < len; i++)
        {
            keys[i] = sign * (x[i] - y[i]);
            idx[i] = i;
        }
        keys.Sort(idx);
        for (int m = 0; m < rest; m++) y[idx[m]] -= sign;
    }

    /// <summary>Closest point of A_n* = P Zᴺ to x on the hyperplane Σx = 0; returns ‖x − y‖².</summary>
    public static double DecodeAnDual(ReadOnlySpan<double> x, Span<double> y)
    {
        int len = x.Length;
        Span<double> w = len <= 256 ? stackalloc double[len] : new double[len];
        Span<int> idx = len <= 256 ? stackalloc int[len] : new int[len];
        double norm = 0, s = 0;
        for (int i = 0; i < len; i++)
        {
            double f = Math.Round(x[i]);
            y[i] = f;
            double r = x[i] - f;
            w[i] = r;
            idx[i] = i;
            norm += r * r;
            s += r;
        }
        double best = norm - s * s / len;
        int bestM = 0;
        // As λ grows, coordinates round down in increasing order of their residual.
        w.Sort(idx);
        for (int m = 0; m < len - 1; m++)
        {
            norm += 2 * w[m] + 1;
            s += 1;
            double d = norm - s * s / len;
            if (d < best) { best = d; bestM = m + 1; }
        }
        double mean = 0;
        for (int m = 0; m < bestM; m++) y[idx[m]] -= 1;
        for (int i = 0; i < len; i++) mean += y[i];
        mean /= len;
        for (int i = 0; i < len; i++) y[i] -= mean;
        return best;
    }
}
