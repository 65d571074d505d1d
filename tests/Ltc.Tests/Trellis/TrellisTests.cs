using Ltc.Coding;
using Ltc.RateDistortion;
using Ltc.Simd;
using Ltc.Trellis;

namespace Ltc.Tests.Trellis;

public class TrellisCodeTests
{
    public static TheoryData<int> AllStates() => [.. TrellisCode.SupportedStates];

    [Theory]
    [MemberData(nameof(AllStates))]
    public void EveryStateHasTwoBranchesOutAndInWithOneUnionEach(int states)
    {
        var code = TrellisCode.Create(states);
        Assert.Equal(states, code.States);
        var incoming = new List<(int From, int Subset)>[states];
        for (int s = 0; s < states; s++) incoming[s] = [];
        for (int s = 0; s < states; s++)
        {
            int u = code.Union(s);
            int n0 = code.Next(s, 0), n1 = code.Next(s, 1);
            Assert.NotEqual(n0, n1);
            // Both branches leaving a state use its union: D_u and D_{2+u}.
            Assert.Equal(u, code.Subset(s, 0));
            Assert.Equal(2 + u, code.Subset(s, 1));
            incoming[n0].Add((s, code.Subset(s, 0)));
            incoming[n1].Add((s, code.Subset(s, 1)));
        }
        foreach (var inc in incoming)
        {
            Assert.Equal(2, inc.Count);
            // Ungerboeck's rule: the two branches merging into a state carry subsets of the same union, and differ.
            Assert.Equal(inc[0].Subset & 1, inc[1].Subset & 1);
            Assert.NotEqual(inc[0].Subset, inc[1].Subset);
        }
        // Both unions are used by half the states.
        Assert.Equal(states / 2, Enumerable.Range(0, states).Count(s => code.Union(s) == 1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(512)]
    [InlineData(-8)]
    public void UnsupportedStateCountsAreRejected(int states) =>
        Assert.Throws<LtcException>(() => TrellisCode.Create(states));

    [Theory]
    [InlineData(4, 0.90, 1.10)]
    [InlineData(8, 1.00, 1.18)]
    [InlineData(256, 1.25, 1.42)]
    public void PlainTcqHasTheGranularGainOfItsTrellis(int states, double lo, double hi)
    {
        // Uniform source over many cells: MSE against (2Δ)²/12 of the union codebooks' spacing (Marcellin and Fischer
        // 1990 report about 1.0 dB for 4–8 states and 1.33 dB for 256). Monte Carlo error at 60 000 samples ≈ 0.02 dB.
        const int n = 60_000;
        const double step = 0.01;
        var rng = new Random(3);
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = 2 * rng.NextDouble() - 1;
        var q = new TrellisQuantizer(TrellisCode.Create(states), TrellisCodebook.Uniform(step, 1.2));
        var idx = new long[n];
        double d = q.QuantizeSequences(x, idx, 4096) / n;
        double gain = 10 * Math.Log10(4 * step * step / 12 / d);
        Assert.InRange(gain, lo, hi);
    }
}

public class TrellisQuantizerTests
{
    // A quantizer with perturbed levels and random code lengths over a small alphabet (step 0.25, |x| ≤ 1.5).
    private static TrellisQuantizer Random(int states, double lambda, int seed)
    {
        var rng = new Random(seed);
        const double step = 0.25;
        var l0 = new double[7];
        var l1 = new double[8];
        for (int i = 0; i < l0.Length; i++) l0[i] = step * (2 * (i - 3)) + 0.2 * step * (rng.NextDouble() - 0.5);
        for (int i = 0; i < l1.Length; i++) l1[i] = step * (2 * (i - 4) + 1) + 0.2 * step * (rng.NextDouble() - 0.5);
        var cb = new TrellisCodebook(step, -3, l0, -4, l1);
        var tables = new[] { RandomTable(-3, 7, rng), RandomTable(-4, 8, rng) };
        return new TrellisQuantizer(TrellisCode.Create(states), cb, tables, lambda);
    }

    private static IntegerTable RandomTable(long lowest, int count, Random rng)
    {
        var p = new double[count];
        for (int i = 0; i < count; i++) p[i] = 0.05 + rng.NextDouble();
        return IntegerTable.FromProbabilities(lowest, p, 0.02);
    }

    // Minimum of the path cost over every index sequence with indices in [lowest − 3, highest + 3] of each union (the
    // table range and three escaped indices beyond each end), by depth-first search with bound.
    private static double ExhaustiveMinimum(TrellisQuantizer q, double[] x)
    {
        double best = double.PositiveInfinity;
        void Visit(int t, int state, double cost)
        {
            if (cost >= best) return;
            if (t == x.Length) { best = cost; return; }
            int u = q.Code.Union(state);
            for (long k = q.Codebook.Lowest(u) - 3; k <= q.Codebook.Highest(u) + 3; k++)
            {
                double e = x[t] - q.Codebook.Level(u, k);
                double c = e * e + (q.Lambda > 0 ? q.Lambda * q.Tables![u].CodeLength(k) : 0);
                Visit(t + 1, q.Code.Next(state, (int)(k & 1)), cost + c);
            }
        }
        Visit(0, 0, 0);
        return best;
    }

    [Theory]
    [InlineData(4, 0.0)]
    [InlineData(4, 0.02)]
    [InlineData(4, 0.2)]
    [InlineData(8, 0.0)]
    [InlineData(8, 0.05)]
    [InlineData(8, 0.3)]
    [InlineData(16, 0.02)]
    [InlineData(16, 0.3)]
    [InlineData(32, 0.1)]
    public void ViterbiFindsTheMinimumCostPath(int states, double lambda)
    {
        foreach (var width in new[] { SimdWidth.Scalar, TrellisQuantizer.DefaultWidth }.Distinct())
            for (int seed = 1; seed <= 4; seed++)
            {
                var q = Random(states, lambda, seed);
                var rng = new Random(100 + seed);
                var x = new double[5];
                for (int i = 0; i < x.Length; i++) x[i] = 3.6 * (rng.NextDouble() - 0.5); // a little beyond the table
                var idx = new long[x.Length];
                double cost = q.Quantize(x, idx, width, default);
                double min = ExhaustiveMinimum(q, x);
                // The search's metrics are floats; its path may lose only rounding against the double minimum.
                Assert.InRange(cost, min - 1e-9, min + 1e-5 * (1 + min));
                Assert.Equal(q.PathCost(x, idx), cost, 1e-9);
            }
    }

    [Theory]
    [MemberData(nameof(TrellisCodeTests.AllStates), MemberType = typeof(TrellisCodeTests))]
    public void SearchReturnsValidTrellisPaths(int states)
    {
        var code = TrellisCode.Create(states);
        const double step = 0.3;
        var q = new TrellisQuantizer(code, TrellisCodebook.Uniform(step, 4));
        var rng = new Random(states);
        var x = new double[2000];
        for (int i = 0; i < x.Length; i++) x[i] = ScalarDensity.Gaussian().Sample(rng);
        x[7] = 40; // beyond the codebook's stored range
        x[8] = -35;
        var idx = new long[x.Length];
        var path = new int[x.Length + 1];
        double cost = q.Quantize(x, idx, TrellisQuantizer.DefaultWidth, path);
        var y = new double[x.Length];
        q.Reconstruct(idx, y);
        Assert.Equal(0, path[0]);
        double se = 0;
        for (int t = 0; t < x.Length; t++)
        {
            int s = path[t], b = (int)(idx[t] & 1);
            Assert.Equal(code.Next(s, b), path[t + 1]);
            // The reproduction is in the subset of the branch taken: y/Δ ≡ j (mod 4), j = 2b + union(s).
            long m = (long)Math.Round(y[t] / step);
            Assert.Equal(m * step, y[t], 1e-9);
            Assert.Equal(code.Subset(s, b), (int)(((m % 4) + 4) % 4));
            // Each branch takes the nearest codeword of its subset (spacing 4Δ), so no error exceeds 2Δ.
            Assert.True(Math.Abs(x[t] - y[t]) <= 2 * step + 1e-12, $"sample {t}: {x[t]} → {y[t]}");
            se += (x[t] - y[t]) * (x[t] - y[t]);
        }
        Assert.Equal(se, cost, 1e-9 * se);
    }

    [Theory]
    [MemberData(nameof(TrellisCodeTests.AllStates), MemberType = typeof(TrellisCodeTests))]
    public void SimdAndScalarSearchesGiveIdenticalPaths(int states)
    {
        var density = ScalarDensity.Laplace();
        var opts = new EctcqOptions(TrainingSamples: 4000, TestSamples: 1000, SequenceLength: 1000, MaxIterations: 4, Threads: 1);
        var (train, test) = Ectcq.Draw(density, opts);
        var (q, _) = Ectcq.Design(TrellisCode.Create(states), train, 0.4, 0.35 * 0.16, opts);
        var a = new long[test.Length];
        var b = new long[test.Length];
        double ca = q.QuantizeSequences(test, a, 300, 1, SimdWidth.Scalar);
        double cb = q.QuantizeSequences(test, b, 300, 1, SimdWidth.Avx2); // scalar again where AVX2 is missing
        Assert.Equal(a, b);
        Assert.Equal(ca, cb);
    }

    [Fact]
    public void IndicesDoNotDependOnTheThreadCount()
    {
        var q = Random(64, 0.1, 9);
        var rng = new Random(4);
        var x = new double[5000];
        for (int i = 0; i < x.Length; i++) x[i] = 3 * (rng.NextDouble() - 0.5);
        var one = new long[x.Length];
        var two = new long[x.Length];
        q.QuantizeSequences(x, one, 700, 1);
        q.QuantizeSequences(x, two, 700, 2);
        Assert.Equal(one, two);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(1e300)]
    public void BadSamplesAreRejected(double bad)
    {
        var q = Random(8, 0.1, 1);
        var x = new[] { 0.1, bad, 0.3 };
        var ex = Assert.Throws<LtcException>(() => q.Quantize(x, new long[3]));
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Throws<LtcException>(() => Ectcq.Design(TrellisCode.Create(8), Enumerable.Repeat(0.5, 2000).Append(bad).ToArray(), 0.3, 0.01,
            new EctcqOptions(Threads: 1)));
    }

    [Fact]
    public void BadSettingsAreRejected()
    {
        var code = TrellisCode.Create(8);
        var cb = TrellisCodebook.Uniform(0.3, 3);
        Assert.Throws<LtcException>(() => new TrellisQuantizer(code, cb, null, 0.1));
        Assert.Throws<LtcException>(() => new TrellisQuantizer(code, cb, null, -1));
        Assert.Throws<LtcException>(() => new TrellisQuantizer(code, cb, null, double.NaN));
        Assert.Throws<LtcException>(() => TrellisCodebook.Uniform(0, 3));
        Assert.Throws<LtcException>(() => TrellisCodebook.Uniform(double.NaN, 3));
        Assert.Throws<LtcException>(() => TrellisCodebook.Uniform(1e-9, 3));
        Assert.Throws<LtcException>(() => new TrellisCodebook(0.3, 0, [double.NaN], 0, [1.0]));
        Assert.Throws<LtcException>(() => Ectcq.Curve(ScalarDensity.Gaussian(), 6, 4));
        Assert.Throws<LtcException>(() => Ectcq.Curve(ScalarDensity.Gaussian(), 8, 1));
        Assert.Throws<LtcException>(() => Ectcq.Curve(ScalarDensity.Gaussian(), 8, 4, 3, new EctcqOptions(TrainingSamples: 10)));
        Assert.Throws<LtcException>(() => Ectcq.Curve(ScalarDensity.Gaussian(), 8, 4, 3, new EctcqOptions(LambdaFactor: -1)));
        Assert.Throws<LtcException>(() => new TrellisQuantizer(code, cb).CodeLength([0, 1]));
    }
}

public class EctcqTests
{
    private static readonly EctcqOptions Small = new(TrainingSamples: 40_000, TestSamples: 50_000, SequenceLength: 5000, Threads: 2);

    [Fact]
    public void IndexCodingRoundTripsAndMatchesTheIdealLength()
    {
        var density = ScalarDensity.Gaussian();
        var (train, test) = Ectcq.Draw(density, Small);
        double step = 0.55; // ≈ 2 bits/sample
        var (q, _) = Ectcq.Design(TrellisCode.Create(16), train, step, Small.LambdaFactor * step * step, Small);
        // Outliers far beyond the training range go through the escape.
        test[10] = 60;
        test[20_000] = -75.5;
        var idx = new long[test.Length];
        q.QuantizeSequences(test, idx, Small.SequenceLength);
        Assert.True(idx[10] > q.Codebook.Highest(0) || idx[10] > q.Codebook.Highest(1));
        var block = q.Encode(idx, Small.SequenceLength);
        var back = new long[idx.Length];
        q.Decode(block, back, Small.SequenceLength);
        Assert.Equal(idx, back);
        var y = new double[idx.Length];
        q.Reconstruct(back, y, Small.SequenceLength);
        Assert.InRange(y[10], 60 - 2 * step, 60 + 2 * step);
        // File bits agree with the ideal code length within 0.5 % (the coder adds a few bytes per block).
        double ideal = q.CodeLength(idx, Small.SequenceLength);
        Assert.InRange(8.0 * block.Length / ideal, 1.0, 1.005);
        // A truncated block is reported as corrupt.
        Assert.Throws<LtcFormatException>(() => q.Decode(block.AsMemory(0, block.Length - 40), new long[idx.Length], Small.SequenceLength));
    }

    [Fact]
    public void EctcqGapsToRdAreThoseOfTheTrellis()
    {
        // Unit Gaussian near 2 bits/sample: the 8-state gap is about 0.46 dB and the 256-state one about 0.21 dB
        // (docs/results/trellis.md); 50 000 held-out samples measure SNR to about ±0.02 dB.
        var density = ScalarDensity.Gaussian();
        var (train, test) = Ectcq.Draw(density, Small);
        double step = 0.55;
        double Gap(int states)
        {
            var p = Ectcq.DesignAndEvaluate(TrellisCode.Create(states), train, test, step, Small);
            Assert.InRange(p.Test.Rate, 1.8, 2.3);
            Assert.InRange(p.Test.Rate / p.TestIdealRate, 1.0, 1.005);
            return 10 * Math.Log10(p.Test.Distortion / TheoreticalRd.GaussianDistortion(p.Test.Rate));
        }
        double g8 = Gap(8), g256 = Gap(256);
        Assert.InRange(g8, 0.35, 0.6);
        Assert.InRange(g256, 0.1, 0.32);
    }

    [Fact]
    public void CurveIsOrderedByRateAndBelowEcsq()
    {
        var pts = Ectcq.Curve(ScalarDensity.Laplace(), 8, 4, 2.5, Small with { TrainingSamples = 20_000, TestSamples = 20_000, MaxIterations = 10 });
        Assert.Equal(4, pts.Length);
        for (int i = 1; i < pts.Length; i++) Assert.True(pts[i].Rate > pts[i - 1].Rate && pts[i].Distortion < pts[i - 1].Distortion);
        // Every point beats the entropy-constrained scalar quantizer of the same rate (ECSQ curve interpolated in log D).
        var ecsq = Ecsq.Curve(ScalarDensity.Laplace(), 60, 3.5);
        foreach (var p in pts.Where(p => p.Rate > 0.3))
        {
            int i = Array.FindIndex(ecsq, e => e.Rate >= p.Rate);
            var (a, b) = (ecsq[i - 1], ecsq[i]);
            double f = (p.Rate - a.Rate) / (b.Rate - a.Rate);
            double dEcsq = Math.Exp(Math.Log(a.Distortion) * (1 - f) + Math.Log(b.Distortion) * f);
            Assert.True(p.Distortion < dEcsq, $"ECTCQ at {p.Rate:F3} bits: D = {p.Distortion:G4}, ECSQ {dEcsq:G4}");
        }
    }
}
