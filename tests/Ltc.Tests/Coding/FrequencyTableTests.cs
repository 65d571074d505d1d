using Ltc.Coding;

namespace Ltc.Tests.Coding;

public class FrequencyTableTests
{
    private static double Kl(ReadOnlySpan<double> pmf, FrequencyTable t) => t.CrossEntropy(pmf) - FrequencyTable.Entropy(pmf);

    [Fact]
    public void QuantizedTablesSumExactlyAndKeepEverySymbol()
    {
        var rng = new Random(1);
        for (int trial = 0; trial < 200; trial++)
        {
            int precision = rng.Next(1, 17);
            int n = rng.Next(1, Math.Min(1 << precision, 2000) + 1);
            var p = new double[n];
            for (int i = 0; i < n; i++) p[i] = rng.Next(3) == 0 ? 0 : Math.Pow(rng.NextDouble(), 6);
            p[rng.Next(n)] += 1e-3;
            var t = FrequencyTable.FromProbabilities(p, precision);
            long sum = 0;
            for (int i = 0; i < n; i++)
            {
                Assert.True(t.Frequency(i) >= 1);
                sum += t.Frequency(i);
            }
            Assert.Equal(1L << precision, sum);
        }
    }

    [Fact]
    public void QuantizationIsLocallyOptimalNoUnitMoveLowersTheCodeLength()
    {
        var rng = new Random(2);
        for (int trial = 0; trial < 60; trial++)
        {
            int precision = rng.Next(4, 17);
            int n = rng.Next(2, Math.Min(1 << precision, 300) + 1);
            var p = new double[n];
            for (int i = 0; i < n; i++) p[i] = Math.Exp(-rng.NextDouble() * 12);
            double sum = p.Sum();
            for (int i = 0; i < n; i++) p[i] /= sum;
            var t = FrequencyTable.FromProbabilities(p, precision);
            // The objective is separable and convex, so optimal ⇔ no unit move between two symbols helps.
            double bestGain = 0, leastCost = double.PositiveInfinity;
            for (int i = 0; i < n; i++)
            {
                uint f = t.Frequency(i);
                bestGain = Math.Max(bestGain, p[i] * Math.Log2((f + 1.0) / f));
                if (f > 1) leastCost = Math.Min(leastCost, p[i] * Math.Log2(f / (f - 1.0)));
            }
            Assert.True(bestGain <= leastCost * (1 + 1e-9) + 1e-12, $"trial {trial}: a move gains {bestGain} but costs {leastCost}");
        }
    }

    [Fact]
    public void QuantizationLossIsSmallAtSixteenBitsAndShrinksWithPrecision()
    {
        // Discretized Laplace over 64 symbols, as a factorized prior would give.
        var p = Enumerable.Range(-32, 64).Select(k => Math.Exp(-Math.Abs(k) / 2.0)).ToArray();
        double h = FrequencyTable.Entropy(p);
        double kl16 = Kl(p, FrequencyTable.FromProbabilities(p, 16));
        double kl10 = Kl(p, FrequencyTable.FromProbabilities(p, 10));
        Assert.InRange(kl16, 0, 1e-3 * h);
        Assert.True(kl16 < kl10);
        // And no worse than naive rounding with a floor of 1 and the remainder dumped on the largest symbol.
        var naive = p.Select(v => Math.Max(1u, (uint)(v / p.Sum() * 1024))).ToArray();
        naive[32] += (uint)(1024 - naive.Sum(v => v));
        Assert.True(kl10 <= Kl(p, FrequencyTable.FromFrequencies(naive, 10)) + 1e-12);
    }

    [Fact]
    public void FromCdfMatchesFromProbabilitiesAndRejectsBadInput()
    {
        double[] cdf = [0, 0.1, 0.4, 0.4, 1.0];
        var a = FrequencyTable.FromCdf(cdf, 12);
        var b = FrequencyTable.FromProbabilities([0.1, 0.3, 0, 0.6], 12);
        for (int i = 0; i < 4; i++) Assert.Equal(b.Frequency(i), a.Frequency(i));
        Assert.Throws<ArgumentException>(() => FrequencyTable.FromCdf([0, 0.5, 0.2], 12));
        Assert.Throws<ArgumentException>(() => FrequencyTable.FromProbabilities([0.5, double.NaN]));
        Assert.Throws<ArgumentException>(() => FrequencyTable.FromProbabilities([0, 0]));
        Assert.Throws<ArgumentException>(() => FrequencyTable.FromProbabilities(new double[5], 2));
        Assert.Throws<ArgumentException>(() => FrequencyTable.FromFrequencies([1, 0, 3], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => FrequencyTable.Uniform(4, 17));
    }
}
