using TorchSharp;
using static TorchSharp.torch;

namespace Ltc.Torch.Tests;

public class DensityTests
{
    private static double GridMass(LatentDensity density, double half, double step)
    {
        using var _ = no_grad();
        int m = (int)Math.Round(2 * half / step);
        var axis = arange(m, dtype: float32) * step + (float)(-half + step / 2);
        double total = 0;
        for (int i = 0; i < m; i++)
        {
            using var scope = NewDisposeScope();
            var pts = stack([full(m, axis[i].item<float>()), axis], 1);
            total += density.LogDensity(pts).exp().to(float64).sum().item<double>() * step * step;
        }
        return total;
    }

    [Fact]
    public void FlowDensityIntegratesToOneOnA2dGrid()
    {
        torch.manual_seed(3);
        var flow = new FlowDensity(2);
        // Perturb the fresh initialization so the flow is far from the base Gaussian.
        using (no_grad())
            foreach (var p in flow.parameters()) p.add_(randn_like(p) * 0.5);
        double mass = GridMass(flow, 12, 0.02);
        Assert.InRange(mass, 0.995, 1.005);
    }

    [Fact]
    public void FactorizedDensityIsTheDerivativeOfItsCdfAndItsIntegerPmfSumsToOne()
    {
        torch.manual_seed(4);
        var f = new FactorizedDensity(2);
        using (no_grad())
            foreach (var p in f.parameters()) p.add_(randn_like(p) * 0.1);
        using var _ = no_grad();
        // ∫_a^b p = CDF(b) − CDF(a) per coordinate (midpoint rule, step 0.01): checks the forward-mode derivative.
        const double a = -30, b = 30, h = 0.01;
        int m = (int)Math.Round((b - a) / h);
        var t = (arange(m, dtype: float64) * h + (a + h / 2)).to(float32);
        var logp = f.LogDensityPerCoordinate(stack([t, t], 1)).to(float64);
        var integral = logp.exp().sum(dim: 0).mul(h); // named: a literal 0 would bind to the dtype overload
        var cdf = f.Cdf(tensor(new float[] { (float)a, (float)a, (float)b, (float)b }, 2, 2)).to(float64);
        for (int c = 0; c < 2; c++)
        {
            double expected = cdf[1, c].item<double>() - cdf[0, c].item<double>();
            Assert.True(expected > 0.5, $"coordinate {c}: too little mass in [{a}, {b}] for a meaningful check ({expected})");
            Assert.Equal(expected, integral[c].item<double>(), 3);
            var pmf = f.IntegerPmf(c, -200, 200);
            Assert.All(pmf, v => Assert.True(v >= 0));
            Assert.InRange(pmf.Sum(), 0.999, 1.000001);
        }
    }
}
