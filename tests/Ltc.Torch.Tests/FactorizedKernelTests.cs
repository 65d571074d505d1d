using Ltc.Torch.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Ltc.Torch.Tests;

/// <summary>
/// The fused factorized-density kernel against its torch reference (<see cref="LatentDensity.Fused"/> = false):
/// values, gradients wrt t and every raw parameter, thread-count invariance, no_grad, odd sizes and far tails.
/// </summary>
public class FactorizedKernelTests
{
    // Value tolerance: |Δ log p| ≤ 1e-4·(1 + |log p|). Both sides are float32 (ε ≈ 6e-8) through five layers, tanh and
    // log; the kernel's transcendentals (TensorPrimitives or MathF) and the reference's differ by a few ulp, so the
    // observed differences are ~1e-7 relative; 1e-4 leaves room for other CPUs' vector paths.
    private const double ValueTolerance = 1e-4;

    // Gradient tolerance, per tensor: max |Δ| ≤ 1e-3·max |reference|. Parameter gradients are float32 sums over up to
    // M·n point contributions of both signs (random weights), summed in different orders (torch's bmm vs per-lane
    // partial sums), so a per-element relative bound would fail on entries that cancel to near zero; against the
    // tensor's scale the observed differences are below 2e-5, and 1e-3 is still far below what a wrong term in the
    // derivation produces (O(1) relative: dropping ḡ·s from ā gives ~0.8).
    private const double GradientTolerance = 1e-3;

    internal static FactorizedDensity NewDensity(int n, int seed)
    {
        manual_seed(seed);
        var density = new FactorizedDensity(n);
        // Perturb the initialization so softplus sees negative and positive inputs and the tanh factors are far from 0.
        using (no_grad())
            foreach (var (name, p) in density.named_parameters())
                if (!name.Contains("quantiles")) p.add_(randn_like(p) * (name.Contains("factors") ? 1.5 : 0.8));
        return density;
    }

    private static Tensor Points(long m, int n, int seed)
    {
        manual_seed(seed);
        return randn(m, n) * 4;
    }

    private static (float[] Value, Dictionary<string, float[]> Grads) Evaluate(FactorizedDensity density, Tensor t, Tensor w, bool fused, bool perCoordinate)
    {
        density.Fused = fused;
        density.zero_grad();
        var x = t.detach().clone().requires_grad_(true);
        var logp = perCoordinate ? density.LogDensityPerCoordinate(x) : density.LogDensity(x);
        (logp * w).sum().backward();
        var grads = new Dictionary<string, float[]> { ["t"] = TorchTestSupport.Values(x.grad!) };
        foreach (var (name, p) in density.named_parameters())
            if (!name.Contains("quantiles")) grads[name] = TorchTestSupport.Values(p.grad!);
        return (TorchTestSupport.Values(logp), grads);
    }

    private static void AssertClose(float[] reference, float[] fused, string what)
    {
        Assert.Equal(reference.Length, fused.Length);
        for (int i = 0; i < reference.Length; i++)
        {
            double bound = ValueTolerance * (1 + Math.Abs(reference[i]));
            Assert.True(Math.Abs(fused[i] - reference[i]) <= bound, $"{what}[{i}]: fused {fused[i]} vs reference {reference[i]}");
        }
    }

    private static void AssertGradientsClose(Dictionary<string, float[]> reference, Dictionary<string, float[]> fused)
    {
        Assert.Equal(reference.Keys.Order(), fused.Keys.Order());
        foreach (var (name, r) in reference)
        {
            var f = fused[name];
            double scale = r.Max(v => Math.Abs(v));
            Assert.True(scale > 0, $"{name}: the reference gradient is zero, which checks nothing");
            double worst = r.Zip(f, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= GradientTolerance * scale, $"{name}: max |Δ| {worst} exceeds {GradientTolerance}·{scale}");
        }
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(4, true)]
    [InlineData(33, true)]
    [InlineData(4, false)]
    [InlineData(33, false)]
    public void ValuesAndGradientsMatchTheTorchReference(int n, bool vectors)
    {
        var density = NewDensity(n, 11 + n);
        density.KernelVectors = vectors;
        long m = 1500; // not a multiple of the chunk
        var t = Points(m, n, 5);
        manual_seed(6);
        var w = randn(m, n);
        var reference = Evaluate(density, t, w, fused: false, perCoordinate: true);
        var fused = Evaluate(density, t, w, fused: true, perCoordinate: true);
        AssertClose(reference.Value, fused.Value, "log p");
        AssertGradientsClose(reference.Grads, fused.Grads);

        // The row sums (what LogDensity's callers use), with one weight per row.
        var wRow = randn(m);
        var referenceSum = Evaluate(density, t, wRow, fused: false, perCoordinate: false);
        var fusedSum = Evaluate(density, t, wRow, fused: true, perCoordinate: false);
        for (int i = 0; i < m; i++)
        {
            double bound = ValueTolerance * (n + Enumerable.Range(0, n).Sum(c => Math.Abs(reference.Value[i * n + c])));
            Assert.True(Math.Abs(fusedSum.Value[i] - referenceSum.Value[i]) <= bound, $"row {i}: {fusedSum.Value[i]} vs {referenceSum.Value[i]}");
        }
        AssertGradientsClose(referenceSum.Grads, fusedSum.Grads);
    }

    [Fact]
    public void ScalarFallbackAgreesWithTheVectorPath()
    {
        var density = NewDensity(4, 21);
        var t = Points(777, 4, 22);
        manual_seed(23);
        var w = randn(777, 4);
        density.KernelVectors = true;
        var vector = Evaluate(density, t, w, fused: true, perCoordinate: true);
        density.KernelVectors = false;
        var scalar = Evaluate(density, t, w, fused: true, perCoordinate: true);
        AssertClose(vector.Value, scalar.Value, "log p");
        AssertGradientsClose(vector.Grads, scalar.Grads);
    }

    [Fact]
    public void ResultsAreBitIdenticalForOneAndTwoThreads()
    {
        var density = NewDensity(8, 31);
        long m = 5 * FactorizedKernel.ChunkPoints + 77;
        var t = Points(m, 8, 32);
        manual_seed(33);
        var w = randn(m);
        density.KernelThreads = 1;
        var one = Evaluate(density, t, w, fused: true, perCoordinate: false);
        density.KernelThreads = 2;
        var two = Evaluate(density, t, w, fused: true, perCoordinate: false);
        Assert.Equal(one.Value, two.Value);
        foreach (var (name, g) in one.Grads) Assert.Equal(g, two.Grads[name]);
    }

    [Fact]
    public void UnderNoGradOnlyTheForwardRunsAndGivesTheSameValues()
    {
        var density = NewDensity(3, 41);
        var t = Points(600, 3, 42);
        density.Fused = true;
        var withGraph = density.LogDensity(t);
        Assert.True(withGraph.requires_grad);
        using var _ = no_grad();
        var without = density.LogDensity(t);
        Assert.False(without.requires_grad);
        Assert.Equal(TorchTestSupport.Values(withGraph), TorchTestSupport.Values(without));
        density.Fused = false;
        var reference = TorchTestSupport.Values(density.LogDensity(t));
        for (int i = 0; i < reference.Length; i++)
            Assert.True(Math.Abs(reference[i] - TorchTestSupport.Values(without)[i]) <= ValueTolerance * (3 + 3 * Math.Abs(reference[i])));
    }

    [Fact]
    public void ASinglePointMatches()
    {
        var density = NewDensity(5, 51);
        var t = Points(1, 5, 52);
        var w = ones(1, 5);
        var reference = Evaluate(density, t, w, fused: false, perCoordinate: true);
        var fused = Evaluate(density, t, w, fused: true, perCoordinate: true);
        AssertClose(reference.Value, fused.Value, "log p");
        AssertGradientsClose(reference.Grads, fused.Grads);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FarTailsHitTheDerivativeFloorLikeTheReference(bool vectors)
    {
        // At |t| = 1e3 the derivative d underflows below 1e-30: log p is log σ'(l) + log 1e-30 and, as in the
        // reference's clamp_min, no gradient flows through d; the gradient through the logit remains.
        var density = NewDensity(2, 61);
        density.KernelVectors = vectors;
        var t = Points(64, 2, 62);
        using (no_grad())
        {
            t[TensorIndex.Slice(0, 16)] = full(16, 2, 1e3f);
            t[TensorIndex.Slice(16, 32)] = full(16, 2, -1e3f);
        }
        manual_seed(63);
        var w = randn(64, 2);
        var reference = Evaluate(density, t, w, fused: false, perCoordinate: true);
        var fused = Evaluate(density, t, w, fused: true, perCoordinate: true);
        // The premise: the floor is active in the tails (log σ'(l) ≤ log ¼ < 0 on top of log 1e-30).
        Assert.All(reference.Value.Take(64), v => Assert.True(v < Math.Log(1e-30) + 1e-3, $"the tail log p {v} is above the floor"));
        Assert.All(fused.Value, v => Assert.True(float.IsFinite(v)));
        AssertClose(reference.Value, fused.Value, "log p");
        AssertGradientsClose(reference.Grads, fused.Grads);
    }
}
