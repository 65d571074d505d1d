namespace Ltc.Trellis;

/// <summary>
/// The reproduction levels of a trellis-coded quantizer, addressed by union codebook u (0: A0 = D0 ∪ D2, 1: A1 =
/// D1 ∪ D3) and union index k: codeword k of A_u is the level y_u(k), in subset D_{2(k mod 2) + u}. The uniform
/// codebook has y_u(k) = Δ·(2k + u) (so D_j = {Δ·(4m + j)}); trained codebooks move the levels of a finite index range
/// [Lowest(u), Lowest(u) + Count(u)) to centroids, and every index outside that range keeps its uniform level.
/// </summary>
public sealed class TrellisCodebook
{
    /// <summary>The largest index range per union codebook.</summary>
    public const int MaxCount = 1 << 16;

    /// <summary>The largest |x|/Δ a quantizer accepts (indices stay far inside the 64-bit range).</summary>
    public const double MaxInputSteps = 1e15;

    private readonly double[][] _levels;
    private readonly long[] _lowest;

    /// <summary>
    /// A codebook with step <paramref name="step"/> and the given levels of the index ranges starting at
    /// <paramref name="lowest0"/> (union A0) and <paramref name="lowest1"/> (union A1).
    /// </summary>
    /// <exception cref="LtcException">The step is not positive and finite, a level is not finite, or a range is empty
    /// or longer than <see cref="MaxCount"/>.</exception>
    public TrellisCodebook(double step, long lowest0, double[] levels0, long lowest1, double[] levels1)
    {
        if (!(step > 0) || !double.IsFinite(step)) throw new LtcException($"trellis codebook step must be positive and finite, got {step}");
        ArgumentNullException.ThrowIfNull(levels0);
        ArgumentNullException.ThrowIfNull(levels1);
        foreach (var (lev, low) in new[] { (levels0, lowest0), (levels1, lowest1) })
        {
            if (lev.Length < 1 || lev.Length > MaxCount) throw new LtcException($"a trellis codebook needs 1 to {MaxCount} levels per union, got {lev.Length}");
            if (Math.Abs((double)low) > MaxInputSteps) throw new LtcException($"trellis codebook index {low} is out of range");
            foreach (var y in lev) if (!double.IsFinite(y)) throw new LtcException("trellis codebook levels must be finite");
        }
        Step = step;
        _levels = [levels0.ToArray(), levels1.ToArray()];
        _lowest = [lowest0, lowest1];
    }

    /// <summary>
    /// The uniform codebook Δ·ℤ with index ranges covering [−<paramref name="halfWidth"/>, <paramref name="halfWidth"/>]
    /// (at least one codeword per subset on each side of 0).
    /// </summary>
    /// <exception cref="LtcException">Step or half-width not positive and finite, or more than <see cref="MaxCount"/> indices.</exception>
    public static TrellisCodebook Uniform(double step, double halfWidth)
    {
        if (!(step > 0) || !double.IsFinite(step)) throw new LtcException($"trellis codebook step must be positive and finite, got {step}");
        if (!(halfWidth > 0) || !double.IsFinite(halfWidth)) throw new LtcException($"trellis codebook half-width must be positive and finite, got {halfWidth}");
        long k = (long)Math.Ceiling(halfWidth / (2 * step)) + 2;
        if (2 * k + 2 > MaxCount) throw new LtcException($"step {step} is too small for half-width {halfWidth}: more than {MaxCount} levels per union");
        return Uniform(step, -k, -k - 1, k);
    }

    /// <summary>The uniform codebook with index ranges [<paramref name="lowest0"/>, highest] and [<paramref name="lowest1"/>, highest].</summary>
    internal static TrellisCodebook Uniform(double step, long lowest0, long lowest1, long highest)
    {
        var l0 = new double[highest - lowest0 + 1];
        var l1 = new double[highest - lowest1 + 1];
        for (int i = 0; i < l0.Length; i++) l0[i] = step * (2 * (lowest0 + i));
        for (int i = 0; i < l1.Length; i++) l1[i] = step * (2 * (lowest1 + i) + 1);
        return new TrellisCodebook(step, lowest0, l0, lowest1, l1);
    }

    /// <summary>The step Δ of the underlying alphabet Δ·ℤ.</summary>
    public double Step { get; }

    /// <summary>The first index with a stored level in union <paramref name="union"/>.</summary>
    public long Lowest(int union) => _lowest[union];

    /// <summary>Number of stored levels of union <paramref name="union"/>.</summary>
    public int Count(int union) => _levels[union].Length;

    /// <summary>The last index with a stored level in union <paramref name="union"/>.</summary>
    public long Highest(int union) => _lowest[union] + _levels[union].Length - 1;

    /// <summary>The level y_u(k): the stored one inside the range, Δ·(2k + u) outside.</summary>
    public double Level(int union, long index)
    {
        long i = index - _lowest[union];
        var lev = _levels[union];
        return (ulong)i < (ulong)lev.Length ? lev[i] : Step * (2.0 * index + union);
    }

    /// <summary>The stored levels of union <paramref name="union"/> (a copy).</summary>
    public double[] Levels(int union) => _levels[union].ToArray();

    internal double[] LevelsRef(int union) => _levels[union];
}
