using Ltc.Torch.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Ltc.Torch.Tests;

/// <summary>
/// The fused flow kernel (<see cref="FlowKernel"/>) against the torch composition it replaces
/// (<see cref="LatentDensity.Fused"/> = false), on flows perturbed far from their initialization.
/// </summary>
public class FlowKernelTests
{
    /// <summary>
    /// A flow with its parameters perturbed by N(0, 2/n) so that tanh saturates for a good share of the points (see
    /// <see cref="ThePerturbedFlowsSaturateTanh"/>). The scale follows the fan-in: a fixed σ = 0.7 at n = 24 gives
    /// |log p| up to 5000 with float32 itself (torch's composition) 1.2e-4 relative from the float64 value, a test of
    /// conditioning rather than of the kernel.
    /// </summary>
    private static FlowDensity PerturbedFlow(int n, int seed)
    {
        torch.manual_seed(seed);
        var flow = new FlowDensity(n);
        using (no_grad())
            foreach (var p in flow.parameters()) p.add_(randn_like(p) * Math.Sqrt(2.0 / n));
        return flow;
    }

    private static Tensor Points(int m, int n, int seed)
    {
        var g = new Generator((ulong)seed);
        return randn([m, n], generator: g) * 1.5f;
    }

    private static (Tensor LogP, Tensor GradT, Tensor[] GradParams) Evaluate(FlowDensity flow, Tensor points, Tensor weights, bool fused)
    {
        flow.Fused = fused;
        flow.zero_grad();
        var t = points.clone().requires_grad_(true);
        var logp = flow.LogDensity(t);
        (weights * logp).sum().backward();
        var grads = flow.parameters().Select(p => p.grad!.clone()).ToArray();
        flow.Fused = true;
        return (logp.detach(), t.grad!.clone(), grads);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(24)]
    public void LogDensityAndGradientsMatchTheTorchReference(int n)
    {
        var flow = PerturbedFlow(n, seed: 100 + n);
        foreach (int m in new[] { 1, 70, 1500 })
        {
            var points = Points(m, n, seed: m + n);
            var weights = randn([m], generator: new Generator(7));
            var (refLogP, refGradT, refGrads) = Evaluate(flow, points, weights, fused: false);
            var (logP, gradT, grads) = Evaluate(flow, points, weights, fused: true);

            // Forward: the same float32 operations in another summation order (GEMM vs fused multiply-adds); the
            // rounding differences (a few ulp per operation, over ~30 operations per layer) stay far below 1e-4.
            var err = (logP - refLogP).abs() - 1e-4 * (1 + refLogP.abs());
            Assert.True(err.max().item<float>() <= 0, $"n={n}, M={m}: log p differs by {(logP - refLogP).abs().max().item<float>()}");

            // Backward: each gradient is a sum over M points of products along a chain of ~100 operations, summed
            // in another order; cancellation makes elementwise relative error meaningless for small entries, so the
            // error of each gradient tensor is measured against its largest entry.
            AssertClose(refGradT, gradT, $"n={n}, M={m}, ∂/∂t");
            var names = flow.named_parameters().Select(p => p.name).ToArray();
            for (int i = 0; i < grads.Length; i++)
            {
                AssertClose(refGrads[i], grads[i], $"n={n}, M={m}, ∂/∂{names[i]}");
                // Entries the masks cancel are exactly zero in the reference, and so in the kernel.
                var zero = refGrads[i] == 0;
                Assert.True((grads[i].masked_select(zero) == 0).all().item<bool>(), $"{names[i]}: a masked gradient is not zero");
            }
        }
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        double scale = expected.abs().max().item<float>();
        double diff = (actual - expected).abs().max().item<float>();
        Assert.True(diff <= 1e-3 * scale + 1e-6, $"{what}: max |Δ| = {diff:G3} with max |grad| = {scale:G3}");
    }

    [Fact]
    public void ThePerturbedFlowsSaturateTanh()
    {
        // The comparisons above are only meaningful if tanh is driven into saturation for some points: check the
        // first hidden layer of the first scale network (pre-activations with |u| > 2 have tanh' < 0.07).
        foreach (int n in new[] { 2, 24 })
        {
            var flow = PerturbedFlow(n, seed: 100 + n);
            using var _ = no_grad();
            var p = flow.named_parameters().ToDictionary(x => x.name, x => x.parameter);
            var mask = tensor(Enumerable.Range(0, n).Select(i => i % 2 == 0 ? 1f : 0f).ToArray());
            var u = TorchSharp.torch.nn.functional.linear(Points(1500, n, 1) * mask, p["_scale.0.0.weight"], p["_scale.0.0.bias"]);
            double saturated = (u.abs() > 2).to(float32).mean().item<float>();
            Assert.True(saturated > 0.05, $"n={n}: only {saturated:P1} of the pre-activations saturate");
        }
    }

    [Fact]
    public void ResultsDoNotDependOnTheThreadCount()
    {
        const int n = 8, m = 5000; // five chunks, the last one partial
        var flow = PerturbedFlow(n, seed: 5);
        var kernel = new FlowKernel(n);
        var prm = KernelParameters(flow, kernel);
        var pts = Points(m, n, 6).data<float>().ToArray();
        var g = randn([m], generator: new Generator(8)).data<float>().ToArray();
        var results = new[] { 1, 2 }.Select(threads =>
        {
            var logp = new float[m];
            var gradT = new float[m * n];
            var gradP = new float[kernel.ParameterCount];
            kernel.Forward(prm, pts, logp, threads);
            kernel.Backward(prm, pts, g, gradT, gradP, threads);
            return (logp, gradT, gradP);
        }).ToArray();
        Assert.Equal(results[0].logp, results[1].logp);
        Assert.Equal(results[0].gradT, results[1].gradT);
        Assert.Equal(results[0].gradP, results[1].gradP);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(24)] // Λ24's blocks; odd tile counts of changed rows
    public void TheScalarPathAgreesWithTheVectorPath(int n)
    {
        const int m = 300;
        var flow = PerturbedFlow(n, seed: 9);
        var vector = new FlowKernel(n, 5, simd: true);
        var scalar = new FlowKernel(n, 5, simd: false);
        Assert.False(scalar.Simd);
        var prm = KernelParameters(flow, vector);
        var pts = Points(m, n, 10).data<float>().ToArray();
        var g = randn([m], generator: new Generator(11)).data<float>().ToArray();
        var outputs = new[] { vector, scalar }.Select(k =>
        {
            var logp = new float[m];
            var gradT = new float[m * n];
            var gradP = new float[k.ParameterCount];
            k.Forward(prm, pts, logp);
            k.Backward(prm, pts, g, gradT, gradP);
            return (logp, gradT, gradP);
        }).ToArray();
        // The forward pass runs the same fused multiply-adds in the same order on both paths.
        Assert.Equal(outputs[0].logp, outputs[1].logp);
        // Gradients with respect to the points are per point too; parameter gradients sum a tile in another order.
        Assert.Equal(outputs[0].gradT, outputs[1].gradT);
        float scale = outputs[0].gradP.Max(Math.Abs);
        for (int i = 0; i < prm.Length; i++)
            Assert.True(Math.Abs(outputs[0].gradP[i] - outputs[1].gradP[i]) <= 1e-5f * scale, $"parameter {i}: {outputs[0].gradP[i]} vs {outputs[1].gradP[i]}");
    }

    [Fact]
    public void UnderNoGradOnlyTheForwardRuns()
    {
        const int n = 4;
        var flow = PerturbedFlow(n, seed: 12);
        var t = Points(200, n, 13).requires_grad_(true);
        var tracked = flow.LogDensity(t);
        Assert.True(tracked.requires_grad);
        Tensor untracked;
        using (no_grad()) untracked = flow.LogDensity(t);
        Assert.False(untracked.requires_grad);
        Assert.Equal(tracked.detach().data<float>().ToArray(), untracked.data<float>().ToArray());
    }

    [Fact]
    public void GradientsReachTheFlowThroughTheEntropyModel()
    {
        // The training path: points built from ŷ and cell samples, log P(ŷ) by logsumexp over the samples.
        const int n = 2;
        var flow = PerturbedFlow(n, seed: 14);
        var entropy = new LatticeEntropyModel(flow, Ltc.Lattices.LatticeCatalog.Parse("A2").WithUnitVolume());
        var u = entropy.CellSamples(16, Ltc.Lattices.CellSampling.ScrambledSobol, 3);
        var yhat = Points(10, n, 15);
        Tensor[] Grads(bool fused)
        {
            flow.Fused = fused;
            flow.zero_grad();
            var y = yhat.clone().requires_grad_(true);
            entropy.LogCellProbability(y, u).sum().backward();
            return [y.grad!.clone(), .. flow.parameters().Select(p => p.grad!.clone())];
        }
        var reference = Grads(false);
        var fused = Grads(true);
        for (int i = 0; i < reference.Length; i++) AssertClose(reference[i], fused[i], $"gradient {i}");
    }

    [Fact]
    public unsafe void TheKernelsTanhIsWithinTwoUlpOfTheExactValueOnBothPaths()
    {
        // Every 389th float in [0, 12], both signs, and tiny values: the series branch, its boundary at 0.4, the
        // exponential branch and saturation.
        var xs = new List<float> { 0f, -0f, 1e-30f, -1e-30f, 1e-8f, 0.4f, MathF.BitDecrement(0.4f), 10f, 11f, float.PositiveInfinity, float.NegativeInfinity };
        for (int bits = BitConverter.SingleToInt32Bits(1e-6f); bits <= BitConverter.SingleToInt32Bits(12f); bits += 389)
        {
            float x = BitConverter.Int32BitsToSingle(bits);
            xs.Add(x);
            xs.Add(-x);
        }
        while (xs.Count % 64 != 0) xs.Add(0.5f);
        var vector = xs.ToArray();
        var scalar = xs.ToArray();
        fixed (float* v = vector) FlowKernel.Tanh(v, vector.Length, simd: true);
        fixed (float* s = scalar) FlowKernel.Tanh(s, scalar.Length, simd: false);
        Assert.Equal(scalar, vector);
        double worst = 0;
        for (int i = 0; i < xs.Count; i++)
        {
            float exact = (float)Math.Tanh(xs[i]);
            double ulp = Math.Abs((double)vector[i] - Math.Tanh(xs[i])) / (MathF.BitIncrement(MathF.Abs(exact)) - MathF.Abs(exact));
            Assert.True(MathF.Sign(vector[i]) == MathF.Sign(exact) || exact == 0, $"tanh({xs[i]}) = {vector[i]}");
            worst = Math.Max(worst, ulp);
        }
        Assert.True(worst <= 2, $"worst error {worst:F2} ulp");
    }

    private static float[] KernelParameters(FlowDensity flow, FlowKernel kernel)
    {
        // The module's parameters, in the kernel's layout: layer k, scale (r = 0) or shift (r = 1) network, Linear j.
        var p = flow.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        var flat = new float[kernel.ParameterCount];
        int n = kernel.Dimension;
        for (int k = 0; k < kernel.Layers; k++)
            for (int r = 0; r < 2; r++)
                for (int j = 0; j < 3; j++)
                {
                    string prefix = $"{(r == 0 ? "_scale" : "_shift")}.{k}.{2 * j}";
                    p[prefix + ".weight"].detach().data<float>().ToArray().CopyTo(flat, kernel.Offset(k, r, j));
                    p[prefix + ".bias"].detach().data<float>().ToArray().CopyTo(flat, kernel.Offset(k, r, j) + n * n);
                }
        return flat;
    }
}
