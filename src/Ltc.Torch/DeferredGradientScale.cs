using TorchSharp;
using static TorchSharp.torch;

namespace Ltc.Torch;

/// <summary>
/// The identity in the forward pass whose backward pass multiplies the incoming gradient by a scale that is set after
/// the forward pass (when it depends on values computed from the output) and before <c>backward</c> runs.
/// </summary>
/// <remarks>
/// It lets one path of a computation carry a different gradient than the values it shares with another path:
/// <see cref="LatticeEntropyModel.LogCellProbability"/> scales the gradient reaching the latent through each cell
/// sample by a weight known only once the density has been evaluated at that sample, without a second evaluation.
/// </remarks>
internal static class DeferredGradientScale
{
    /// <summary>The scale of one application: null leaves the gradient unchanged. It must broadcast to the input's shape.</summary>
    internal sealed class Handle
    {
        public Tensor? Scale { get; set; }
    }

    /// <summary>A copy of <paramref name="x"/> whose gradient is <paramref name="handle"/>'s scale times the gradient of
    /// the copy. Without gradient recording it returns <paramref name="x"/> itself.</summary>
    public static Tensor Apply(Tensor x, Handle handle)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(handle);
        return x.requires_grad && is_grad_enabled() ? Node.apply(handle, x) : x;
    }

    private sealed class Node : autograd.SingleTensorFunction<Node>
    {
        public override string Name => nameof(DeferredGradientScale);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            ctx.save_data("handle", vars[0]);
            return ((Tensor)vars[1]).detach().clone();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var scale = ((Handle)ctx.get_data("handle")).Scale;
            return [null!, scale is null ? grad_output : grad_output * scale];
        }
    }
}
