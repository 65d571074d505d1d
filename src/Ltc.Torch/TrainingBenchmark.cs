using System.Diagnostics;
using static TorchSharp.torch;

namespace Ltc.Torch;

/// <summary>One model whose training step is timed: a name and the specification it is built from.</summary>
/// <param name="Key">Name on the command line (e.g. <c>ltc-e8</c>).</param>
/// <param name="Name">Label in tables (e.g. <c>LTC-E8</c>).</param>
/// <param name="Spec">The model and its training settings (batch, cell samples, transforms).</param>
public sealed record StepTimeCase(string Key, string Name, ModelSpec Spec);

/// <summary>The training step time of one case with the torch reference densities and with the fused kernels.</summary>
/// <param name="Name">The case's label.</param>
/// <param name="Description">Source, kind, lattice, entropy model, batch and cell samples.</param>
/// <param name="ReferenceMs">Median milliseconds per step with every density's <see cref="LatentDensity.Fused"/> false.</param>
/// <param name="FusedOneThreadMs">Median milliseconds per step with the fused kernels on one worker thread.</param>
/// <param name="FusedMs">Median milliseconds per step with the fused kernels on every core (the default).</param>
/// <param name="SpeedupOneThread">ReferenceMs / FusedOneThreadMs.</param>
/// <param name="Speedup">ReferenceMs / FusedMs.</param>
/// <param name="Rounds">Alternating rounds measured (each: <see cref="StepsPerRound"/> steps of each variant).</param>
/// <param name="StepsPerRound">Steps per timed block.</param>
public sealed record StepTimeResult(string Name, string Description, double ReferenceMs, double FusedOneThreadMs, double FusedMs,
    double SpeedupOneThread, double Speedup, int Rounds, int StepsPerRound);

/// <summary>
/// Measures the wall time of a training step (forward, backward, Adam) of models built as <c>ltc train</c> builds them,
/// once with the torch compositions of the densities and once with the fused kernels, in alternating rounds so that
/// a change in the machine's load affects both alike (issue 12: the step-time ratios are measured in one run).
/// </summary>
public static class TrainingBenchmark
{
    /// <summary>
    /// The cases of issue 12: NTC, LTC-A2 and LTC-E8 on i.i.d. Gaussian sequences (linear transforms, RealNVP for the
    /// lattices, batch 256, N = 128), Physics LTC-D4* at the paper's settings (MLP width 500, factorized prior,
    /// dither, batch 16, N = 4096) and Block-LTC E8 on Banana (dy = 1, RealNVP, 256 blocks of 8, N = 128).
    /// Physics needs <c>../shared/data</c>; <paramref name="includeData"/> false leaves it out.
    /// </summary>
    public static IReadOnlyList<StepTimeCase> StandardCases(bool includeData = true)
    {
        var cases = new List<StepTimeCase>
        {
            new("ntc", "NTC", new ModelSpec { Source = "gaussian", Dim = 2, Kind = ModelKind.Ntc, Batch = 256 }),
            new("ltc-a2", "LTC-A2", new ModelSpec { Source = "gaussian", Dim = 2, Kind = ModelKind.Ltc, Lattice = "A2", Entropy = EntropyModelKind.Flow, Batch = 256, TrainCellSamples = 128 }),
            new("ltc-e8", "LTC-E8", new ModelSpec { Source = "gaussian", Dim = 8, Kind = ModelKind.Ltc, Lattice = "E8", Entropy = EntropyModelKind.Flow, Batch = 256, TrainCellSamples = 128 }),
        };
        if (includeData)
            cases.Add(new("physics-d4s", "Physics LTC-D4*", new ModelSpec
            {
                Source = "physics", Kind = ModelKind.Ltc, Lattice = "D4*", LatentDim = 4, Hidden = 500, Entropy = EntropyModelKind.Factorized,
                Proxy = QuantizationProxy.Dither, Batch = 16, TrainCellSamples = 4096,
            }));
        cases.Add(new("block-e8", "Block-LTC E8", new ModelSpec
        {
            Source = "banana", Kind = ModelKind.BlockLtc, Lattice = "E8", LatentDim = 1, Entropy = EntropyModelKind.Flow, Batch = 256, TrainCellSamples = 128,
        }));
        return cases;
    }

    /// <summary>
    /// Times <paramref name="rounds"/> alternating blocks of <paramref name="stepsPerRound"/> steps of the reference,
    /// the fused kernels on one thread and the fused kernels on every core (three models of the same initialization,
    /// after <paramref name="warmup"/> untimed steps each) and reports the median time per step of each. Torch itself
    /// runs on one intra-op thread throughout.
    /// </summary>
    /// <exception cref="LtcException">A count below 1, or a case that does not build (e.g. missing data).</exception>
    public static StepTimeResult Measure(StepTimeCase testCase, int rounds = 5, int stepsPerRound = 10, int warmup = 20)
    {
        ArgumentNullException.ThrowIfNull(testCase);
        if (rounds < 1 || stepsPerRound < 1 || warmup < 0) throw new LtcException("the benchmark needs at least one round of at least one step");
        int total = warmup + rounds * stepsPerRound;
        var setup = (testCase.Spec with { Steps = total }).Build(lambda: 8);
        var variants = new[] { Prepare(setup, fused: false, 1), Prepare(setup, fused: true, 1), Prepare(setup, fused: true, 0) };
        var states = new TrainingState[variants.Length];
        for (int v = 0; v < variants.Length; v++) states[v] = variants[v].Run(TrainingState.Start, stopAt: warmup);
        var perStep = variants.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < rounds; r++)
            for (int v = 0; v < variants.Length; v++)
            {
                var clock = Stopwatch.StartNew();
                states[v] = variants[v].Run(states[v], stopAt: states[v].Step + stepsPerRound);
                perStep[v].Add(clock.Elapsed.TotalMilliseconds / stepsPerRound);
            }
        double Median(List<double> v) => MathNet.Numerics.Statistics.Statistics.Median(v);
        double reference = Median(perStep[0]), fusedOne = Median(perStep[1]), fused = Median(perStep[2]);
        var c = setup.Config;
        string description = $"{c.Source}, {c.Model.Name()}" + (c.Model.HasLattice() ? $" {c.Lattice.Name}" : "") +
            $", {c.Entropy.Name()}, {c.Transform.Name()} width {c.Hidden}, batch {c.Batch}" + (c.Model.HasLattice() ? $", N = {c.McSamples}" : "");
        return new StepTimeResult(testCase.Name, description, reference, fusedOne, fused, reference / fusedOne, reference / fused, rounds, stepsPerRound);
    }

    private static Trainer Prepare(ModelSetup setup, bool fused, int kernelThreads)
    {
        TorchSetup.EnsureConfigured();
        manual_seed(setup.Config.Seed);
        var model = new CompressionModel(setup.Config);
        foreach (var density in model.modules().OfType<LatentDensity>())
        {
            density.Fused = fused;
            density.KernelThreads = kernelThreads;
        }
        return new Trainer(model, setup.Source);
    }
}
