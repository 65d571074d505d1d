using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Ltc.Torch.Kernels;

/// <summary>
/// <see cref="FlowKernel"/> as a torch operation: log p(t) with a custom autograd backward, so that gradients reach
/// both the points and the flow's parameter tensors (and from there the optimizer).
/// </summary>
internal static class FlowAutograd
{
    /// <summary>
    /// log p(t), [M], for <paramref name="points"/> [M, n] (float32, CPU) and the flow's parameters in the kernel's
    /// order (for each layer, the scale then the shift network, each weight then bias of its three Linear layers).
    /// Without gradient tracking (no_grad, or nothing requires grad) only the forward kernel runs.
    /// </summary>
    public static Tensor LogDensity(FlowKernel kernel, Tensor points, IReadOnlyList<Tensor> parameters, int threads = 0)
    {
        if (parameters.Count != kernel.Layers * 12) throw new LtcException($"the flow kernel needs {kernel.Layers * 12} parameter tensors, got {parameters.Count}");
        bool tracked = is_grad_enabled() && (points.requires_grad || parameters.Any(p => p.requires_grad));
        if (!tracked) return Forward(kernel, Flatten(kernel, parameters), points, threads);
        var vars = new object[parameters.Count + 3];
        vars[0] = kernel;
        vars[1] = threads;
        vars[2] = points;
        for (int i = 0; i < parameters.Count; i++) vars[i + 3] = parameters[i];
        return Function.apply(vars);
    }

    /// <summary>The kernel's forward pass reading the points' memory and writing the result's, without copies.</summary>
    private static unsafe Tensor Forward(FlowKernel kernel, float[] parameters, Tensor points, int threads)
    {
        using var pts = Contiguous(points);
        int m = checked((int)pts.shape[0]);
        var logp = empty([m], float32);
        fixed (byte* t = pts.bytes)
        fixed (byte* l = logp.bytes)
            kernel.Forward(parameters, (float*)t, m, (float*)l, threads);
        return logp;
    }

    private static Tensor Contiguous(Tensor t) => t.detach().to(float32).cpu().contiguous();

    /// <summary>The parameters in the kernel's flat layout; each tensor is [n, n] (weight) or [n] (bias).</summary>
    private static float[] Flatten(FlowKernel kernel, IReadOnlyList<Tensor> parameters)
    {
        int n = kernel.Dimension;
        var flat = new float[kernel.ParameterCount];
        for (int k = 0; k < kernel.Layers; k++)
            for (int net = 0; net < 2; net++)
                for (int j = 0; j < 3; j++)
                {
                    int index = ((k * 2 + net) * 3 + j) * 2, offset = kernel.Offset(k, net, j);
                    Copy(parameters[index], [n, n], flat.AsSpan(offset, n * n));
                    Copy(parameters[index + 1], [n], flat.AsSpan(offset + n * n, n));
                }
        return flat;
    }

    private static void Copy(Tensor t, long[] shape, Span<float> destination)
    {
        if (!t.shape.SequenceEqual(shape)) throw new LtcException($"flow parameter of shape [{string.Join(", ", t.shape)}], expected [{string.Join(", ", shape)}]");
        using var c = t.detach().to(float32).cpu().contiguous();
        MemoryMarshal.Cast<byte, float>(c.bytes).CopyTo(destination);
    }

    private sealed class Function : autograd.SingleTensorFunction<Function>
    {
        public override string Name => nameof(FlowAutograd);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var kernel = (FlowKernel)vars[0];
            int threads = (int)vars[1];
            var points = (Tensor)vars[2];
            var prm = Flatten(kernel, vars.Skip(3).Cast<Tensor>().ToList());
            // The backward pass recomputes the activations from the points, saved as a tensor (no copy).
            ctx.save_for_backward([points]);
            ctx.save_data("kernel", kernel);
            ctx.save_data("threads", threads);
            ctx.save_data("parameters", prm);
            return Forward(kernel, prm, points, threads);
        }

        public override unsafe List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var kernel = (FlowKernel)ctx.get_data("kernel");
            int threads = (int)ctx.get_data("threads");
            var prm = (float[])ctx.get_data("parameters");
            using var pts = Contiguous(ctx.get_saved_variables()[0]);
            using var g = Contiguous(gradOutput);
            int m = checked((int)pts.shape[0]);
            var gradPoints = empty(pts.shape, float32);
            var gradParameters = new float[prm.Length];
            fixed (byte* t = pts.bytes)
            fixed (byte* gp = g.bytes)
            fixed (byte* gt = gradPoints.bytes)
                kernel.Backward(prm, (float*)t, m, (float*)gp, (float*)gt, gradParameters, threads);
            int n = kernel.Dimension;
            var result = new List<Tensor> { null!, null!, gradPoints };
            for (int k = 0; k < kernel.Layers; k++)
                for (int net = 0; net < 2; net++)
                    for (int j = 0; j < 3; j++)
                    {
                        int offset = kernel.Offset(k, net, j);
                        result.Add(tensor(gradParameters.AsSpan(offset, n * n).ToArray(), [n, n], float32));
                        result.Add(tensor(gradParameters.AsSpan(offset + n * n, n).ToArray(), [n], float32));
                    }
            return result;
        }
    }
}
