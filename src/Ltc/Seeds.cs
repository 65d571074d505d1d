namespace Ltc;

/// <summary>
/// The one place seeds are derived from other seeds: a key made of a seed and a stream (a training step, a data split,
/// a chunk or replicate) goes through the SplitMix64 finalizer (Steele, Lea and Flood, "Fast splittable pseudorandom
/// number generators", OOPSLA 2014) and is reduced to a non-negative <see cref="int"/> for <see cref="Random"/>,
/// <see cref="Lattices.VoronoiSampler"/> or torch's <c>manual_seed</c>.
/// </summary>
/// <remarks>
/// The three key layouts are the ones training (<see cref="Step"/>), the data splits (<see cref="Split"/>) and the NSM
/// estimator (<see cref="Stream"/>) have always used, so every derived seed, and every result computed from one, is
/// unchanged. Unlike <see cref="HashCode.Combine{T1, T2}(T1, T2)"/>, which is randomized per process, the values are
/// the same in every process and on every machine.
/// </remarks>
public static class Seeds
{
    /// <summary>The SplitMix64 increment (the golden ratio in 64-bit fixed point), the seed's multiplier in a key.</summary>
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>Multiplier of the step in a training key (an odd constant unrelated to <see cref="Golden"/>).</summary>
    private const ulong StepMultiplier = 0xD1B54A32D192ED03UL;

    /// <summary>Offset of a training key.</summary>
    private const ulong StepOffset = 0x632BE59BD9B4E019UL;

    /// <summary>Offsets of the keys of the training and test splits.</summary>
    private const ulong TrainSplit = 0x5eedUL, TestSplit = 0x7e57UL;

    /// <summary>The SplitMix64 finalizer of <paramref name="key"/>, reduced to its low 31 bits (a seed in [0, 2^31)).</summary>
    public static int Mix(ulong key)
    {
        ulong z = unchecked((key ^ (key >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }

    /// <summary>
    /// The seed of the draws of step <paramref name="step"/> of a run seeded <paramref name="seed"/>: key
    /// seed·φ + step·c + o (mod 2^64). Training uses steps 0, 1, ...; evaluations use the row a chunk starts at and
    /// −1 − r for cell-sample replicate r (see <c>Ltc.Torch.ModelRandomness</c>).
    /// </summary>
    public static int Step(int seed, int step) =>
        Mix(unchecked((ulong)(uint)seed * Golden + (ulong)(uint)step * StepMultiplier + StepOffset));

    /// <summary>The seed of the draws of <paramref name="split"/> from a source seeded <paramref name="seed"/>: key
    /// seed·φ + a constant per split.</summary>
    public static int Split(int seed, Sources.SourceSplit split) =>
        Mix(unchecked((ulong)(uint)seed * Golden + (split == Sources.SourceSplit.Train ? TrainSplit : TestSplit)));

    /// <summary>The seed of independent stream <paramref name="stream"/> (a chunk, a replicate) of
    /// <paramref name="seed"/>: key (seed · 2^32 + stream) + φ, so distinct pairs give distinct keys.</summary>
    public static int Stream(int seed, int stream) =>
        Mix(unchecked(((ulong)(uint)seed << 32 | (uint)stream) + Golden));
}
