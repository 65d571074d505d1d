using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace Ltc.Torch;

/// <summary>
/// softplus(x) = log(1 + eˣ) (β = 1, linear above 20, as torch's default) without TorchSharp 0.107's race.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's <c>Tensor.softplus(double, double)</c> turns β and the threshold into native Scalars that nothing
/// keeps alive: once their handles are read, the garbage collector may finalize (free) them while the native call still
/// reads them. The process then aborts with "Expected false to be true … toFloat at Scalar.h:140", rarely but fatally
/// (it killed long training runs). Here the Scalars live until the call returns; the native kernel is the same, so
/// values and gradients are bit-for-bit those of <c>torch.nn.functional.softplus</c>. If a later TorchSharp drops the
/// internal method used, the composition relu(x) + log1p(e^−|x|) takes over (equal within float rounding).
/// </remarks>
public static class SafeSoftplus
{
    private static readonly Func<Tensor, Scalar, Scalar, Tensor>? Native = FindNative();

    private static Func<Tensor, Scalar, Scalar, Tensor>? FindNative()
    {
        var method = typeof(Tensor).GetMethod("softplus1", BindingFlags.Instance | BindingFlags.NonPublic, [typeof(Scalar), typeof(Scalar)]);
        return method is null || method.ReturnType != typeof(Tensor) ? null
            : (Func<Tensor, Scalar, Scalar, Tensor>)Delegate.CreateDelegate(typeof(Func<Tensor, Scalar, Scalar, Tensor>), method);
    }

    /// <summary>softplus of every element of <paramref name="x"/> (any shape), differentiable.</summary>
    public static Tensor Apply(Tensor x)
    {
        if (Native is null) return nn.functional.relu(x) + (-x.abs()).exp().log1p();
        using var beta = 1.0.ToScalar();
        using var threshold = 20.0.ToScalar();
        var result = Native(x, beta, threshold);
        GC.KeepAlive(beta);
        GC.KeepAlive(threshold);
        return result;
    }

    /// <summary>A parameterless module applying <see cref="Apply"/> (in place of <c>nn.Softplus()</c>).</summary>
    public static nn.Module<Tensor, Tensor> Module() => new Layer();

    private sealed class Layer() : nn.Module<Tensor, Tensor>("Softplus")
    {
        public override Tensor forward(Tensor input) => Apply(input);
    }
}
