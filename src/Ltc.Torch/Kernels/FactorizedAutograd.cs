using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Ltc.Torch.Kernels;

/// <summary>
/// <see cref="FactorizedKernel"/> as a torch operation: log p of the factorized density for t of shape [M, n], per
/// coordinate ([M, n]) or summed over coordinates ([M]), with a custom autograd node whose backward runs the kernel's
/// reverse pass. The raw parameters (before softplus and tanh) are inputs of the node, so their gradients reach the
/// optimizer as with the torch composition.
/// </summary>
internal static class FactorizedLogDensity
{
    /// <summary>Whether the kernel can evaluate <paramref name="t"/>: a float32 CPU tensor of shape [M, n], M ≥ 1.</summary>
    public static bool Supports(Tensor t, int channels) =>
        t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && t.dim() == 2 && t.shape[1] == channels && t.shape[0] > 0;

    /// <summary>
    /// log p(t) through the kernel. <paramref name="matrices"/>, <paramref name="biases"/> and
    /// <paramref name="factors"/> are the density's raw parameters ([n, out, in], [n, out, 1], [n, out, 1]).
    /// </summary>
    /// <param name="dims">Layer widths 1, f₁, …, f_K, 1.</param>
    /// <param name="t">Points, float32 [M, n] on the CPU.</param>
    /// <param name="matrices">Raw weight matrices, one per layer.</param>
    /// <param name="biases">Biases, one per layer.</param>
    /// <param name="factors">Raw gating factors, one per hidden layer.</param>
    /// <param name="sumRows">Return Σ_i log p_i(t_i) per row ([M]) instead of per coordinate ([M, n]).</param>
    /// <param name="threads">Worker threads (the result does not depend on it).</param>
    /// <param name="vectors">Run the vector path (else the scalar fallback).</param>
    public static Tensor Apply(int[] dims, Tensor t, IReadOnlyList<Tensor> matrices, IReadOnlyList<Tensor> biases,
        IReadOnlyList<Tensor> factors, bool sumRows, int threads, bool vectors)
    {
        var settings = new Settings(dims, sumRows, threads, vectors, matrices.Count, factors.Count);
        bool needsGraph = is_grad_enabled()
            && (t.requires_grad || matrices.Any(p => p.requires_grad) || biases.Any(p => p.requires_grad) || factors.Any(p => p.requires_grad));
        if (!needsGraph)
        {
            using var noGrad = no_grad();
            return Forward(settings, t, [.. matrices, .. biases, .. factors], out _);
        }
        var inputs = new object[2 + matrices.Count + biases.Count + factors.Count];
        inputs[0] = settings;
        inputs[1] = t;
        int q = 2;
        foreach (var p in matrices) inputs[q++] = p;
        foreach (var p in biases) inputs[q++] = p;
        foreach (var p in factors) inputs[q++] = p;
        return Node.apply(inputs);
    }

    /// <summary>
    /// Samples of the density by its inverse CDF (<see cref="FactorizedKernel.InverseCdf"/>), without gradient:
    /// [M, n] for <paramref name="uniforms"/> [M, n] in (0, 1), each coordinate's search starting at
    /// <paramref name="start"/> ([n]).
    /// </summary>
    public static Tensor InverseCdf(int[] dims, Tensor uniforms, Tensor start, IReadOnlyList<Tensor> matrices, IReadOnlyList<Tensor> biases,
        IReadOnlyList<Tensor> factors)
    {
        using var scope = NewDisposeScope();
        int n = (int)uniforms.shape[1];
        var kernel = new FactorizedKernel(n, dims, [.. matrices.Select(Values)], [.. biases.Select(Values)], [.. factors.Select(Values)]);
        var u = uniforms.detach().to(float32).contiguous();
        var s = empty_like(u);
        kernel.InverseCdf(Floats(u), Values(start), Floats(s));
        return s.MoveToOuterDisposeScope();
    }

    private sealed record Settings(int[] Dims, bool SumRows, int Threads, bool Vectors, int Layers, int Hidden);

    private static float[] Values(Tensor p) => p.detach().contiguous().data<float>().ToArray();

    // The storage of a contiguous float32 CPU tensor, in place.
    private static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    private static Tensor Forward(Settings s, Tensor t, IReadOnlyList<Tensor> parameters, out FactorizedKernel kernel)
    {
        // Temporaries (contiguous copies, parameter reads) die here; only the output leaves.
        using var scope = NewDisposeScope();
        int n = (int)t.shape[1];
        long m = t.shape[0];
        kernel = new FactorizedKernel(n, s.Dims,
            [.. parameters.Take(s.Layers).Select(Values)],
            [.. parameters.Skip(s.Layers).Take(s.Layers).Select(Values)],
            [.. parameters.Skip(2 * s.Layers).Take(s.Hidden).Select(Values)]) { Threads = s.Threads, UseVectors = s.Vectors };
        var tc = t.detach().contiguous();
        var output = s.SumRows ? empty(m, dtype: float32) : empty(m, n, dtype: float32);
        kernel.Forward(Floats(tc), Floats(output), s.SumRows);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>The autograd node: inputs (settings, t, matrices…, biases…, factors…), one output.</summary>
    private sealed class Node : autograd.SingleTensorFunction<Node>
    {
        public override string Name => "FactorizedLogDensity";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var s = (Settings)vars[0];
            var t = (Tensor)vars[1];
            var parameters = vars.Skip(2).Cast<Tensor>().ToList();
            var output = Forward(s, t, parameters, out var kernel);
            ctx.save_for_backward([t]);
            ctx.save_data("settings", s);
            // The kernel holds the parameters as they were in the forward pass (softplus and tanh already taken).
            ctx.save_data("kernel", kernel);
            return output;
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var s = (Settings)ctx.get_data("settings");
            var kernel = (FactorizedKernel)ctx.get_data("kernel");
            using var scope = NewDisposeScope();
            var t = ctx.get_saved_variables()[0].detach().contiguous();
            var g = grad_output.detach().to(float32).contiguous();
            var gradT = empty_like(t);
            var (gm, gb, ga) = kernel.Backward(Floats(t), Floats(g), s.SumRows, Floats(gradT));
            int n = kernel.Channels;
            var grads = new List<Tensor> { null!, gradT };
            for (int k = 0; k < s.Layers; k++) grads.Add(tensor(gm[k], n, s.Dims[k + 1], s.Dims[k]));
            for (int k = 0; k < s.Layers; k++) grads.Add(tensor(gb[k], n, s.Dims[k + 1], 1));
            for (int k = 0; k < s.Hidden; k++) grads.Add(tensor(ga[k], n, s.Dims[k + 1], 1));
            // The gradients outlive this scope: autograd reads them after backward returns.
            foreach (var grad in grads.Skip(1)) grad.MoveToOuterDisposeScope();
            return grads;
        }
    }
}
