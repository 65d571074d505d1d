using Ltc.Lattices;
using Ltc.Simd;

namespace Ltc.Tests.Lattices;

/// <summary>
/// The vector paths, in one process: every width this machine runs (avx512, avx2, vector128 where accelerated, and
/// always scalar) decodes E8, D_n, D_n*, BW16 and the Leech lattice to the same bits as the scalar path, which is
/// checked against the reference decoders; the 8-lane operations agree lane by lane. <c>.ci/run</c> runs these and the
/// other lattice and coding tests again with <c>DOTNET_EnableAVX512=0</c> and <c>DOTNET_EnableHWIntrinsic=0</c>, so the
/// default path of a machine without AVX-512 or without vectors is exercised by the JIT as such a machine would be.
/// </summary>
public class SimdPathTests
{
    public static IEnumerable<object[]> Widths() => SimdPath.Supported.Select(w => new object[] { SimdPath.NameOf(w) });

    public static readonly string[] KernelLattices = ["E8", "D2", "D3", "D4", "D5", "D8", "D9", "D16", "D17", "D2*", "D3*", "D4*", "D5*", "D8*", "D13*", "BW16", "Leech"];

    public static IEnumerable<object[]> KernelNames() => KernelLattices.Select(n => new object[] { n });

    private static SimdWidth Width(string name) => SimdPath.Parse(name) ?? throw new ArgumentException(name);

    [Fact]
    public void ThePathIsChosenOnceAndNamed()
    {
        Assert.True(SimdPath.Current <= SimdPath.Hardware);
        Assert.Contains(SimdPath.Name, new[] { "avx512", "avx2", "vector128", "scalar" });
        Assert.Equal(SimdPath.Current, SimdPath.Parse(SimdPath.Name));
        Assert.Equal(SimdWidth.Scalar, SimdPath.Supported[^1]);
        Assert.Equal(SimdPath.Hardware, SimdPath.Supported[0]);
        // LTC_SIMD can only narrow the path.
        Assert.Equal(SimdWidth.Avx2, SimdPath.Choose(SimdWidth.Avx512, "avx2"));
        Assert.Equal(SimdWidth.Scalar, SimdPath.Choose(SimdWidth.Avx2, "scalar"));
        Assert.Equal(SimdWidth.Vector128, SimdPath.Choose(SimdWidth.Vector128, "avx512"));
        Assert.Equal(SimdWidth.Avx2, SimdPath.Choose(SimdWidth.Avx2, "nonsense"));
        Assert.Equal(SimdWidth.Avx512, SimdPath.Choose(SimdWidth.Avx512, null));
        foreach (var w in Enum.GetValues<SimdWidth>()) Assert.Equal(w, SimdPath.Parse(SimdPath.NameOf(w)));
    }

    /// <summary>Points that exercise every branch: Gaussian at several scales, ties (integers, half-integers), far points.</summary>
    private static double[] Points(int n, int count, int seed)
    {
        var rng = new Random(seed);
        var x = new double[count * n];
        for (int p = 0; p < count; p++)
        {
            var row = x.AsSpan(p * n, n);
            switch (p % 6)
            {
                case 0: for (int i = 0; i < n; i++) row[i] = 0.5 * LatticeTestSupport.Gaussian(rng); break;
                case 1: for (int i = 0; i < n; i++) row[i] = 3 * LatticeTestSupport.Gaussian(rng); break;
                case 2: for (int i = 0; i < n; i++) row[i] = 0.5 * rng.Next(-8, 9); break;
                case 3: for (int i = 0; i < n; i++) row[i] = 0.25 * rng.Next(-16, 17) + 1e-9 * LatticeTestSupport.Gaussian(rng); break;
                case 4: for (int i = 0; i < n; i++) row[i] = 1e6 * LatticeTestSupport.Gaussian(rng); break;
                default: for (int i = 0; i < n; i++) row[i] = rng.Next(-3, 4) + (rng.Next(2) == 0 ? 0.5 : 0); break;
            }
        }
        return x;
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void EveryPathDecodesToTheSameBitsAsTheScalarPath(string name)
    {
        var l = LatticeCatalog.Parse(name);
        int n = l.Dimension, count = TestPaths.Heavy ? 20000 : name == "Leech" ? 1500 : 3000;
        var x = Points(n, count, 17 + n);
        var reference = new double[x.Length];
        l.ClosestPoints(x, reference, 1, SimdWidth.Scalar);
        foreach (var w in SimdPath.Supported)
        {
            var y = new double[x.Length];
            l.ClosestPoints(x, y, 1, w);
            for (int i = 0; i < y.Length; i++)
                Assert.True(BitConverter.DoubleToInt64Bits(y[i]) == BitConverter.DoubleToInt64Bits(reference[i]),
                    $"{name} on {SimdPath.NameOf(w)}: point {i / n} coordinate {i % n} is {y[i]:R}, scalar path {reference[i]:R}");
        }
        // The per-point entry runs the start-up path, the same kernel.
        var one = new double[n];
        for (int p = 0; p < Math.Min(count, 300); p++)
        {
            l.ClosestPoint(x.AsSpan(p * n, n), one);
            Assert.Equal(reference.AsSpan(p * n, n).ToArray(), one);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void EveryPathIsExactOnBarnesWallAndLeech(string width)
    {
        var w = Width(width);
        int count = TestPaths.Heavy ? 3000 : 300;
        foreach (var (l, reference) in new (Lattice, ReferenceChecks.Reference)[]
                 { (new BarnesWall16(), ReferenceDecoders.BarnesWall), (new LeechLattice(), ReferenceDecoders.Leech) })
        {
            int n = l.Dimension;
            var sigma = Math.Pow(l.Volume, 1.0 / n);
            var points = ReferenceChecks.Gaussian(n, sigma, count, 5).ToList();
            var minimal = n == 16 ? BarnesWallTests.MinimalVectors() : LeechTests.MinimalVectors();
            points.AddRange(ReferenceChecks.NearBoundary(l, minimal, count, 6));
            var x = points.SelectMany(p => p).ToArray();
            var y = new double[x.Length];
            l.ClosestPoints(x, y, 1, w);
            var yr = new double[n];
            for (int p = 0; p < points.Count; p++)
            {
                double d = LatticeTestSupport.SquaredDistance(points[p], y.AsSpan(p * n, n));
                double dr = reference(points[p], yr);
                Assert.True(Math.Abs(d - dr) <= 1e-9 * Math.Max(1, dr), $"{l.Name} on {width}: point {p} at {d:R}, reference {dr:R}");
                Assert.True(ReferenceChecks.IsMember(l, y.AsSpan(p * n, n)), $"{l.Name} on {width}: point {p} is not a lattice point");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void EveryPathIsExactOnE8AndDn(string width)
    {
        var w = Width(width);
        foreach (var name in new[] { "E8", "D3", "D5", "D9", "D4*", "D5*" })
        {
            var l = LatticeCatalog.Parse(name);
            int n = l.Dimension, count = TestPaths.Heavy ? 4000 : 400;
            var sd = new SphereDecoder(l);
            var x = Points(n, count, 3);
            for (int i = 0; i < x.Length; i++) x[i] = Math.Clamp(x[i], -50, 50);
            var y = new double[x.Length];
            l.ClosestPoints(x, y, 1, w);
            var yr = new double[n];
            for (int p = 0; p < count; p++)
            {
                var xp = x.AsSpan(p * n, n);
                sd.ClosestPoint(xp, yr);
                double d = LatticeTestSupport.SquaredDistance(xp, y.AsSpan(p * n, n)), dr = LatticeTestSupport.SquaredDistance(xp, yr);
                Assert.True(d <= dr + 1e-9 * Math.Max(1, dr), $"{name} on {width}: point {p} at {d:R}, sphere decoder {dr:R}");
                Assert.True(ReferenceChecks.IsMember(l, y.AsSpan(p * n, n)), $"{name} on {width}: point {p} is not a lattice point");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void BatchesMatchSinglePointsScaledThreadedInPlaceAndInFloat32(string name)
    {
        var l = LatticeCatalog.Parse(name).WithUnitVolume();
        int n = l.Dimension, count = 5000;
        var x = Points(n, count, 99);
        var one = new double[x.Length];
        for (int p = 0; p < count; p++) l.ClosestPoint(x.AsSpan(p * n, n), one.AsSpan(p * n, n));
        var batch = new double[x.Length];
        l.ClosestPoints(x, batch, 2);
        Assert.Equal(one, batch);
        var inPlace = (double[])x.Clone();
        l.ClosestPoints(inPlace, inPlace, 1);
        Assert.Equal(one, inPlace);
        var xf = x.Select(v => (float)v).ToArray();
        var yf = new float[xf.Length];
        l.ClosestPoints(xf, yf, 2);
        var yd = new double[n];
        for (int p = 0; p < count; p++)
        {
            l.ClosestPoint(xf.AsSpan(p * n, n).ToArray().Select(v => (double)v).ToArray(), yd);
            for (int i = 0; i < n; i++) Assert.Equal((float)yd[i], yf[p * n + i]);
        }
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void InputsBeyondTheSupportedMagnitudeAreRefusedWithOneLine(string name)
    {
        var l = LatticeCatalog.Parse(name);
        int n = l.Dimension;
        var x = new double[3 * n];
        x[n + 1] = 3e12;
        var y = new double[x.Length];
        var e = Assert.Throws<LtcException>(() => l.ClosestPoints(x, y, 1));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("coordinate 1", e.Message);
        Assert.Throws<LtcException>(() => l.ClosestPoint(x.AsSpan(n, n), y.AsSpan(0, n)));
        x[n + 1] = double.NaN;
        Assert.Throws<LtcException>(() => l.ClosestPoints(x, y, 1));
        // Just inside the limit it decodes, to a lattice point.
        x[n + 1] = LatticeCatalog.MaxDecodeMagnitude - 0.25;
        l.ClosestPoints(x, y, 1);
        Assert.True(ReferenceChecks.IsMember(l, y.AsSpan(n, n)));
    }

    [Theory]
    [InlineData("E8")]
    [InlineData("D5")]
    [InlineData("BW16")]
    [InlineData("Leech")]
    [InlineData("A2")]
    public void VoronoiSamplesEqualTheOnePointAtATimeFormula(string name)
    {
        // u = x − Q(x), x = rG with r from the same random stream, the product summed row by row: the batched,
        // vectorized sampler must give these very bits, in any split of the calls, antithetic pairs included.
        var l = LatticeCatalog.Parse(name).WithUnitVolume();
        int n = l.Dimension, count = 1001;
        var g = l.Generator.ToArray();
        foreach (var sampling in new[] { CellSampling.MonteCarlo, CellSampling.Antithetic })
        {
            var rng = new Random(77);
            var expected = new double[count * n];
            var x = new double[n];
            var q = new double[n];
            double[]? pending = null;
            for (int p = 0; p < count; p++)
            {
                var dst = expected.AsSpan(p * n, n);
                if (sampling == CellSampling.Antithetic && pending != null)
                {
                    for (int j = 0; j < n; j++) dst[j] = -pending[j];
                    pending = null;
                    continue;
                }
                Array.Clear(x);
                for (int i = 0; i < n; i++)
                {
                    double ri = rng.NextDouble();
                    for (int j = 0; j < n; j++) x[j] += ri * g[i * n + j];
                }
                l.ClosestPoint(x, q);
                for (int j = 0; j < n; j++) dst[j] = x[j] - q[j];
                if (sampling == CellSampling.Antithetic) pending = dst.ToArray();
            }
            var sampler = new VoronoiSampler(l, sampling, 77);
            var got = new double[count * n];
            int done = 0;
            foreach (int part in new[] { 1, 2, 3, 500, 495 })
            {
                sampler.Sample(got.AsSpan(done * n, part * n));
                done += part;
            }
            Assert.Equal(count, done);
            Assert.Equal(expected, got);
        }
    }

    [Fact]
    public void TheConstantTablesMatchTheirConstructions()
    {
        for (int i = 0; i < 32; i++) Assert.Equal(ReedMuller.Codewords[i], BarnesWall16.Codeword(i));
        Assert.Equal(LeechLattice.BuildOffsets(), LeechLattice.Offsets.ToArray());
        Assert.Equal(LeechLattice.BuildPatternIndex(), LeechLattice.PatternIndex.ToArray());
        Assert.Equal(GolayCode.Pattern.ToArray(), LeechLattice.ColumnPatterns.ToArray());
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public unsafe void EveryEightLaneOperationMatchesTheScalarOne(string width)
    {
        var w = Width(width);
        var rng = new Random(11);
        var a = new double[8];
        var b = new double[8];
        for (int trial = 0; trial < 400; trial++)
        {
            for (int i = 0; i < 8; i++)
            {
                a[i] = trial % 3 == 0 ? 0.5 * rng.Next(-9, 10) : 4 * LatticeTestSupport.Gaussian(rng);
                b[i] = trial % 5 == 0 ? a[i] : 4 * LatticeTestSupport.Gaussian(rng);
            }
            uint bits = (uint)rng.Next(256);
            fixed (double* pa = a)
            fixed (double* pb = b)
            {
                var expected = Ops<VScalar>(pa, pb, bits);
                var got = w switch
                {
                    SimdWidth.Avx512 => Ops<V512>(pa, pb, bits),
                    SimdWidth.Avx2 => Ops<V256>(pa, pb, bits),
                    SimdWidth.Vector128 => Ops<V128>(pa, pb, bits),
                    _ => Ops<VScalar>(pa, pb, bits),
                };
                Assert.Equal(expected.Length, got.Length);
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(got[i]),
                        $"{width}: result {i} is {got[i]:R}, scalar {expected[i]:R} (trial {trial})");
            }
        }
    }

    /// <summary>Every operation of <see cref="IVec8{T}"/> on (a, b), flattened.</summary>
    private static unsafe double[] Ops<T>(double* pa, double* pb, uint bits) where T : unmanaged, IVec8<T>
    {
        var r = new List<double>();
        var buf = new double[8];
        void Add(T v)
        {
            fixed (double* p = buf) T.Store(v, p);
            r.AddRange(buf);
        }
        T a = T.Load(pa), b = T.Load(pb);
        Add(a + b);
        Add(a - b);
        Add(a * b);
        Add(T.Min(a, b));
        Add(T.Max(a, b));
        Add(T.Round(a));
        Add(T.Floor(a));
        Add(T.Abs(a));
        Add(T.SignOf(a));
        Add(T.Select(bits, a, b));
        Add(T.Load6(pa));
        Add(T.FirstAndRest(pa[0], 0.5));
        Add(T.Create(1, 2, 3, 4, 5, 6, 7, 8));
        for (int k = 0; k < 8; k++) Add(T.Xor(a, k));
        for (int k = 0; k < 4; k++) Add(T.Broadcast(a, k));
        r.Add(T.Less(a, b));
        r.Add(T.Equal(a, b));
        r.Add(Vec8.OddBits(T.Round(a)));
        r.Add(T.MinAcross(a));
        r.Add(T.MaxAcross(a));
        r.Add(T.SumAcross(a));
        for (int i = 0; i < 8; i++) r.Add(T.Lane(a, i));
        var m = new double[64];
        var cols = new double[48];
        for (int i = 0; i < 64; i++) m[i] = pa[i % 8] * (i / 8 + 1) + pb[i / 8];
        fixed (double* pm = m)
        fixed (double* pc = cols)
            T.Transpose6(pm, pc);
        r.AddRange(cols);
        var six = new double[8];
        fixed (double* p6 = six) T.Store6(a, p6);
        r.AddRange(six);
        return [.. r];
    }
}
