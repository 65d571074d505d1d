using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using Ltc.Codec;
using Ltc.Coding;
using Ltc.IO;
using Ltc.Lattices;
using Ltc.Sources;

namespace Ltc.Torch.Tests;

/// <summary>Tiny models with fitted coding tables, deterministic data and exact comparisons for the codec tests.</summary>
internal static class CodecTestSupport
{
    /// <summary>True when LTC_TEST_HEAVY=1 (more fuzz cases).</summary>
    public static bool Heavy => Environment.GetEnvironmentVariable("LTC_TEST_HEAVY") == "1";

    /// <summary>An untrained model of <paramref name="kind"/> on an i.i.d. Gaussian source of dimension <paramref name="dim"/>.</summary>
    public static ModelConfig Config(string kind, string lattice, int dim, string entropy = "factorized", string proxy = "ste", int seed = 7) =>
        TorchTestSupport.Tiny(kind, lattice, entropy, proxy, steps: 0) with { Dim = dim, LatentDim = dim, ScalarsPerSample = dim, Seed = seed };

    /// <summary>Block-LTC with the E8 block lattice (n = 8 vectors of the 2-d banana per row) and dy latents per vector.</summary>
    public static ModelConfig BlockConfig(int dy) => TorchTestSupport.Tiny("block-ltc", "E8", "factorized", steps: 0) with
    {
        Source = "block:8:banana", Dim = 16, Block = 8, LatentDim = dy, ScalarsPerSample = 1, Hidden = 8,
    };

    public static VectorSource SourceOf(ModelConfig cfg) => SourceCatalog.Parse(cfg.Source, cfg.Model == ModelKind.BlockLtc ? null : cfg.Dim);

    /// <summary>
    /// A model built from <paramref name="cfg"/> (fixed torch seed, no training), with tables fitted to
    /// <paramref name="fitSamples"/> draws. Block-LTC's block transforms are scaled up (×3 per layer): freshly
    /// initialized they shrink every latent into the cell of the origin, and a round trip of zeros would prove little.
    /// </summary>
    public static CompressionModel NewFittedModel(ModelConfig cfg, int fitSamples = 3000)
    {
        var model = TorchTestSupport.NewModel(cfg);
        if (cfg.Model == ModelKind.BlockLtc)
            using (TorchSharp.torch.no_grad())
                foreach (var (name, p) in model.named_parameters())
                    if (name.StartsWith("_block.analysis", StringComparison.Ordinal)) p.mul_(3.0);
        ModelCodec.Fit(model, SourceOf(cfg), fitSamples, seed: 3);
        return model;
    }

    public static ModelCodec NewCodec(ModelConfig cfg, int fitSamples = 3000) => new(NewFittedModel(cfg, fitSamples));

    /// <summary>
    /// count × d values, approximately N(0, σ²): the sum of 12 uniforms minus 6 (Irwin–Hall). Only additions and one
    /// multiplication, so the values are the same on every machine (no log, cos or sqrt whose last bit may vary).
    /// </summary>
    public static double[] Gaussian(int count, int d, double sigma, int seed)
    {
        var r = new Random(seed);
        var x = new double[count * d];
        for (int i = 0; i < x.Length; i++)
        {
            double s = 0;
            for (int k = 0; k < 12; k++) s += r.NextDouble();
            x[i] = sigma * (s - 6);
        }
        return x;
    }

    /// <summary>Asserts bit-for-bit equality (Assert.Equal on doubles would take −0 for +0).</summary>
    public static void AssertSameBits(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, string what = "")
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
                Assert.Fail($"{what}: value {i} is {actual[i]:R}, expected {expected[i]:R}");
    }

    public static LtcHeader Header(ITransformCodec codec, byte[] file)
    {
        using var r = LtcReader.Open(new MemoryStream(file), "<test>", codec.Fingerprint);
        return r.Header;
    }

    /// <summary>The integer latents stored in a file: every chunk decoded with the codec's tables, concatenated.</summary>
    public static long[] StoredIntegers(ITransformCodec codec, byte[] file)
    {
        using var r = LtcReader.Open(new MemoryStream(file), "<test>", codec.Fingerprint);
        long chunkRows = r.Header.Find("chunk_rows")!.AsInt64();
        long rowsTotal = (r.Header.Shape[0] + codec.VectorsPerRow - 1) / codec.VectorsPerRow;
        int m = codec.Latent.Dimension;
        var all = new List<long>();
        long done = 0;
        while (r.ReadChunk() is { } payload)
        {
            int rows = (int)Math.Min(chunkRows, rowsTotal - done);
            var t = new long[rows * m];
            codec.Latent.Decode(payload, t);
            all.AddRange(t);
            done += rows;
        }
        Assert.Equal(rowsTotal, done);
        return all.ToArray();
    }

    /// <summary>
    /// What the file must hold, computed independently of FileCodec: per chunk of <paramref name="chunkRows"/> rows,
    /// the vectors (the last block filled up with copies of its last vector), g_a, then the quantizer's integers.
    /// </summary>
    public static long[] ExpectedIntegers(ITransformCodec codec, double[] x, int chunkRows)
    {
        int d = codec.VectorDimension, n = codec.VectorsPerRow, m = codec.Latent.Dimension;
        int count = x.Length / d;
        var all = new List<long>();
        for (int start = 0; start < count; start += chunkRows * n)
        {
            int vs = Math.Min(chunkRows * n, count - start);
            int rows = (vs + n - 1) / n;
            var block = new double[rows * n * d];
            x.AsSpan(start * d, vs * d).CopyTo(block);
            for (int v = vs; v < rows * n; v++) x.AsSpan((start + vs - 1) * d, d).CopyTo(block.AsSpan(v * d));
            var y = new double[rows * m];
            codec.Analyze(block, rows, y);
            var t = new long[rows * m];
            codec.Latent.Quantizer.Quantize(y, t);
            all.AddRange(t);
        }
        return all.ToArray();
    }

    public static int DistinctRows(double[] x, int d) =>
        Enumerable.Range(0, x.Length / d).Select(i => string.Join(",", x.AsSpan(i * d, d).ToArray())).Distinct().Count();

    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Sha256(ReadOnlySpan<long> values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        return Sha256(bytes);
    }
}
