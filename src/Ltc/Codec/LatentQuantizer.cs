using System.Numerics;
using Ltc.Lattices;
using Ltc.Trellis;

namespace Ltc.Codec;

/// <summary>
/// The quantizer of a latent and the integer structure of what it outputs, so that a quantized latent can be coded
/// exactly: every output is ŷ = Dequantize(t) for an integer vector t, and the vectors t that occur form the integer
/// lattice { k·B : k ∈ Zᵐ } with B an integer lower-triangular matrix (<see cref="Basis"/>).
/// </summary>
/// <remarks>
/// Three forms, decided once when the quantizer is built:
/// <list type="bullet">
/// <item><b>Rounding</b> (NTC): ŷ_j = t_j + o_j with o the learned medians; B = I.</item>
/// <item><b>Scaled integer coordinates</b> (every catalog lattice and their direct sums): each column j of the generator
/// is an integer multiple of a column scale σ_j, so ŷ_j = σ_j·t_j with t integer, and B is the Hermite normal form of
/// the integer generator. Because B is triangular, t_j given t_{j+1..m} lies in one residue class modulo B_jj, which the
/// entropy coder uses as its context; t_j itself is the position of ŷ_j on a fixed grid, so its distribution follows
/// the marginal of ŷ_j.</item>
/// <item><b>Lattice coordinates</b> (a generator with no such column scales, e.g. a random <c>G:</c> file): t = k, the
/// integer coordinates in the lattice's own basis, ŷ = k·G; B = I. Exact, but codes less well.</item>
/// <item><b>Trellis</b> (TTC): t_j is the union index of a trellis-coded quantizer whose sequence runs over the latent
/// coordinates of consecutive rows (<see cref="TrellisLatent"/>); ŷ replays the trellis from the indices. Coded by the
/// trellis's own union-conditioned tables, not by the triangular basis (B = I is unused).</item>
/// </list>
/// Dequantization uses only the stored σ, o (or G) as float64 with a fixed order of operations, so the decoder's ŷ is
/// the same on every machine; the lattice decoder is needed only to quantize.
/// </remarks>
public sealed class LatentQuantizer
{
    /// <summary>Largest |t_j| the codec accepts (2^40): far beyond any trained model's latents, small enough that the
    /// integer arithmetic of the residues cannot overflow.</summary>
    public const long MaxMagnitude = 1L << 40;

    private const int MaxDenominator = 64;
    private readonly Lattice? _lattice;

    private LatentQuantizer(LatentForm form, int dimension, double[] scales, double[] offsets, long[] basis, double[]? generator, Lattice? lattice,
        TrellisQuantizer? trellis = null, int sequenceRows = 0)
    {
        Trellis = trellis;
        SequenceRows = sequenceRows;
        Form = form;
        Dimension = dimension;
        Scales = scales;
        Offsets = offsets;
        Basis = basis;
        Generator = generator;
        _lattice = lattice;
    }

    /// <summary>How quantized values map to integers.</summary>
    public LatentForm Form { get; }

    /// <summary>The latent dimension m.</summary>
    public int Dimension { get; }

    /// <summary>Column scales σ (length m): ŷ_j = σ_j·t_j + o_j in the rounding and scaled forms.</summary>
    public IReadOnlyList<double> Scales { get; }

    /// <summary>Offsets o (length m; the medians of NTC, zero for lattices).</summary>
    public IReadOnlyList<double> Offsets { get; }

    /// <summary>The integer lower-triangular basis B of the t vectors, row-major m × m (B_ij = 0 for j &gt; i, 0 ≤ B_ij &lt; B_jj for i &gt; j).</summary>
    public IReadOnlyList<long> Basis { get; }

    /// <summary>The generator G (row-major m × m) of the lattice-coordinates form; null otherwise.</summary>
    public IReadOnlyList<double>? Generator { get; }

    /// <summary>Whether <see cref="Quantize"/> can run (a quantizer read from a file decodes only until a lattice is bound).</summary>
    public bool CanQuantize => Form is LatentForm.Rounding or LatentForm.Trellis || _lattice is not null;

    /// <summary>The trellis-coded quantizer of the trellis form (its tables are the coding tables); null otherwise.</summary>
    public TrellisQuantizer? Trellis { get; }

    /// <summary>Rows per trellis sequence in the trellis form (each sequence starts in state 0); 0 otherwise.</summary>
    public int SequenceRows { get; }

    // Latent samples per trellis sequence.
    private int SequenceLength => SequenceRows * Dimension;

    /// <summary>
    /// The trellis form: <paramref name="trellis"/> (unit step, with its coding tables) over latents of
    /// <paramref name="dimension"/> coordinates, one sequence per <paramref name="sequenceRows"/> consecutive rows.
    /// </summary>
    /// <exception cref="LtcException">A dimension or sequence outside 1..<see cref="TrellisLatent.MaxSequenceLength"/>
    /// samples, or a trellis without tables or with another step than <see cref="TrellisLatent.Step"/>.</exception>
    public static LatentQuantizer ForTrellis(TrellisQuantizer trellis, int dimension, int sequenceRows)
    {
        ArgumentNullException.ThrowIfNull(trellis);
        if (dimension < 1 || sequenceRows < 1 || (long)dimension * sequenceRows > TrellisLatent.MaxSequenceLength)
            throw new LtcException($"a trellis latent needs 1..{TrellisLatent.MaxSequenceLength} samples per sequence, got {sequenceRows} rows of {dimension}");
        if (trellis.Tables is null) throw new LtcException("a trellis latent needs the coding tables in its quantizer");
        if (trellis.Codebook.Step != TrellisLatent.Step) throw new LtcException($"a trellis latent has step {TrellisLatent.Step}, got {trellis.Codebook.Step}");
        return new LatentQuantizer(LatentForm.Trellis, dimension, Ones(dimension), new double[dimension], Identity(dimension), null, null, trellis, sequenceRows);
    }

    /// <summary>Rounding to integers around <paramref name="offsets"/> (NTC's quantizer, with its medians).</summary>
    public static LatentQuantizer Rounding(ReadOnlySpan<double> offsets)
    {
        foreach (var o in offsets) if (!double.IsFinite(o)) throw new ArgumentException("offsets must be finite", nameof(offsets));
        int m = offsets.Length;
        if (m < 1) throw new ArgumentException("the latent needs at least one coordinate", nameof(offsets));
        return new LatentQuantizer(LatentForm.Rounding, m, Ones(m), offsets.ToArray(), Identity(m), null, null);
    }

    /// <summary>
    /// The quantizer of <paramref name="lattice"/> (already scaled as the model uses it), in the scaled-integer form when
    /// its generator allows it, else in lattice coordinates.
    /// </summary>
    public static LatentQuantizer ForLattice(Lattice lattice)
    {
        ArgumentNullException.ThrowIfNull(lattice);
        int m = lattice.Dimension;
        var g = lattice.Generator.ToArray();
        if (TryIntegerColumns(g, m, out var scales, out var ints))
            return new LatentQuantizer(LatentForm.ScaledIntegers, m, scales, new double[m], HermiteLower(ints, m), null, lattice);
        return new LatentQuantizer(LatentForm.LatticeCoordinates, m, Ones(m), new double[m], Identity(m), g, lattice);
    }

    /// <summary>Rebuilds a quantizer from its stored parts (see <see cref="LatentCodec.Read"/>); it can dequantize only
    /// until <see cref="Bind"/> gives it a lattice.</summary>
    internal static LatentQuantizer FromParts(LatentForm form, int m, double[] scales, double[] offsets, long[] basis, double[]? generator) =>
        new(form, m, scales, offsets, basis, generator, null);

    /// <summary>This quantizer, quantizing with <paramref name="lattice"/>, whose integer structure must be the stored one.</summary>
    internal LatentQuantizer Bind(Lattice? lattice)
    {
        if (Form is LatentForm.Rounding or LatentForm.Trellis) return this;
        if (lattice is null || lattice.Dimension != Dimension) throw new LtcException("the coder does not match the model's lattice");
        var fresh = ForLattice(lattice);
        if (fresh.Form != Form || !fresh.Basis.SequenceEqual(Basis)) throw new LtcException("the coder does not match the model's lattice");
        // The stored scales and generator are kept: they, not this machine's arithmetic, define ŷ.
        return new LatentQuantizer(Form, Dimension, (double[])Scales, (double[])Offsets, (long[])Basis, (double[]?)Generator, lattice);
    }

    /// <summary>
    /// Quantizes rows of <paramref name="y"/> (count × m, row-major) to their integer vectors t (same shape).
    /// </summary>
    /// <exception cref="LtcException">A value is not finite, or a quantized value lies beyond ±2^40 grid steps.</exception>
    public void Quantize(ReadOnlySpan<double> y, Span<long> t)
    {
        if (y.Length != t.Length || y.Length % Dimension != 0) throw new ArgumentException("y and t must both hold whole rows of the latent dimension");
        if (!CanQuantize) throw new InvalidOperationException("this quantizer was read from a file and has no lattice bound");
        int m = Dimension;
        for (int i = 0; i < y.Length; i++)
            if (!double.IsFinite(y[i])) throw new LtcException($"latent value {y[i]} at row {i / m} is not finite (the input is far outside what the model was trained on)");
        if (Form == LatentForm.Trellis)
        {
            // One thread: the caller (the file codec) already runs chunks in parallel.
            Trellis!.QuantizeSequences(y, t, SequenceLength, threads: 1);
            return;
        }
        if (Form == LatentForm.Rounding)
        {
            for (int i = 0; i < y.Length; i++) t[i] = Checked(Math.Round(y[i] - Offsets[i % m], MidpointRounding.ToEven), i / m);
            return;
        }
        var q = new double[y.Length];
        _lattice!.ClosestPoints(y, q, threads: 1);
        if (Form == LatentForm.ScaledIntegers)
        {
            for (int i = 0; i < q.Length; i++) t[i] = Checked(Math.Round(q[i] / Scales[i % m]), i / m);
            return;
        }
        var k = new long[m];
        for (int r = 0; r < q.Length / m; r++)
        {
            _lattice.Coordinates(q.AsSpan(r * m, m), k);
            for (int j = 0; j < m; j++) t[r * m + j] = Checked(k[j], r);
        }
    }

    /// <summary>The quantized latent ŷ (count × m) of integer vectors t: the same float64 values on every machine.</summary>
    public void Dequantize(ReadOnlySpan<long> t, Span<double> y)
    {
        if (y.Length != t.Length || y.Length % Dimension != 0) throw new ArgumentException("y and t must both hold whole rows of the latent dimension");
        int m = Dimension;
        if (Form == LatentForm.Trellis)
        {
            Trellis!.Reconstruct(t, y, SequenceLength);
            return;
        }
        if (Form != LatentForm.LatticeCoordinates)
        {
            var s = (double[])Scales;
            var o = (double[])Offsets;
            for (int i = 0; i < t.Length; i++) y[i] = s[i % m] * t[i] + o[i % m];
            return;
        }
        var g = (double[])Generator!;
        for (int r = 0; r < t.Length / m; r++)
        {
            var row = y.Slice(r * m, m);
            row.Clear();
            // Fixed order (i ascending, no fused multiply-add) so every machine sums the same way.
            for (int i = 0; i < m; i++)
            {
                double ki = t[r * m + i];
                for (int j = 0; j < m; j++) row[j] += ki * g[i * m + j];
            }
        }
    }

    private static long Checked(double v, int row) => Math.Abs(v) <= MaxMagnitude
        ? (long)v
        : throw new LtcException($"row {row}: the quantized latent is {v:G3} grid steps from the origin, beyond the codec's ±2^40 (the input is far outside what the model was trained on)");

    // Each column must be an integer multiple of one scale: the smallest nonzero magnitude divided by a denominator ≤ 64.
    private static bool TryIntegerColumns(double[] g, int m, out double[] scales, out BigInteger[] ints)
    {
        scales = new double[m];
        ints = new BigInteger[m * m];
        for (int j = 0; j < m; j++)
        {
            double min = double.PositiveInfinity, max = 0;
            for (int i = 0; i < m; i++)
            {
                double a = Math.Abs(g[i * m + j]);
                if (a > 0) min = Math.Min(min, a);
                max = Math.Max(max, a);
            }
            if (double.IsInfinity(min) || max / min > 1e6) return false;
            int den = 0;
            for (int q = 1; q <= MaxDenominator && den == 0; q++)
            {
                bool ok = true;
                for (int i = 0; i < m && ok; i++)
                {
                    double r = g[i * m + j] / min * q;
                    ok = Math.Abs(r - Math.Round(r)) < 1e-9 * Math.Max(1, Math.Abs(r));
                }
                if (ok) den = q;
            }
            if (den == 0) return false;
            var col = new BigInteger[m];
            BigInteger gcd = 0;
            for (int i = 0; i < m; i++)
            {
                col[i] = new BigInteger(Math.Round(g[i * m + j] / min * den));
                gcd = BigInteger.GreatestCommonDivisor(gcd, col[i]);
            }
            for (int i = 0; i < m; i++) ints[i * m + j] = col[i] / gcd;
            scales[j] = min / den * (double)gcd;
        }
        return true;
    }

    /// <summary>
    /// The lower-triangular Hermite normal form of the lattice spanned by the rows of <paramref name="a"/>: from the
    /// last column to the first, Euclid's algorithm on the rows that are still free (repeatedly subtracting multiples of
    /// the row with the smallest nonzero entry in the column, which keeps the numbers small, unlike cofactor updates)
    /// leaves one row with the column's gcd on the diagonal; then entries below the diagonal are reduced modulo it.
    /// </summary>
    internal static long[] HermiteLower(BigInteger[] a, int m)
    {
        var b = (BigInteger[])a.Clone();
        for (int c = m - 1; c >= 0; c--)
        {
            // Rows 0..c span the part of the lattice with zeros beyond column c.
            while (true)
            {
                int pivot = -1;
                for (int i = 0; i <= c; i++)
                    if (!b[i * m + c].IsZero && (pivot < 0 || BigInteger.Abs(b[i * m + c]) < BigInteger.Abs(b[pivot * m + c]))) pivot = i;
                if (pivot < 0) throw new ArgumentException("the generator is singular");
                bool others = false;
                for (int i = 0; i <= c; i++)
                {
                    if (i == pivot || b[i * m + c].IsZero) continue;
                    var q = BigInteger.Divide(b[i * m + c], b[pivot * m + c]);
                    for (int j = 0; j <= c; j++) b[i * m + j] -= q * b[pivot * m + j];
                    others |= !b[i * m + c].IsZero;
                }
                if (others) continue;
                if (pivot != c) SwapRows(b, m, pivot, c);
                break;
            }
            if (b[c * m + c].Sign < 0)
                for (int j = 0; j <= c; j++) b[c * m + j] = -b[c * m + j];
        }
        for (int i = 1; i < m; i++)
            for (int j = i - 1; j >= 0; j--)
            {
                var q = BigInteger.Divide(b[i * m + j], b[j * m + j]);
                if (b[i * m + j] - q * b[j * m + j] < 0) q -= 1;
                if (q.IsZero) continue;
                for (int k = 0; k <= j; k++) b[i * m + k] -= q * b[j * m + k];
            }
        var result = new long[m * m];
        for (int i = 0; i < m * m; i++)
            result[i] = b[i] >= long.MinValue && b[i] <= long.MaxValue ? (long)b[i] : throw new ArgumentException("the generator's integer form is too large");
        return result;
    }

    private static void SwapRows(BigInteger[] b, int m, int i, int c)
    {
        for (int j = 0; j < m; j++) (b[i * m + j], b[c * m + j]) = (b[c * m + j], b[i * m + j]);
    }

    private static double[] Ones(int m) => Enumerable.Repeat(1.0, m).ToArray();

    private static long[] Identity(int m)
    {
        var b = new long[m * m];
        for (int i = 0; i < m; i++) b[i * m + i] = 1;
        return b;
    }
}

/// <summary>How a <see cref="LatentQuantizer"/>'s outputs map to integer vectors.</summary>
public enum LatentForm : byte
{
    /// <summary>ŷ = t + o (NTC's rounding around its medians).</summary>
    Rounding = 1,
    /// <summary>ŷ_j = σ_j·t_j, t in the integer lattice of a triangular basis.</summary>
    ScaledIntegers = 2,
    /// <summary>ŷ = t·G with t the lattice coordinates.</summary>
    LatticeCoordinates = 3,
    /// <summary>t are union indices of a trellis-coded quantizer; ŷ replays the trellis (trellis transform coding).</summary>
    Trellis = 4,
}
