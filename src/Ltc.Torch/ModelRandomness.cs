using Ltc.Lattices;
using static TorchSharp.torch;

namespace Ltc.Torch;

/// <summary>The independent random streams of a model's training and evaluation (see <see cref="ModelRandomness"/>).</summary>
public enum RandomStream
{
    /// <summary>Step t of training: torch's generator (initial noise of NTC, <c>manual_seed</c>) and the training batch.</summary>
    TrainingStep,
    /// <summary>The cell samples u₁..u_N of training step t that estimate the rate.</summary>
    TrainingCells,
    /// <summary>The dither of training step t (dithered models).</summary>
    TrainingDither,
    /// <summary>Cell-sample replicate r of an evaluation.</summary>
    EvaluationCells,
    /// <summary>The dither of the evaluation chunk that starts at test row i (dithered models).</summary>
    EvaluationDither,
    /// <summary>The held-out draws and cell samples of a run's convergence checks (<see cref="ConvergenceOptions"/>).</summary>
    ConvergenceCheck,
    /// <summary>The uniforms that become the density samples of training step t (<see cref="ModelConfig.DensitySamples"/>).</summary>
    TrainingDensity,
    /// <summary>The uniforms that become the density samples of evaluation replicate r.</summary>
    EvaluationDensity,
}

/// <summary>
/// The one owner of the random draws that decide what a model computes in training and evaluation: the cell samples
/// (uniform on the Voronoi cell, <see cref="VoronoiSampler"/>) that estimate P(ŷ) = ∫_{V(ŷ)} p, and the dither of
/// dithered models. Every draw comes from a seed derived with <see cref="Seeds.Step"/> from the run's seed and an
/// index (training step, replicate, first row), so a resumed run continues exactly and an evaluation is reproducible.
/// </summary>
/// <remarks>The derivations are the ones Ltc has always used (pinned by tests): docs/results do not move.</remarks>
public static class ModelRandomness
{
    // Salts that separate the streams of one step seed (hash constants of MurmurHash and Mersenne twister lineage:
    // arbitrary but fixed, since every published figure depends on them).
    private const int TrainingCellsSalt = 0x3c6ef372;
    private const int ConvergenceCheckSalt = 0x27d4eb2f;
    private const int TrainingDitherSalt = 0x1b873593;
    private const int EvaluationDitherSalt = 0x5bd1e995;
    private const int DensitySalt = 0x7f4a7c15;

    /// <summary>
    /// The seed of <paramref name="stream"/> at <paramref name="index"/> for a run seeded <paramref name="seed"/>
    /// (<see cref="ModelConfig.Seed"/> in training, <see cref="EvalOptions.Seed"/> in evaluation). The index is the
    /// training step, the replicate (<see cref="RandomStream.EvaluationCells"/>) or the chunk's first test row
    /// (<see cref="RandomStream.EvaluationDither"/>).
    /// </summary>
    /// <returns>A non-negative seed.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An unknown stream.</exception>
    public static int Seed(RandomStream stream, int seed, int index) => stream switch
    {
        RandomStream.TrainingStep => Seeds.Step(seed, index),
        RandomStream.TrainingCells => Seeds.Step(seed, index) ^ TrainingCellsSalt,
        RandomStream.TrainingDither => Seeds.Step(seed, index) ^ TrainingDitherSalt,
        RandomStream.EvaluationCells => Seeds.Step(seed, -1 - index),
        RandomStream.EvaluationDither => Seeds.Step(seed, index) ^ EvaluationDitherSalt,
        RandomStream.ConvergenceCheck => Seeds.Step(seed, index) ^ ConvergenceCheckSalt,
        RandomStream.TrainingDensity => Seeds.Step(seed, index) ^ DensitySalt,
        RandomStream.EvaluationDensity => Seeds.Step(seed, -1 - index) ^ DensitySalt,
        _ => throw new ArgumentOutOfRangeException(nameof(stream), stream, "unknown random stream"),
    };

    /// <summary>The cell samples of <paramref name="stream"/> at <paramref name="index"/>: a float32 tensor
    /// [<paramref name="count"/>, n] uniform on the Voronoi cell of <paramref name="lattice"/>.</summary>
    public static Tensor CellSamples(RandomStream stream, Lattice lattice, int count, CellSampling sampling, int seed, int index) =>
        CellSamples(lattice, count, sampling, Seed(stream, seed, index));

    /// <summary>The dither of <paramref name="stream"/> at <paramref name="index"/>: independent vectors uniform on the
    /// Voronoi cell, one per row, as a float32 tensor [<paramref name="rows"/>, n].</summary>
    public static Tensor Dither(RandomStream stream, Lattice lattice, int rows, int seed, int index) =>
        CellSamples(lattice, rows, CellSampling.MonteCarlo, Seed(stream, seed, index));

    /// <summary>
    /// The uniforms of <paramref name="stream"/> at <paramref name="index"/> that <see cref="LatentDensity.Sample"/>
    /// maps to density samples: <paramref name="count"/> points of a scrambled Sobol sequence in (0, 1)ⁿ (stratified,
    /// so the samples they give are too), as a float32 tensor [count, n]; an empty tensor when count is 0.
    /// </summary>
    public static Tensor DensityNoise(RandomStream stream, int count, int n, int seed, int index)
    {
        if (count == 0) return empty(0, n, dtype: ScalarType.Float32);
        var sobol = new QuasiRandom.SobolSequence(n, scramble: true, Seed(stream, seed, index));
        return Trainer.ToTensor(sobol.Next(count), count, n);
    }

    /// <summary>
    /// <paramref name="count"/> points of the Voronoi cell of <paramref name="lattice"/> drawn with
    /// <paramref name="sampling"/> from <paramref name="seed"/>, as a float32 tensor [count, n] (computed in double,
    /// then rounded).
    /// </summary>
    public static Tensor CellSamples(Lattice lattice, int count, CellSampling sampling, int seed)
    {
        ArgumentNullException.ThrowIfNull(lattice);
        var u = new VoronoiSampler(lattice, sampling, seed).Sample(count);
        return Trainer.ToTensor(u, count, lattice.Dimension);
    }
}
