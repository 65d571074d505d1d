using Ltc.Codec;
using Ltc.Lattices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ltc.Torch;

/// <summary>Result of one forward pass: reconstruction, rate per vector in bits, and the quantized latent.</summary>
public sealed record ForwardResult(Tensor Reconstruction, Tensor BitsPerVector, Tensor Latent, Tensor QuantizedLatent);

/// <summary>
/// The lattice quantizer Q_Λ on tensors, at unit cell volume. Values are copied out to the <see cref="Lattice"/>
/// decoder and back: no gradient flows through it (the proxies handle that).
/// </summary>
public sealed class TensorLatticeQuantizer
{
    /// <summary>Wraps <paramref name="lattice"/> (already scaled as wanted).</summary>
    public TensorLatticeQuantizer(Lattice lattice) => Lattice = lattice;

    /// <summary>The lattice.</summary>
    public Lattice Lattice { get; }

    /// <summary>Closest lattice points of the rows of <paramref name="y"/> (shape [B, n]), as a new tensor without grad.</summary>
    public Tensor Quantize(Tensor y)
    {
        using var _ = no_grad();
        var cpu = y.detach().to(float32).cpu().contiguous();
        var data = cpu.data<float>().ToArray();
        var outp = new float[data.Length];
        Lattice.ClosestPoints(data, outp);
        return tensor(outp, y.shape).to(y.device);
    }
}

/// <summary>
/// Entropy model over a lattice: P(ŷ) = ∫_{V(ŷ)} p(t) dt ≈ V·(1/N)·Σⱼ p(ŷ + uⱼ) with uⱼ uniform on the Voronoi cell.
/// The estimator averages the joint density (products over coordinates for the factorized prior), which is the
/// cell integral; log P is computed with logsumexp.
/// </summary>
public sealed class LatticeEntropyModel
{
    /// <summary>Creates the entropy model for density <paramref name="density"/> over cells of <paramref name="lattice"/>.</summary>
    public LatticeEntropyModel(LatentDensity density, Lattice lattice)
    {
        Density = density;
        Lattice = lattice;
    }

    /// <summary>The density p.</summary>
    public LatentDensity Density { get; }

    /// <summary>The lattice whose cells are integrated over.</summary>
    public Lattice Lattice { get; }

    /// <summary>Draws N cell samples as a tensor [N, n].</summary>
    public Tensor CellSamples(int count, CellSampling sampling, int seed) => ModelRandomness.CellSamples(Lattice, count, sampling, seed);

    /// <summary>log P(ŷ) in nats for each row of <paramref name="yhat"/> ([B, n]) given cell samples u ([N, n]).</summary>
    public Tensor LogCellProbability(Tensor yhat, Tensor u)
    {
        long b = yhat.shape[0], n = yhat.shape[1], count = u.shape[0];
        var t = (yhat.unsqueeze(1) + u.unsqueeze(0)).reshape(b * count, n);
        var logp = Density.LogDensity(t).reshape(b, count);
        return logsumexp(logp, 1) - Math.Log(count) + Math.Log(Lattice.Volume);
    }

    /// <summary>
    /// The probability of each lattice point in <paramref name="points"/> (rows, [B, n]) for coding, estimated with
    /// <paramref name="samples"/> cell samples. A codec turns these into integer frequency tables.
    /// </summary>
    public double[] CellProbability(Tensor points, int samples, CellSampling sampling, int seed)
    {
        using var _ = no_grad();
        var logp = LogCellProbability(points, CellSamples(samples, sampling, seed)).exp();
        return logp.to(float64).data<double>().ToArray();
    }
}

/// <summary>
/// NTC (scalar rounding), LTC (lattice quantizer between learned transforms) and ECLQ (lattice with a learned scale,
/// no transform), with the entropy models and proxies of the configuration.
/// </summary>
public sealed class CompressionModel : nn.Module
{
    private readonly nn.Module<Tensor, Tensor>? _analysis;
    private readonly nn.Module<Tensor, Tensor>? _synthesis;
    private readonly LatentDensity? _density;
    private readonly Parameter? _logScale;
    private readonly BlockTransforms? _block;

    /// <summary>Builds an untrained model from <paramref name="config"/> (initialized from the current torch seed).</summary>
    public CompressionModel(ModelConfig config) : base("CompressionModel")
    {
        config.Validate();
        Config = config;
        int d = config.Dim, dy = config.LatentDim, h = config.Hidden;
        if (config.Model == ModelKind.BlockLtc)
        {
            // Per source vector: d → h → h → dy and back (LeakyReLU, brief section 4); the block transforms act across
            // the n vectors of a block, one pair per latent dimension.
            int dv = d / config.Block;
            _analysis = nn.Sequential(nn.Linear(dv, h), nn.LeakyReLU(), nn.Linear(h, h), nn.LeakyReLU(), nn.Linear(h, dy));
            _synthesis = nn.Sequential(nn.Linear(dy, h), nn.LeakyReLU(), nn.Linear(h, h), nn.LeakyReLU(), nn.Linear(h, dv));
            _block = new BlockTransforms(config.Block, dy, 100, config.Entropy);
        }
        else if (config.Model != ModelKind.Eclq)
        {
            _analysis = Transform(config.Transform, d, h, dy);
            _synthesis = Transform(config.Transform, dy, h, d);
        }
        else _logScale = new Parameter(zeros(1));
        // Block-LTC has one density per latent dimension, inside _block; the others one density over the latent.
        if (config.Model == ModelKind.Ttc)
        {
            // One density for every latent coordinate, of z = y/2: union codebooks have spacing 2Δ = 2, so the mass of
            // the interval (ŷ − 1, ŷ + 1] of a union index is the unit interval of z around ŷ/2 (see TrellisBits).
            _density = new FactorizedDensity(1);
            TrellisCode = Trellis.TrellisCode.Create(config.States);
        }
        else if (_block is null) _density = config.Entropy == EntropyModelKind.Flow ? new FlowDensity(dy) : new FactorizedDensity(dy);
        if (config.Model.HasLattice())
        {
            var lattice = config.Lattice.Lattice.WithUnitVolume();
            Quantizer = new TensorLatticeQuantizer(lattice);
            if (_block is not null) _block.UseLattice(lattice);
            else Entropy = new LatticeEntropyModel(_density!, lattice);
        }
        RegisterComponents();
    }

    private static nn.Module<Tensor, Tensor> Transform(TransformKind kind, int input, int hidden, int output) => kind == TransformKind.Linear
        ? nn.Sequential(nn.Linear(input, hidden, hasBias: false), nn.Linear(hidden, output, hasBias: false))
        : nn.Sequential(nn.Linear(input, hidden), nn.Softplus(), nn.Linear(hidden, hidden), nn.Softplus(), nn.Linear(hidden, output));

    /// <summary>The configuration.</summary>
    public ModelConfig Config { get; }

    /// <summary>The lattice quantizer (null for NTC).</summary>
    public TensorLatticeQuantizer? Quantizer { get; }

    /// <summary>The lattice entropy model (null for NTC and for Block-LTC, which has one per latent dimension).</summary>
    public LatticeEntropyModel? Entropy { get; }

    /// <summary>The trellis of TTC (null for every other kind).</summary>
    public Trellis.TrellisCode? TrellisCode { get; }

    /// <summary>The latent density (null for Block-LTC, which has one per latent dimension).</summary>
    public LatentDensity? Density => _density;

    /// <summary>g_a (or x/s for ECLQ).</summary>
    public Tensor Analyze(Tensor x) => _analysis is not null ? _analysis.call(x) : x * (-_logScale!).exp();

    /// <summary>g_s (or ŷ·s for ECLQ).</summary>
    public Tensor Synthesize(Tensor y) => _synthesis is not null ? _synthesis.call(y) : y * _logScale!.exp();

    /// <summary>
    /// One pass. In training the proxy of the configuration replaces quantization; in evaluation the latent is
    /// quantized (NTC: rounding around the medians; LTC dither: Q(y − u) + u with u shared by both sides).
    /// <paramref name="cellSamples"/> ([N, n]) estimates lattice cell probabilities; <paramref name="dither"/> ([B, n])
    /// is the dither in dithered models.
    /// </summary>
    public ForwardResult Forward(Tensor x, bool train, Tensor? cellSamples, Tensor? dither = null)
    {
        if (_block is not null) return ForwardBlock(x, train, cellSamples);
        var y = Analyze(x);
        Tensor yhat, bits;
        if (TrellisCode is not null)
        {
            // TTC: the Viterbi search forward, identity backward (STE); the rate is the code length of each union
            // index under the density, which is differentiable in the density and, through ŷ, in the transform.
            var q = TrellisQuantize(train ? DensityTrellis() : SearchTrellis(), y);
            yhat = train ? y + (q - y).detach() : q;
            bits = TrellisBits(yhat);
        }
        else if (Config.Model == ModelKind.Ntc)
        {
            var fd = (FactorizedDensity)_density!;
            if (train) yhat = y + (rand_like(y) - 0.5);
            else
            {
                var med = fd.Medians.to(y.device);
                yhat = (y - med).round() + med;
            }
            bits = -fd.IntervalLikelihood(yhat).log2().sum(1);
        }
        else
        {
            if (Config.Proxy == QuantizationProxy.Dither)
            {
                if (dither is null) throw new ArgumentException("a dithered model needs dither samples", nameof(dither));
                yhat = train ? y + dither : Quantizer!.Quantize(y - dither) + dither;
            }
            else
            {
                var q = Quantizer!.Quantize(y);
                yhat = train ? y + (q - y).detach() : q;
            }
            bits = Bits(yhat, cellSamples);
        }
        return new ForwardResult(Synthesize(yhat), bits, y, yhat);
    }

    /// <summary>
    /// −log2 P(ŷ) per row for lattice models, from the quantized latent a <see cref="Forward"/> returned
    /// (<see cref="ForwardResult.QuantizedLatent"/>) and cell samples ([N, n]). Evaluation calls it once per set of
    /// cell samples without repeating the transforms.
    /// </summary>
    public Tensor Bits(Tensor quantizedLatent, Tensor? cellSamples)
    {
        if (Quantizer is null) throw new InvalidOperationException("NTC's rate is exact and comes from Forward");
        if (cellSamples is null) throw new ArgumentException("a lattice model needs cell samples", nameof(cellSamples));
        if (_block is null) return -Entropy!.LogCellProbability(quantizedLatent, cellSamples) / Math.Log(2);
        // Block-LTC: the dy lattice points of a row lie side by side, n coordinates each; the rate is their sum.
        int n = Config.Block;
        var bits = zeros(quantizedLatent.shape[0], device: quantizedLatent.device);
        for (int i = 0; i < Config.LatentDim; i++)
            bits = bits - _block.Entropy[i].LogCellProbability(quantizedLatent.narrow(1, i * n, n), cellSamples) / Math.Log(2);
        return bits;
    }

    /// <summary>
    /// Block-LTC (brief section 4): x is [B, n·d], n source vectors per row. Per vector g_a gives dy latents; a running
    /// mean per (position, latent) is removed; for each latent dimension i the n values across the block go through
    /// their own transform, the n-dimensional lattice quantizer (STE) and their own entropy model; the rate is the sum
    /// over the dy lattice points.
    /// </summary>
    private ForwardResult ForwardBlock(Tensor x, bool train, Tensor? cellSamples)
    {
        var b = _block!;
        int n = Config.Block, dy = Config.LatentDim;
        var v = BlockLatent(x, train);
        var quantized = new List<Tensor>(dy);
        for (int i = 0; i < dy; i++)
        {
            var vi = v.narrow(1, i * n, n);
            var q = Quantizer!.Quantize(vi);
            quantized.Add(train ? vi + (q - vi).detach() : q);
        }
        var yq = cat(quantized, 1);
        return new ForwardResult(BlockSynthesis(yq), Bits(yq, cellSamples), v, yq);
    }

    // Block-LTC's latent [B, dy·n]: the dy lattice inputs of a block side by side, n coordinates each.
    private Tensor BlockLatent(Tensor x, bool train)
    {
        var b = _block!;
        long batch = x.shape[0];
        int n = Config.Block, dy = Config.LatentDim, dv = Config.Dim / n;
        var y = _analysis!.call(x.reshape(batch * n, dv)).reshape(batch, n, dy);
        if (train)
            using (no_grad())
                b.Mean.mul_(0.99).add_(y.detach().mean([0]) * 0.01);
        var centred = (y - b.Mean).transpose(1, 2); // [B, dy, n]
        var latents = new List<Tensor>(dy);
        for (int i = 0; i < dy; i++) latents.Add(b.Analysis[i].call(centred.select(1, i)));
        return cat(latents, 1);
    }

    private Tensor BlockSynthesis(Tensor yq)
    {
        var b = _block!;
        long batch = yq.shape[0];
        int n = Config.Block, dy = Config.LatentDim, dv = Config.Dim / n;
        var outs = new List<Tensor>(dy);
        for (int i = 0; i < dy; i++) outs.Add(b.Synthesis[i].call(yq.narrow(1, i * n, n)));
        var yhat = stack(outs, 1).transpose(1, 2) + b.Mean; // [B, n, dy]
        return _synthesis!.call(yhat.reshape(batch * n, dy)).reshape(batch, n * dv);
    }

    /// <summary>
    /// The model's own quantization of rows x ([B, d]) in evaluation mode, without the rate: ŷ ([B,
    /// <see cref="LatentSize"/>]) and x̂ = g_s(ŷ) ([B, d]). NTC rounds around the medians; lattice models take the
    /// closest lattice point of the latent (a dithered model with zero dither: the cells of Q itself).
    /// </summary>
    public (Tensor QuantizedLatent, Tensor Reconstruction) Quantize(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Latent(x);
        Tensor yhat;
        if (TrellisCode is not null) yhat = TrellisQuantize(SearchTrellis(), y);
        else if (Quantizer is not null) yhat = Quantizer.Quantize(y);
        else
        {
            var med = ((FactorizedDensity)_density!).Medians.to(y.device);
            yhat = (y - med).round() + med;
        }
        return (yhat, FromLatent(yhat));
    }

    /// <summary>Size m of the latent a row is quantized to: dy, or dy·n for Block-LTC.</summary>
    public int LatentSize => Config.LatentSize;

    /// <summary>
    /// The unquantized latent of rows x ([B, d]) as the codec quantizes it, shape [B, <see cref="LatentSize"/>]
    /// (evaluation mode: Block-LTC's running mean is not updated).
    /// </summary>
    public Tensor Latent(Tensor x) => _block is null ? Analyze(x) : BlockLatent(x, train: false);

    /// <summary>Rows x̂ ([B, d]) from quantized latents ([B, <see cref="LatentSize"/>]), the inverse of <see cref="Latent"/>.</summary>
    public Tensor FromLatent(Tensor quantizedLatent) => _block is null ? Synthesize(quantizedLatent) : BlockSynthesis(quantizedLatent);

    /// <summary>
    /// The codec's quantizer of this model's latent: rounding around the medians (NTC), the unit-volume lattice
    /// (LTC, ECLQ), or the direct sum of dy copies of the block lattice (Block-LTC).
    /// </summary>
    public LatentQuantizer CreateLatentQuantizer()
    {
        if (TrellisCode is not null) return LatentQuantizer.ForTrellis(SearchTrellis(), LatentSize, Config.SequenceRows);
        if (Quantizer is null)
        {
            var med = ((FactorizedDensity)_density!).Medians.to(float64).cpu().data<double>().ToArray();
            return LatentQuantizer.Rounding(med);
        }
        return LatentQuantizer.ForLattice(CodecLattice!);
    }

    /// <summary>
    /// TTC's search quantizer: the fitted codec's (whose tables code the file), or before fitting the one of
    /// <see cref="DensityTrellis"/>.
    /// </summary>
    public Trellis.TrellisQuantizer SearchTrellis() => Codec?.Quantizer.Trellis ?? DensityTrellis();

    /// <summary>
    /// TTC's search quantizer from the current density: for union u and index k the table gets the density's mass of
    /// (2k + u − 1, 2k + u + 1], over the indices with mass of at least 10⁻⁷ (the rest to the escape), and the
    /// search weighs their code lengths by <see cref="TrellisLatent.SearchLambda"/>. Rebuilt at every training step.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not a TTC model.</exception>
    public Trellis.TrellisQuantizer DensityTrellis()
    {
        var code = TrellisCode ?? throw new InvalidOperationException("not a trellis model");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // The CDF of z = y/2 on the half-integers j/2, |j| ≤ 2K + 1: union u, index k covers j from 2k + u − 1 to 2k + u + 1.
        const int K = 128;
        var grid = (arange(-2 * K - 1, 2 * K + 2, dtype: float32) / 2).reshape(-1, 1);
        var cdf = ((FactorizedDensity)_density!).Cdf(grid).to(float64).cpu().data<double>().ToArray();
        var tables = new Coding.IntegerTable[2];
        for (int u = 0; u < 2; u++)
        {
            int lo = -K, hi = K - u;
            double Mass(int k) => Math.Max(0, cdf[2 * k + u + 1 + 2 * K + 1] - cdf[2 * k + u - 1 + 2 * K + 1]);
            const double floor = 1e-7;
            while (lo < hi && Mass(lo) < floor) lo++;
            while (hi > lo && Mass(hi) < floor) hi--;
            var pmf = new double[hi - lo + 1];
            double sum = 0;
            for (int k = lo; k <= hi; k++) sum += pmf[k - lo] = Mass(k);
            tables[u] = Coding.IntegerTable.FromProbabilities(lo, pmf, Math.Max(0, 1 - sum));
        }
        return TrellisLatent.Quantizer(code, tables);
    }

    // ŷ of latents y ([B, m], rows in order): one trellis sequence per SequenceRows rows, each from state 0.
    private Tensor TrellisQuantize(Trellis.TrellisQuantizer search, Tensor y)
    {
        var flat = y.detach().to(float64).cpu().contiguous().data<double>().ToArray();
        var idx = new long[flat.Length];
        int length = Config.SequenceRows * LatentSize;
        search.QuantizeSequences(flat, idx, length, threads: 1);
        search.Reconstruct(idx, flat, length);
        return tensor(flat, y.shape[0], y.shape[1]).to(y.dtype).to(y.device);
    }

    // −log2 P(k | u) per row: the density's mass of (ŷ − 1, ŷ + 1] = the unit interval of z = y/2 around ŷ/2.
    private Tensor TrellisBits(Tensor yhat)
    {
        var fd = (FactorizedDensity)_density!;
        return -fd.IntervalLikelihood((yhat / 2).reshape(-1, 1)).log2().reshape(yhat.shape[0], yhat.shape[1]).sum(1);
    }

    /// <summary>The lattice the codec quantizes a whole latent with (null for NTC).</summary>
    public Lattice? CodecLattice => Quantizer is null ? null
        : _block is null ? Quantizer.Lattice : new ProductLattice(Quantizer.Lattice, Config.LatentDim);

    /// <summary>The frozen latent codec (coding tables) of this model, or null before one is fitted.</summary>
    public LatentCodec? Codec { get; set; }

    /// <summary>Per-vector distortion: mean over coordinates of the squared (or absolute) error.</summary>
    public Tensor Distortion(Tensor x, Tensor xhat) => Config.Distortion == DistortionMeasure.L1 ? (x - xhat).abs().mean([1]) : (x - xhat).square().mean([1]);

    /// <summary>The auxiliary loss of the entropy model (quantiles of the factorized prior).</summary>
    public Tensor AuxLoss() => _density?.AuxLoss() ?? zeros(1);
}

/// <summary>The per-latent-dimension parts of Block-LTC: transforms across the block, densities, the running mean.</summary>
internal sealed class BlockTransforms : nn.Module
{
    // Field names become state-dict keys.
    private readonly ModuleList<nn.Module<Tensor, Tensor>> analysis = new();
    private readonly ModuleList<nn.Module<Tensor, Tensor>> synthesis = new();
    private readonly ModuleList<LatentDensity> densities = new();
    private readonly Tensor mean;

    public BlockTransforms(int n, int dy, int width, EntropyModelKind entropy) : base(nameof(BlockTransforms))
    {
        for (int i = 0; i < dy; i++)
        {
            analysis.Add(nn.Sequential(nn.Linear(n, width, hasBias: false), nn.Linear(width, n, hasBias: false)));
            synthesis.Add(nn.Sequential(nn.Linear(n, width, hasBias: false), nn.Linear(width, n, hasBias: false)));
            densities.Add(entropy == EntropyModelKind.Flow ? new FlowDensity(n) : new FactorizedDensity(n));
        }
        mean = zeros(n, dy);
        RegisterComponents();
    }

    public ModuleList<nn.Module<Tensor, Tensor>> Analysis => analysis;

    public ModuleList<nn.Module<Tensor, Tensor>> Synthesis => synthesis;

    public ModuleList<LatentDensity> Densities => densities;

    /// <summary>The cell-probability model of each latent dimension (set once the lattice is known).</summary>
    public LatticeEntropyModel[] Entropy { get; private set; } = [];

    public void UseLattice(Lattice lattice) => Entropy = densities.Select(d => new LatticeEntropyModel(d, lattice)).ToArray();

    /// <summary>Running mean of the latents per (block position, latent dimension), shape [n, dy].</summary>
    public Tensor Mean => mean;
}
