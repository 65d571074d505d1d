using Ltc.Codec;
using Ltc.Coding;
using Ltc.Lattices;

namespace Ltc.Tests.Codec;

public class LatentCodecTests
{
    public static TheoryData<string> Lattices => new() { "Z3", "A2", "A3", "A3*", "D4", "D4*", "D5*", "E6", "E6*", "E7", "E7*", "E8", "BW16", "Leech", "E8^2", "A2+Z1", "D4*+E8" };

    private static double[] Gaussian(int count, int n, double sigma, int seed)
    {
        var r = new Random(seed);
        var x = new double[count * n];
        for (int i = 0; i < x.Length; i++) x[i] = sigma * Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
        return x;
    }

    [Theory]
    [MemberData(nameof(Lattices))]
    public void CatalogLatticesHaveAnExactTriangularIntegerForm(string name)
    {
        var lattice = LatticeCatalog.Parse(name).WithUnitVolume();
        var q = LatentQuantizer.ForLattice(lattice);
        // E7 and E7* are built in 7 coordinates of the hyperplane of E8 by an orthonormal basis with irrational
        // entries in every column, so they are coded in lattice coordinates instead.
        if (name.StartsWith("E7", StringComparison.Ordinal))
        {
            Assert.Equal(LatentForm.LatticeCoordinates, q.Form);
            return;
        }
        Assert.Equal(LatentForm.ScaledIntegers, q.Form);
        int n = lattice.Dimension;
        // det B · Π σ_j is the cell volume (1): the integer form spans exactly the lattice, not a sublattice.
        double logVolume = 0;
        for (int j = 0; j < n; j++) logVolume += Math.Log(q.Basis[j * n + j] * q.Scales[j]);
        Assert.InRange(logVolume, -1e-9, 1e-9);
    }

    [Theory]
    [MemberData(nameof(Lattices))]
    public void QuantizeDequantizeGivesTheClosestPointAndCodingRoundTrips(string name)
    {
        var lattice = LatticeCatalog.Parse(name).WithUnitVolume();
        int n = lattice.Dimension, count = 3000;
        var q = LatentQuantizer.ForLattice(lattice);
        var x = Gaussian(count, n, 1.3, 7);
        var expected = new double[x.Length];
        lattice.ClosestPoints(x, expected);
        var t = new long[x.Length];
        q.Quantize(x, t);
        var yhat = new double[x.Length];
        q.Dequantize(t, yhat);
        for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(yhat[i] - expected[i]) < 1e-9, $"{name}: coordinate {i}: {yhat[i]} vs {expected[i]}");

        var codec = LatentCodec.Fit(q, t.AsSpan(0, 2000 * n));
        var block = codec.Encode(t);
        var back = new long[t.Length];
        codec.Decode(block, back);
        Assert.Equal(t, back);
        // Fitted tables code held-out rows within a few bytes of their ideal length.
        Assert.InRange(8.0 * block.Length, codec.CodeLength(t), codec.CodeLength(t) + 64 + 8 * 16);

        var restored = LatentCodec.Read(codec.ToBytes(), "test");
        Assert.Equal(codec.ToBytes(), restored.ToBytes());
        var again = new long[t.Length];
        restored.Decode(block, again);
        Assert.Equal(t, again);
    }

    [Fact]
    public void ResidueContextCostsNothingOnAFineLattice()
    {
        // At high rate the coded rate approaches h(Y) − log2 V: for i.i.d. N(0, σ²) latents at unit volume,
        // n·(½·log2(2πeσ²)). E8's triangular coder must get within 2 % of it; the marginal model loses nothing here.
        var lattice = LatticeCatalog.Parse("E8").WithUnitVolume();
        var q = LatentQuantizer.ForLattice(lattice);
        double sigma = 6;
        var train = Gaussian(50000, 8, sigma, 1);
        var test = Gaussian(20000, 8, sigma, 2);
        var t = new long[train.Length];
        q.Quantize(train, t);
        var codec = LatentCodec.Fit(q, t);
        var tt = new long[test.Length];
        q.Quantize(test, tt);
        double bitsPerVector = codec.CodeLength(tt) / 20000;
        double ideal = 8 * 0.5 * Math.Log2(2 * Math.PI * Math.E * sigma * sigma);
        Assert.InRange(bitsPerVector, ideal * 0.99, ideal * 1.02);
    }

    [Fact]
    public void RoundingFormCodesAroundOffsets()
    {
        var q = LatentQuantizer.Rounding([0.25, -0.4]);
        var x = Gaussian(1000, 2, 3, 3);
        var t = new long[x.Length];
        q.Quantize(x, t);
        var y = new double[x.Length];
        q.Dequantize(t, y);
        for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(x[i] - y[i]) <= 0.5 + 1e-12);
        var codec = LatentCodec.Fit(q, t);
        var back = new long[t.Length];
        codec.Decode(codec.Encode(t), back);
        Assert.Equal(t, back);
    }

    [Fact]
    public void OutliersBeyondTheTablesAreEscapedExactly()
    {
        var lattice = LatticeCatalog.Parse("D4*").WithUnitVolume();
        var q = LatentQuantizer.ForLattice(lattice);
        var train = Gaussian(2000, 4, 1, 4);
        var t = new long[train.Length];
        q.Quantize(train, t);
        var codec = LatentCodec.Fit(q, t);
        var far = Gaussian(50, 4, 1e6, 5);
        var tf = new long[far.Length];
        q.Quantize(far, tf);
        var back = new long[tf.Length];
        codec.Decode(codec.Encode(tf), back);
        Assert.Equal(tf, back);
    }

    [Fact]
    public void GenericGeneratorFallsBackToLatticeCoordinates()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gen-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "1 0.3141592653\n0.2718281828 1.1\n");
        try
        {
            var lattice = LatticeCatalog.Parse($"G:{path}");
            var q = LatentQuantizer.ForLattice(lattice);
            Assert.Equal(LatentForm.LatticeCoordinates, q.Form);
            var x = Gaussian(500, 2, 2, 6);
            var t = new long[x.Length];
            q.Quantize(x, t);
            var expected = new double[x.Length];
            lattice.ClosestPoints(x, expected);
            var y = new double[x.Length];
            q.Dequantize(t, y);
            for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(y[i] - expected[i]) < 1e-9);
            var codec = LatentCodec.Fit(q, t);
            var back = new long[t.Length];
            codec.Decode(codec.Encode(t), back);
            Assert.Equal(t, back);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void DamagedBlocksAndCodecBytesAreRejected()
    {
        var lattice = LatticeCatalog.Parse("E8").WithUnitVolume();
        var q = LatentQuantizer.ForLattice(lattice);
        var x = Gaussian(400, 8, 2, 8);
        var t = new long[x.Length];
        q.Quantize(x, t);
        var codec = LatentCodec.Fit(q, t);
        var block = codec.Encode(t);
        var rejected = 0;
        for (int len = 0; len < block.Length; len += Math.Max(1, block.Length / 40))
        {
            try { codec.Decode(block.AsMemory(0, len), new long[t.Length]); }
            catch (LtcFormatException) { rejected++; }
        }
        Assert.Equal((block.Length + Math.Max(1, block.Length / 40) - 1) / Math.Max(1, block.Length / 40), rejected);
        var bytes = codec.ToBytes();
        for (int len = 0; len < bytes.Length; len += 97)
            Assert.Throws<LtcException>(() => LatentCodec.Read(bytes.AsSpan(0, len), "cut"));
        Assert.Throws<LtcException>(() => LatentCodec.Read([.. bytes, 0], "long"));
    }
}
