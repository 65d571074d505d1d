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
/// cell integral; log P is computed with logsumexp. Given density noise, the N cell samples are joined by M samples
/// sₖ drawn from p itself (multiple importance sampling, see <see cref="LogCellProbability"/>), which keeps the
/// estimate accurate when p is narrower than a cell, as it must be at zero rate.
/// </summary>
public sealed class LatticeEntropyModel
{
    /// <summary>Creates the entropy model for density <paramref name="density"/> over cells of <paramref name="lattice"/>.</summary>
    public LatticeEntropyModel(LatentDensity density, Lattice lattice)
    {
        Density = density;
        Lattice = lattice;
        _quantizer = new TensorLatticeQuantizer(lattice);
    }

    private readonly TensorLatticeQuantizer _quantizer;

    /// <summary>The density p.</summary>
    public LatentDensity Density { get; }

    /// <summary>The lattice whose cells are integrated over.</summary>
    public Lattice Lattice { get; }

    /// <summary>The density samples M that go with N cell samples by default: N/8, at least 1 (a balance between the
    /// zero-rate accuracy they buy and the M extra density evaluations and B·M lattice decodes they cost).</summary>
    public static int DensitySampleCount(int cellSamples) => Math.Max(1, cellSamples / 8);

    /// <summary>Draws N cell samples as a tensor [N, n].</summary>
    public Tensor CellSamples(int count, CellSampling sampling, int seed) => ModelRandomness.CellSamples(Lattice, count, sampling, seed);

    /// <summary>
    /// log P(ŷ) in nats for each row of <paramref name="yhat"/> ([B, n]) given cell samples u ([N, n]) and optionally
    /// density noise ([M, n], uniform on (0, 1)ⁿ, mapped to samples of p by <see cref="LatentDensity.Sample"/>).
    /// </summary>
    /// <remarks>
    /// Without density noise (or for a density that cannot sample) this is the plain Monte Carlo estimate
    /// V·(1/N)·Σⱼ p(ŷ + uⱼ). Its log is biased upward by about Var/(2P²), and the variance grows without bound as p
    /// narrows below the cell size: with N = 64 on A2 no density concentrated around a dithered latent gets under about
    /// 0.3 bit, so training stalls there instead of reaching zero rate (docs/results/vector-sources.md, "Zero rate at
    /// small λ"). With density noise the M samples sₖ of p join the cell samples in a balance-heuristic multiple
    /// importance sampling estimate (Veach and Guibas 1995) with the proposal N·U(ŷ + V) + M·p̄:
    /// P̂ = Σ over all N + M samples x inside ŷ + V of p(x) / (N/V + M·p̄(x)), p̄ = p without gradient. P̂ is unbiased for
    /// every density, each term is at most 1/M, and its gradient in the density's parameters is unbiased. Where
    /// p·V ≪ N/M (every cell at normal rates) the terms are the plain estimate's.
    /// The gradient in ŷ (the path of the rate to the transforms) is the same MIS estimate applied to ∇P = ∫ over ŷ + V
    /// of ∇p: Σ over all samples x inside ŷ + V of ∇p(x) / (N/V + M·p̄(x)), divided by P̂. The cell samples' part flows
    /// through autograd; the density samples' part, whose dependence on ŷ is only the indicator of the cell, is added
    /// from the score ∇ log p(sₖ) (one extra backward pass through M points). Without it the gradient is damped by
    /// 1/(1 + M·p̄·V/N) near zero rate, where p̄·V ≫ N/M, and the transforms hardly feel the rate: on Speech (D4*,
    /// λ = 1) training then drifted away from zero rate. With cell samples alone (the plain estimate) the gradient is
    /// unbiased but, like the value, its variance explodes once p is narrower than a cell.
    /// </remarks>
    public Tensor LogCellProbability(Tensor yhat, Tensor u, Tensor? densityNoise = null)
    {
        long b = yhat.shape[0], n = yhat.shape[1], count = u.shape[0];
        var t = (yhat.unsqueeze(1) + u.unsqueeze(0)).reshape(b * count, n);
        var logp = Density.LogDensity(t).reshape(b, count);
        var s = densityNoise is null || densityNoise.shape[0] == 0 ? null : Density.Sample(densityNoise);
        if (s is null) return logsumexp(logp, 1) - Math.Log(count) + Math.Log(Lattice.Volume);
        long m = s.shape[0];
        double logCell = Math.Log(count) - Math.Log(Lattice.Volume), logM = Math.Log(m);
        bool latentGradient = yhat.requires_grad && is_grad_enabled();
        if (latentGradient) s.requires_grad_();
        var cellTerms = logp - LogAddExp(logCell, logp.detach() + logM);
        var logps = Density.LogDensity(s);
        var sampleTerms = (logps - LogAddExp(logCell, logps.detach() + logM)).unsqueeze(0).expand(b, m);
        sampleTerms = sampleTerms.masked_fill(InCell(s, yhat).logical_not(), double.NegativeInfinity);
        var logP = logsumexp(cat([cellTerms, sampleTerms], 1), 1);
        if (!latentGradient) return logP;
        // Σₖ (term_bk / P̂_b)·∇ log p(sₖ), added as a term of value 0 whose gradient in ŷ_b is that sum.
        var score = autograd.grad([logps.sum()], [s], retain_graph: true)[0].detach();
        var weights = (sampleTerms.detach() - logP.detach().unsqueeze(1)).exp();
        var flux = weights.matmul(score.to(weights.dtype));
        return logP + ((yhat - yhat.detach()) * flux.to(yhat.dtype)).sum(1);
    }

    // log(eᶜ + eˣ), stable for large |x − c|.
    private static Tensor LogAddExp(double c, Tensor x) => x.clamp_min(c) + (-(x - c).abs()).exp().log1p();

    // [B, M]: whether sₖ lies in the cell ŷ_b + V, i.e. Q(sₖ − ŷ_b) = 0. For lattice points ŷ (STE, and evaluation of
    // undithered models) that is Q(sₖ) = ŷ_b: M decodes instead of B·M.
    private Tensor InCell(Tensor s, Tensor yhat)
    {
        using var _ = no_grad();
        long b = yhat.shape[0], m = s.shape[0], n = yhat.shape[1];
        var y = yhat.detach().to(float32);
        // Lattice points are at distance ≥ 0.3 from each other at unit volume in every lattice used here.
        const double tolerance = 1e-3;
        if ((_quantizer.Quantize(y) - y).abs().max().item<float>() < tolerance)
            return (_quantizer.Quantize(s).unsqueeze(0) - y.unsqueeze(1)).abs().amax(2) < tolerance;
        var d = (s.to(float32).unsqueeze(0) - y.unsqueeze(1)).reshape(b * m, n);
        return (_quantizer.Quantize(d).abs().amax(1) < tolerance).reshape(b, m);
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
        : nn.Sequential(nn.Linear(input, hidden), SafeSoftplus.Module(), nn.Linear(hidden, hidden), SafeSoftplus.Module(), nn.Linear(hidden, output));

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
    /// is the dither in dithered models; <paramref name="densityNoise"/> ([M, n], uniform on (0, 1)) adds M samples of
    /// the density to the cell-probability estimate (see <see cref="LatticeEntropyModel.LogCellProbability"/>).
    /// </summary>
    public ForwardResult Forward(Tensor x, bool train, Tensor? cellSamples, Tensor? dither = null, Tensor? densityNoise = null)
    {
        if (_block is not null) return ForwardBlock(x, train, cellSamples, densityNoise);
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
            bits = Bits(yhat, cellSamples, densityNoise);
        }
        return new ForwardResult(Synthesize(yhat), bits, y, yhat);
    }

    /// <summary>
    /// −log2 P(ŷ) per row for lattice models, from the quantized latent a <see cref="Forward"/> returned
    /// (<see cref="ForwardResult.QuantizedLatent"/>), cell samples ([N, n]) and optional density noise ([M, n]).
    /// Evaluation calls it once per set of cell samples without repeating the transforms.
    /// </summary>
    public Tensor Bits(Tensor quantizedLatent, Tensor? cellSamples, Tensor? densityNoise = null)
    {
        if (Quantizer is null) throw new InvalidOperationException("NTC's rate is exact and comes from Forward");
        if (cellSamples is null) throw new ArgumentException("a lattice model needs cell samples", nameof(cellSamples));
        if (_block is null) return -Entropy!.LogCellProbability(quantizedLatent, cellSamples, densityNoise) / Math.Log(2);
        // Block-LTC: the dy lattice points of a row lie side by side, n coordinates each; the rate is their sum.
        int n = Config.Block;
        var bits = zeros(quantizedLatent.shape[0], device: quantizedLatent.device);
        for (int i = 0; i < Config.LatentDim; i++)
            bits = bits - _block.Entropy[i].LogCellProbability(quantizedLatent.narrow(1, i * n, n), cellSamples, densityNoise) / Math.Log(2);
        return bits;
    }

    /// <summary>
    /// Block-LTC (brief section 4): x is [B, n·d], n source vectors per row. Per vector g_a gives dy latents; a running
    /// mean per (position, latent) is removed; for each latent dimension i the n values across the block go through
    /// their own transform, the n-dimensional lattice quantizer (STE) and their own entropy model; the rate is the sum
    /// over the dy lattice points.
    /// </summary>
    private ForwardResult ForwardBlock(Tensor x, bool train, Tensor? cellSamples, Tensor? densityNoise)
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
        return new ForwardResult(BlockSynthesis(yq), Bits(yq, cellSamples, densityNoise), v, yq);
    }

    // Block-LTC's latent [B, dy·n]: the dy lattice inputs of a block side by side, n coordinates each.
    private Tensor BlockLatent(Tensor x, bool train)
    {
        var b = _block!;
        long batch = x.shape[0];
        int n = Config.Block, dy = Config.LatentDim, dv = Config.Dim / n;
        var y = _analysis!.call(x.reshape(batch * n, dv)).reshape(batch, n, dy);
        if (train && !Config.NoBlockMean)
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

    /// <summary>
    /// The auxiliary loss of the entropy model (quantiles of the factorized prior; Block-LTC: summed over its per-latent
    /// densities). A tensor that needs no gradient when no density has quantiles.
    /// </summary>
    public Tensor AuxLoss() => _block is null ? _density?.AuxLoss() ?? zeros(1)
        : _block.Densities.Select(d => d.AuxLoss()).Aggregate((a, c) => a + c);
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
