using Ltc.Coding;
using Ltc.Trellis;

namespace Ltc.Codec;

/// <summary>
/// The trellis-coded quantizer of trellis transform coding (TTC): the latent coordinates of consecutive rows are the
/// time steps of one trellis sequence over the unit-step alphabet ℤ (Δ = 1; the analysis transform learns the scale),
/// restarting in state 0 every <c>sequenceRows</c> rows. The integer of a latent coordinate is its union index k
/// (<see cref="TrellisQuantizer"/>), coded with rANS under the table of the union codebook its state allows; the
/// search minimizes Σ (y − ŷ)² + λ·ℓ with ℓ the code lengths of those same tables (entropy-constrained TCQ).
/// </summary>
public static class TrellisLatent
{
    /// <summary>The multiplier λ of the search cost in latent units (Δ = 1): 0.35·Δ², the classical ECTCQ design's
    /// choice (docs/results/trellis.md). The transform's scale sets the rate, so one λ serves every rate.</summary>
    public const double SearchLambda = 0.35;

    /// <summary>The alphabet step Δ of the latent trellis.</summary>
    public const double Step = 1.0;

    /// <summary>Most latent samples in one trellis sequence (rows × m).</summary>
    public const int MaxSequenceLength = 1 << 24;

    /// <summary>Most entries of a union's table.</summary>
    public const int MaxAlphabet = 4094;

    /// <summary>
    /// The search quantizer of <paramref name="code"/> with the uniform unit-step codebook over the index ranges of
    /// <paramref name="tables"/> (A0, A1) and the search multiplier <see cref="SearchLambda"/>.
    /// </summary>
    /// <exception cref="LtcException">Not two tables.</exception>
    public static TrellisQuantizer Quantizer(TrellisCode code, IReadOnlyList<IntegerTable> tables)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(tables);
        if (tables.Count != 2) throw new LtcException($"a trellis latent needs two tables (A0 and A1), got {tables.Count}");
        var levels = new double[2][];
        for (int u = 0; u < 2; u++)
        {
            levels[u] = new double[tables[u].Highest - tables[u].Lowest + 1];
            for (int i = 0; i < levels[u].Length; i++) levels[u][i] = Step * (2.0 * (tables[u].Lowest + i) + u);
        }
        var codebook = new TrellisCodebook(Step, tables[0].Lowest, levels[0], tables[1].Lowest, levels[1]);
        return new TrellisQuantizer(code, codebook, tables, SearchLambda);
    }

    /// <summary>
    /// Tables of the union indices <paramref name="indices"/> (rows × m, sequences of <paramref name="sequenceLength"/>
    /// samples from state 0): per union the observed range (trimmed to <see cref="MaxAlphabet"/> around its middle),
    /// Krichevsky–Trofimov counts (+½), the escape ½ plus the escaped count.
    /// </summary>
    public static IntegerTable[] FitTables(TrellisCode code, ReadOnlySpan<long> indices, int sequenceLength)
    {
        ArgumentNullException.ThrowIfNull(code);
        var unions = new byte[indices.Length];
        // Only the walk is needed; a quantizer with any codebook replays it.
        var walker = new TrellisQuantizer(code, TrellisCodebook.Uniform(Step, 1));
        walker.Unions(indices, unions, sequenceLength);
        var lo = new[] { long.MaxValue, long.MaxValue };
        var hi = new[] { long.MinValue, long.MinValue };
        for (int t = 0; t < indices.Length; t++)
        {
            lo[unions[t]] = Math.Min(lo[unions[t]], indices[t]);
            hi[unions[t]] = Math.Max(hi[unions[t]], indices[t]);
        }
        var counts = new double[2][];
        var escaped = new double[2];
        for (int u = 0; u < 2; u++)
        {
            if (lo[u] > hi[u]) lo[u] = hi[u] = 0;
            if (hi[u] - lo[u] + 1 > MaxAlphabet)
            {
                long mid = lo[u] + (hi[u] - lo[u]) / 2;
                lo[u] = mid - MaxAlphabet / 2;
                hi[u] = lo[u] + MaxAlphabet - 1;
            }
            counts[u] = new double[hi[u] - lo[u] + 1];
        }
        for (int t = 0; t < indices.Length; t++)
        {
            int u = unions[t];
            long i = indices[t] - lo[u];
            if ((ulong)i < (ulong)counts[u].Length) counts[u][i]++;
            else escaped[u]++;
        }
        var tables = new IntegerTable[2];
        for (int u = 0; u < 2; u++)
        {
            for (int i = 0; i < counts[u].Length; i++) counts[u][i] += 0.5;
            tables[u] = IntegerTable.FromProbabilities(lo[u], counts[u], escaped[u] + 0.5);
        }
        return tables;
    }

    /// <summary>
    /// Designs the codec of a trellis latent from training latents <paramref name="y"/> (rows × m): starting from the
    /// search of <paramref name="initial"/> (e.g. tables from the model's density), <paramref name="rounds"/> times
    /// quantize and refit the tables to the indices (the ECTCQ design with fixed levels); the last search's tables are
    /// the coding tables, so encoder search and entropy coder agree.
    /// </summary>
    /// <exception cref="LtcException">Bad latents, rounds outside 1..100, or a quantizer that is not a trellis.</exception>
    public static LatentCodec Design(LatentQuantizer initial, ReadOnlySpan<double> y, int rounds = 3)
    {
        ArgumentNullException.ThrowIfNull(initial);
        if (initial.Trellis is null) throw new LtcException("the quantizer is not a trellis");
        if (rounds < 1 || rounds > 100) throw new LtcException($"trellis design rounds must be 1..100, got {rounds}");
        var quantizer = initial;
        var t = new long[y.Length];
        LatentCodec? codec = null;
        for (int r = 0; r < rounds; r++)
        {
            quantizer.Quantize(y, t);
            codec = LatentCodec.Fit(quantizer, t);
            quantizer = codec.Quantizer;
        }
        return codec!;
    }
}
