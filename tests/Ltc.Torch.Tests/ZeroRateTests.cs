using Ltc.Lattices;
using Ltc.Sources;
using static TorchSharp.torch;

namespace Ltc.Torch.Tests;

/// <summary>N(c, σ²I) on Rⁿ with a known log density and exact samples (c + σ·Φ⁻¹(u)).</summary>
internal sealed class SampledNormalDensity(double[] center, double sigma) : LatentDensity("SampledNormal")
{
    public override int Dimension => center.Length;

    private Tensor Center => tensor(center.Select(v => (float)v).ToArray(), 1, center.Length);

    public override Tensor LogDensity(Tensor t) =>
        -0.5 * (t - Center).square().sum(1) / (sigma * sigma) - Dimension * Math.Log(sigma * Math.Sqrt(2 * Math.PI));

    public override Tensor? Sample(Tensor uniforms) => Center + sigma * special.ndtri(uniforms);
}

/// <summary>
/// At λ → 0 the best code sends nothing: the latent collapses and the density concentrates inside one cell. With N
/// cell samples alone, −log2 of the estimated cell probability cannot follow a density narrower than a cell (its
/// variance explodes), which left dithered LTC at 0.1–0.8 bit/vector for an SNR of 0 dB
/// (docs/results/vector-sources.md, "Zero rate at small λ"). Samples of the density join the cell samples
/// (<see cref="LatticeEntropyModel.LogCellProbability"/>); these tests pin that estimate and the samplers it needs.
/// </summary>
public class ZeroRateTests
{
    private static readonly Lattice A2 = LatticeCatalog.Parse("A2").WithUnitVolume();

    private static Tensor CellSamples(int n, int seed) => ModelRandomness.CellSamples(A2, n, CellSampling.ScrambledSobol, seed);

    private static Tensor Noise(int m, int n, int seed) => ModelRandomness.DensityNoise(RandomStream.EvaluationDensity, m, n, seed, 0);

    private static (double Mean, double StandardError) Stats(IReadOnlyList<double> e)
    {
        double mean = e.Average();
        return (mean, Math.Sqrt(e.Sum(v => (v - mean) * (v - mean)) / (e.Count - 1) / e.Count));
    }

    // The three dithered cells ŷ + V of the test: the density's centre 0 deep inside (P = 1), on the midpoint of an
    // edge (P = ½: the edge is a straight line through 0 and the nearest vertex is 15σ away), and one cell further (P = 0).
    private static Tensor Cells()
    {
        var g = A2.Generator; // rows are basis vectors; the first is a shortest vector v
        float vx = (float)g[0], vy = (float)g[1];
        return tensor(new[] { 0f, 0f, vx / 2, vy / 2, vx, vy }, 3, 2);
    }

    [Fact]
    public void MixedEstimateOfANarrowDensityIsUnbiasedAndNearlyExact()
    {
        const double sigma = 0.02;
        var model = new LatticeEntropyModel(new SampledNormalDensity([0, 0], sigma), A2);
        var yhat = Cells();
        double[] exact = [1, 0.5, 0];
        const int reps = 32, n = 64;
        var mixed = new double[reps][];
        double plainBits = 0, mixedBits = 0;
        for (int r = 0; r < reps; r++)
        {
            var u = CellSamples(n, 300 + r);
            mixed[r] = model.LogCellProbability(yhat, u, Noise(LatticeEntropyModel.DensitySampleCount(n), 2, 700 + r)).exp().to(float64).data<double>().ToArray();
            mixedBits += -Math.Log2(mixed[r][0]) / reps;
            plainBits += -model.LogCellProbability(yhat.narrow(0, 0, 1), u).item<float>() / Math.Log(2) / reps;
        }
        for (int i = 0; i < 3; i++)
        {
            var (mean, se) = Stats([.. mixed.Select(p => p[i])]);
            Assert.True(Math.Abs(mean - exact[i]) <= 4 * se + 1e-6, $"cell {i}: mixed estimate {mean:F5} ± {se:F5}, exact {exact[i]}");
        }
        // The cell holding all the mass: the mixed estimate is within 0.01 bit of 0; cell samples alone (same N) mostly
        // miss a density this narrow and charge bits for a certain event.
        Assert.True(mixedBits < 0.01, $"mixed estimate spends {mixedBits:F4} bit on a cell of probability 1");
        Assert.True(plainBits > 0.5, $"cell samples alone spend {plainBits:F4} bit (expected the floor this test is about)");
    }

    [Theory]
    [InlineData(0.8)]
    [InlineData(0.15)]
    public void MixedEstimateAgreesWithManyCellSamplesForWideDensities(double sigma)
    {
        // Densities as wide as a cell or wider, at a lattice point and a dithered point: the mixed estimate with N = 64
        // matches cell samples alone with N = 2^16 (standard error under 1e-3 here).
        var model = new LatticeEntropyModel(new SampledNormalDensity([0.1, -0.2], sigma), A2);
        var yhat = tensor(new[] { 0f, 0f, 0.4f, 0.3f }, 2, 2);
        var reference = model.LogCellProbability(yhat, CellSamples(1 << 16, 5)).exp().to(float64).data<double>().ToArray();
        const int reps = 32;
        var est = new double[reps][];
        for (int r = 0; r < reps; r++)
            est[r] = model.LogCellProbability(yhat, CellSamples(64, 40 + r), Noise(8, 2, 90 + r)).exp().to(float64).data<double>().ToArray();
        for (int i = 0; i < 2; i++)
        {
            var (mean, se) = Stats([.. est.Select(p => p[i])]);
            Assert.True(Math.Abs(mean - reference[i]) <= 4 * se + 2e-3, $"σ = {sigma}, point {i}: {mean:F5} ± {se:F5}, reference {reference[i]:F5}");
        }
    }

    [Theory]
    [InlineData(0.02)]
    [InlineData(0.3)]
    public void MixedEstimatesGradientInTheLatentIsUnbiasedAndLowVariance(double sigma)
    {
        // P̂·∂ log P̂/∂ŷ estimates ∇P = ∫ over ŷ + V of ∇p: the rate's pull on the transforms. ŷ = c·e with e the unit
        // shortest vector puts the cell's edge towards the density's centre 0 at δ·e, δ = c − |v|/2: for δ = ±σ/2 the
        // centre lies just outside or just inside, and P = Φ(−δ/σ), ∇P = −φ(δ/σ)/σ·e while the other edges are more
        // than 10σ away (σ = 0.02; for σ = 0.3 the reference is 2^16 cell samples). The third point, ŷ = 0, holds the
        // whole density: flux 0. The damped gradient of the first version of the fix got a fifth of the flux at σ = 0.05.
        var model = new LatticeEntropyModel(new SampledNormalDensity([0, 0], sigma), A2);
        double vx = A2.Generator[0], vy = A2.Generator[1], len = Math.Sqrt(vx * vx + vy * vy), ex = vx / len, ey = vy / len;
        double[] deltas = [0.5 * sigma, -0.5 * sigma];
        double[] offsets = [len / 2 + deltas[0], len / 2 + deltas[1], 0];
        var pts = offsets.SelectMany(c => new[] { (float)(c * ex), (float)(c * ey) }).ToArray();
        double[] Flux(Tensor? noise, Tensor u)
        {
            var yhat = tensor(pts, 3, 2).requires_grad_();
            var logp = model.LogCellProbability(yhat, u, noise);
            logp.sum().backward();
            var grad = yhat.grad!.to(float64).data<double>().ToArray();
            var p = logp.detach().exp().to(float64).data<double>().ToArray();
            return [.. Enumerable.Range(0, 6).Select(k => grad[k] * p[k / 2])];
        }
        double[] reference;
        if (sigma < 0.1)
        {
            double Pull(double delta) => -Math.Exp(-0.5 * delta * delta / (sigma * sigma)) / Math.Sqrt(2 * Math.PI) / sigma;
            reference = [Pull(deltas[0]) * ex, Pull(deltas[0]) * ey, Pull(deltas[1]) * ex, Pull(deltas[1]) * ey, 0, 0];
        }
        else reference = Flux(null, CellSamples(1 << 16, 7));
        const int reps = 32;
        var mixed = new double[reps][];
        var plain = new double[reps][];
        for (int r = 0; r < reps; r++)
        {
            var u = CellSamples(64, 500 + r);
            mixed[r] = Flux(Noise(8, 2, 900 + r), u);
            plain[r] = Flux(null, u);
        }
        double mixedSpread = 0, plainSpread = 0;
        for (int k = 0; k < 6; k++)
        {
            var (mean, se) = Stats([.. mixed.Select(f => f[k])]);
            Assert.True(Math.Abs(mean - reference[k]) <= 4 * se + 0.01 * Math.Abs(reference[k]) + 1e-3,
                $"σ = {sigma}, component {k}: mixed flux {mean:G5} ± {se:G3}, reference {reference[k]:G5}");
            mixedSpread += se;
            plainSpread += Stats([.. plain.Select(f => f[k])]).StandardError;
        }
        Assert.True(Math.Abs(reference[0]) > 0.1 / sigma, $"reference flux {reference[0]:G4}: the test is not about zeros");
        if (sigma < 0.1) // narrower than a cell: the density samples carry the estimate, cell samples mostly miss
            Assert.True(mixedSpread < 0.5 * plainSpread, $"σ = {sigma}: spread of the flux {mixedSpread:G3} with density samples, {plainSpread:G3} without");
    }

    [Fact]
    public void FactorizedDensitySamplesInvertItsCdf()
    {
        // A perturbed density (softplus and tanh far from their initial values), uniforms from the far tails to the
        // middle: the CDF of each sample gives back its uniform to float32 accuracy.
        var density = FactorizedKernelTests.NewDensity(3, seed: 3);
        var u = cat([Noise(61, 3, 11), tensor(new[] { 1e-6f, 0.5f, 1 - 1e-6f, 0.001f, 0.999f, 0.25f }, 2, 3)]);
        var s = density.Sample(u)!;
        Assert.Equal(u.shape, s.shape);
        var back = density.Cdf(s).to(float64).data<double>().ToArray();
        var want = u.to(float64).data<double>().ToArray();
        for (int i = 0; i < want.Length; i++)
        {
            // Float32 samples and a float32 CDF: the CDF moves by p·ulp(x) between neighbouring floats and its logit is
            // computed to a few ulp, so 1e-6 absolute plus 1e-5 relative to the nearer tail holds with room.
            Assert.True(Math.Abs(back[i] - want[i]) <= 1e-6 + 1e-5 * Math.Min(want[i], 1 - want[i]), $"u = {want[i]}: CDF(sample) = {back[i]}");
        }
    }

    [Fact]
    public void FlowDensitySamplesFollowItsDensity()
    {
        // A perturbed 2-d RealNVP: the fraction of 4,096 samples in each of four boxes matches the box's probability
        // from a fine midpoint quadrature of exp(log p).
        manual_seed(5);
        var flow = new FlowDensity(2);
        using (no_grad())
            foreach (var p in flow.parameters()) p.add_(randn_like(p) * 0.5);
        const int m = 4096;
        var s = flow.Sample(Noise(m, 2, 17))!.to(float64).data<double>().ToArray();
        const double lo = -8, hi = 8;
        const int grid = 800;
        double h = (hi - lo) / grid;
        var pts = new float[grid * grid * 2];
        for (int i = 0; i < grid; i++)
            for (int j = 0; j < grid; j++)
            {
                pts[(i * grid + j) * 2] = (float)(lo + (i + 0.5) * h);
                pts[(i * grid + j) * 2 + 1] = (float)(lo + (j + 0.5) * h);
            }
        using var _ = no_grad();
        var dens = flow.LogDensity(tensor(pts, grid * grid, 2)).exp().to(float64).data<double>().ToArray();
        double total = dens.Sum() * h * h;
        Assert.InRange(total, 0.99, 1.001); // the quadrature window holds the density
        foreach (var (x0, y0) in new[] { (0.0, 0.0), (-1.0, 0.0), (0.0, -1.0), (-1.0, -1.0) })
        {
            double p = 0;
            for (int i = 0; i < grid; i++)
                for (int j = 0; j < grid; j++)
                {
                    double x = lo + (i + 0.5) * h, y = lo + (j + 0.5) * h;
                    if (x >= x0 && x < x0 + 1 && y >= y0 && y < y0 + 1) p += dens[i * grid + j] * h * h;
                }
            int hits = 0;
            for (int k = 0; k < m; k++)
                if (s[2 * k] >= x0 && s[2 * k] < x0 + 1 && s[2 * k + 1] >= y0 && s[2 * k + 1] < y0 + 1) hits++;
            double se = Math.Sqrt(p * (1 - p) / m);
            Assert.True(Math.Abs(hits / (double)m - p) <= 4 * se + 0.005, $"box at ({x0}, {y0}): {hits / (double)m:F4} of the samples, probability {p:F4}");
        }
    }

    [Fact]
    public void ADitheredModelTrainedAtTinyLambdaGetsUnderTheFloorOfCellSamplesAlone()
    {
        // λ = 0.001: the best code sends nothing. A dithered LTC A2 trained 600 steps (N = 64) with density samples
        // (the default M = N/8) ends near 0.068 bit/sample by the unbiased evaluation; trained on cell samples alone
        // (M = 0, the behaviour before the fix) it ends near 0.104, held up by the floor of that estimator. The bound
        // sits between them with about 20 % of room on either side.
        var source = SourceCatalog.Parse("gaussian", 2);
        double Rate(int densitySamples)
        {
            var cfg = TorchTestSupport.Tiny("ltc", "A2", "factorized", "dither", steps: 600) with
            {
                Hidden = 100, Lambda = 0.001, McSamples = 64, DensitySamples = densitySamples, Batch = 32, Lr = 1e-2,
            };
            var model = TorchTestSupport.NewModel(cfg);
            new Trainer(model, source).Run(TrainingState.Start);
            return Evaluator.Evaluate(model, source, new EvalOptions(4096, 256, 1, CellSampling.ScrambledSobol, 99)).Rate;
        }
        const double bound = 0.085;
        double mixed = Rate(LatticeEntropyModel.DensitySampleCount(64)), plain = Rate(0);
        Assert.True(mixed < bound, $"with density samples the rate stays at {mixed:F4} bit/sample");
        Assert.True(plain > bound, $"cell samples alone reached {plain:F4} bit/sample: this test no longer separates the two");
    }
}
