using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ltc.Torch;

/// <summary>
/// A learned density p on the latent space Rⁿ. Entropy models integrate it over quantizer cells; a codec can ask it
/// for per-point probabilities (see <see cref="LatticeEntropyModel.CellProbability"/>).
/// </summary>
public abstract class LatentDensity : nn.Module
{
    /// <summary>Creates the module.</summary>
    protected LatentDensity(string name) : base(name) { }

    /// <summary>Latent dimension n.</summary>
    public abstract int Dimension { get; }

    /// <summary>log p(t) for each row of <paramref name="t"/> (shape [M, n]); returns shape [M].</summary>
    public abstract Tensor LogDensity(Tensor t);

    /// <summary>
    /// Whether <see cref="LogDensity"/> runs the fused C# kernel (forward and backward in one pass over the points,
    /// true by default) or the composition of torch operations it replaces. Both compute the same function; the torch
    /// composition stays as the reference that tests and <c>ltc bench train</c> compare the kernel with.
    /// </summary>
    public bool Fused { get; set; } = true;

    /// <summary>
    /// Worker threads of the fused kernel: 0 (default) for one per core. Its results do not depend on it (fixed
    /// chunks, partial gradients summed in chunk order); unlike torch's OpenMP pool, .NET workers do not spin-wait, so
    /// all cores are safe on a shared machine.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative count.</exception>
    public int KernelThreads
    {
        get => _kernelThreads;
        set => _kernelThreads = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "kernel threads must be >= 0");
    }

    private int _kernelThreads;

    /// <summary>The worker count <see cref="KernelThreads"/> stands for.</summary>
    protected int EffectiveKernelThreads => _kernelThreads == 0 ? Environment.ProcessorCount : _kernelThreads;

    /// <summary>An auxiliary loss trained alongside (quantile estimates); zero when there is none.</summary>
    public virtual Tensor AuxLoss() => zeros(1);

    /// <summary>
    /// Samples of p without gradient, one per row of <paramref name="uniforms"/> ([M, n], values in (0, 1)), by a
    /// deterministic map of the uniforms (inverse CDF or inverse flow), so stratified uniforms give stratified samples;
    /// null for a density that cannot sample, whose cell probabilities then use cell samples alone.
    /// </summary>
    public virtual Tensor? Sample(Tensor uniforms) => null;
}

/// <summary>
/// Ballé et al.'s deep factorized density: for each coordinate a monotone CDF c(x) = σ(f(x)) built from small
/// networks with positive weights (filters 3,3,3,3); the density is its derivative, computed in forward mode.
/// </summary>
public sealed class FactorizedDensity : LatentDensity
{
    private static readonly int[] Filters = [3, 3, 3, 3];
    private readonly int _n;
    private readonly ParameterList _matrices = new();
    private readonly ParameterList _biases = new();
    private readonly ParameterList _factors = new();
    private readonly Parameter _quantiles;

    /// <summary>Creates the density for <paramref name="channels"/> coordinates, initialized at scale <paramref name="initScale"/>.</summary>
    public FactorizedDensity(int channels, double initScale = 10) : base(nameof(FactorizedDensity))
    {
        _n = channels;
        var dims = new List<int> { 1 };
        dims.AddRange(Filters);
        dims.Add(1);
        double scale = Math.Pow(initScale, 1.0 / (Filters.Length + 1));
        for (int k = 0; k < dims.Count - 1; k++)
        {
            double init = Math.Log(Math.Exp(1.0 / scale / dims[k + 1]) - 1);
            _matrices.Add(new Parameter(full(channels, dims[k + 1], dims[k], init)));
            _biases.Add(new Parameter(rand(channels, dims[k + 1], 1) - 0.5));
            if (k < dims.Count - 2) _factors.Add(new Parameter(zeros(channels, dims[k + 1], 1)));
        }
        _quantiles = new Parameter(tensor(new float[] { -(float)initScale, 0, (float)initScale }).repeat(channels, 1, 1));
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override int Dimension => _n;

    /// <summary>The learned medians of each coordinate (shape [n]), used to centre rounding in NTC.</summary>
    public Tensor Medians => _quantiles.select(2, 1).reshape(_n).detach();

    /// <summary>Logits of the CDF and their derivative for x of shape [n, 1, M].</summary>
    private (Tensor Logits, Tensor? Derivative) Cumulative(Tensor x, bool derivative, bool detachParameters = false)
    {
        Tensor? d = derivative ? ones_like(x) : null;
        for (int k = 0; k < _matrices.Count; k++)
        {
            var h = SafeSoftplus.Apply(detachParameters ? _matrices[k].detach() : _matrices[k]);
            x = matmul(h, x) + (detachParameters ? _biases[k].detach() : _biases[k]);
            if (d is not null) d = matmul(h, d);
            if (k < _factors.Count)
            {
                var a = (detachParameters ? _factors[k].detach() : _factors[k]).tanh();
                var tx = x.tanh();
                if (d is not null) d = d * (1 + a * (1 - tx * tx));
                x = x + a * tx;
            }
        }
        return (x, d);
    }

    /// <inheritdoc/>
    public override Tensor LogDensity(Tensor t) => UsesKernel(t) ? KernelLogDensity(t, sumRows: true) : ReferenceLogDensityPerCoordinate(t).sum(1);

    /// <summary>log p_i(t_i) per coordinate, shape [M, n] for t of shape [M, n].</summary>
    public Tensor LogDensityPerCoordinate(Tensor t) => UsesKernel(t) ? KernelLogDensity(t, sumRows: false) : ReferenceLogDensityPerCoordinate(t);

    /// <summary>Whether the fused kernel runs its vector path (else its scalar fallback); for tests.</summary>
    internal bool KernelVectors { get; set; } = System.Numerics.Vector.IsHardwareAccelerated;

    // The kernel takes float32 CPU points; anything else (and malformed input, for the reference's error) goes to torch.
    private bool UsesKernel(Tensor t) => Fused && Kernels.FactorizedLogDensity.Supports(t, _n);

    private static int[] LayerWidths()
    {
        var dims = new int[Filters.Length + 2];
        dims[0] = dims[^1] = 1;
        Filters.CopyTo(dims, 1);
        return dims;
    }

    private Tensor KernelLogDensity(Tensor t, bool sumRows) =>
        Kernels.FactorizedLogDensity.Apply(LayerWidths(), t, [.. _matrices], [.. _biases], [.. _factors], sumRows, EffectiveKernelThreads, KernelVectors);

    /// <summary>
    /// Inverse-CDF samples ([M, n] for uniforms [M, n]): each coordinate solves σ(f_i(x)) = u by a safeguarded Newton
    /// iteration from the learned median, in double precision (see <see cref="Kernels.FactorizedKernel.InverseCdf"/>).
    /// </summary>
    public override Tensor? Sample(Tensor uniforms)
    {
        using var _ = no_grad();
        return Kernels.FactorizedLogDensity.InverseCdf(LayerWidths(), uniforms, Medians, [.. _matrices], [.. _biases], [.. _factors]);
    }

    private Tensor ReferenceLogDensityPerCoordinate(Tensor t)
    {
        var x = t.t().unsqueeze(1); // [n, 1, M]
        var (l, d) = Cumulative(x, derivative: true);
        var logp = F.logsigmoid(l) + F.logsigmoid(-l) + d!.clamp_min(1e-30).log();
        return logp.squeeze(1).t();
    }

    /// <summary>
    /// P(y − ½ &lt; Y ≤ y + ½) per coordinate for y of shape [M, n] (NTC's rounding likelihood), floored at 1e-9 as
    /// Ballé's likelihood lower bound so that a far outlier costs at most about 30 bits in training.
    /// </summary>
    public Tensor IntervalLikelihood(Tensor y) => IntervalMass(y).clamp_min(1e-9);

    /// <summary>The cumulative distribution P(Y_i ≤ y_i) per coordinate for y of shape [M, n].</summary>
    public Tensor Cdf(Tensor y)
    {
        var (l, _) = Cumulative(y.t().unsqueeze(1), false);
        return F.sigmoid(l).squeeze(1).t();
    }

    private Tensor IntervalMass(Tensor y)
    {
        var x = y.t().unsqueeze(1);
        var (lower, _) = Cumulative(x - 0.5, false);
        var (upper, _) = Cumulative(x + 0.5, false);
        // Evaluate on the side of the median where the sigmoid is not saturated.
        var sign = -(lower + upper).sign().detach();
        return (F.sigmoid(sign * upper) - F.sigmoid(sign * lower)).abs().squeeze(1).t();
    }

    /// <summary>
    /// The probability mass of every integer offset k ∈ [<paramref name="low"/>, <paramref name="high"/>] around the
    /// median of coordinate <paramref name="channel"/>: P(m + k − ½ &lt; Y ≤ m + k + ½). A codec turns these into an
    /// integer frequency table (with an escape for the tails).
    /// </summary>
    public double[] IntegerPmf(int channel, int low, int high)
    {
        if ((uint)channel >= (uint)_n) throw new ArgumentOutOfRangeException(nameof(channel));
        if (high < low || high - low > 1 << 20) throw new ArgumentOutOfRangeException(nameof(high));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int count = high - low + 1;
        var y = zeros(count, _n);
        var offsets = arange(low, high + 1, dtype: float32) + Medians[channel];
        y.index_copy_(1, tensor(new long[] { channel }), offsets.unsqueeze(1));
        var lik = IntervalMass(y).select(1, channel);
        return lik.to(float64).data<double>().ToArray();
    }

    /// <inheritdoc/>
    public override Tensor AuxLoss()
    {
        var (l, _) = Cumulative(_quantiles, false, detachParameters: true);
        double tail = Math.Log(2 / 1e-9 - 1);
        var target = tensor(new float[] { -(float)tail, 0, (float)tail }).reshape(1, 1, 3);
        return (l - target).abs().sum();
    }
}

/// <summary>
/// RealNVP density (Dinh et al.): affine coupling layers with alternating masks, tanh networks of hidden width n, and a
/// standard normal base distribution.
/// </summary>
public sealed class FlowDensity : LatentDensity
{
    private readonly int _n;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> _scale = new();
    private readonly ModuleList<nn.Module<Tensor, Tensor>> _shift = new();
    private readonly Tensor[] _masks;
    private readonly Kernels.FlowKernel _kernel;

    /// <summary>Creates a flow on Rⁿ with <paramref name="layers"/> coupling layers.</summary>
    public FlowDensity(int n, int layers = 5) : base(nameof(FlowDensity))
    {
        if (n < 2) throw new LtcException("the flow entropy model needs a latent dimension >= 2");
        _n = n;
        _masks = new Tensor[layers];
        for (int k = 0; k < layers; k++)
        {
            var m = new float[n];
            for (int i = 0; i < n; i++) m[i] = (i + k) % 2 == 0 ? 1 : 0;
            _masks[k] = tensor(m);
            _scale.Add(nn.Sequential(nn.Linear(n, n), nn.Tanh(), nn.Linear(n, n), nn.Tanh(), nn.Linear(n, n), nn.Tanh()));
            _shift.Add(nn.Sequential(nn.Linear(n, n), nn.Tanh(), nn.Linear(n, n), nn.Tanh(), nn.Linear(n, n)));
        }
        RegisterComponents();
        _kernel = new Kernels.FlowKernel(n, layers);
    }

    /// <inheritdoc/>
    public override int Dimension => _n;

    /// <inheritdoc/>
    public override Tensor LogDensity(Tensor t)
    {
        if (Fused && t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && t.dim() == 2 && t.shape[1] == _n)
        {
            var parameters = KernelParameters();
            if (parameters.All(p => p.device_type == DeviceType.CPU && p.dtype == ScalarType.Float32))
                return Kernels.FlowAutograd.LogDensity(_kernel, t, parameters, EffectiveKernelThreads);
        }
        var z = t;
        var logdet = zeros(t.shape[0], device: t.device);
        for (int k = 0; k < _masks.Length; k++)
        {
            var m = _masks[k].to(t.device);
            var keep = z * m;
            var s = _scale[k].call(keep) * (1 - m);
            var sh = _shift[k].call(keep) * (1 - m);
            z = keep + (1 - m) * (z * s.exp() + sh);
            logdet = logdet + s.sum(1);
        }
        var logBase = -0.5 * (z * z).sum(1) - 0.5 * _n * Math.Log(2 * Math.PI);
        return logBase + logdet;
    }

    /// <summary>Samples by the inverse flow: z = Φ⁻¹(u) through the coupling layers in reverse ([M, n] for uniforms [M, n]).</summary>
    public override Tensor? Sample(Tensor uniforms)
    {
        using var _ = no_grad();
        var z = special.ndtri(uniforms.to(float32).clamp(1e-7, 1 - 1e-7));
        for (int k = _masks.Length - 1; k >= 0; k--)
        {
            var m = _masks[k].to(z.device);
            var keep = z * m;
            var s = _scale[k].call(keep) * (1 - m);
            var sh = _shift[k].call(keep) * (1 - m);
            z = keep + (1 - m) * ((z - sh) * (-s).exp());
        }
        return z;
    }

    /// <summary>
    /// The parameter tensors in the kernel's order: for each layer the scale then the shift network, each with the
    /// weight and bias of its three Linear layers (fetched per call: loading or moving the model may replace them).
    /// </summary>
    private List<Tensor> KernelParameters()
    {
        var list = new List<Tensor>(_masks.Length * 12);
        for (int k = 0; k < _masks.Length; k++)
            foreach (var net in new[] { _scale[k], _shift[k] })
                list.AddRange(net.parameters());
        return list;
    }
}
