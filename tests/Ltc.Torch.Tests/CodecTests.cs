using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using Ltc.Codec;
using Ltc.Coding;
using Ltc.IO;
using Ltc.Lattices;
using Ltc.Sources;

namespace Ltc.Torch.Tests;

/// <summary>The identity transform with a given latent codec: the file format and tables alone, no torch.</summary>
internal sealed class IdentityCodec(LatentCodec latent, string seed) : ITransformCodec
{
    private readonly byte[] _fingerprint = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed));

    public string Kind => "identity";
    public ReadOnlySpan<byte> Fingerprint => _fingerprint;
    public int VectorDimension => latent.Dimension;
    public int VectorsPerRow => 1;
    public LatentCodec Latent => latent;
    public void Analyze(ReadOnlySpan<double> rows, int count, Span<double> latents) => rows.CopyTo(latents);
    public void Synthesize(ReadOnlySpan<double> latents, int count, Span<double> rows) => latents.CopyTo(rows);
}

public class CodecTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-codec-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    // ---------------------------------------------------------------- 1. round trips

    [Theory]
    [InlineData("ntc", "Z2", 2, "factorized", "ste", LatentForm.Rounding)]
    [InlineData("ltc", "A2", 2, "flow", "ste", LatentForm.ScaledIntegers)]
    [InlineData("ltc", "A2", 2, "flow", "dither", LatentForm.ScaledIntegers)]
    [InlineData("ltc", "D4*", 4, "factorized", "ste", LatentForm.ScaledIntegers)]
    [InlineData("ltc", "E8", 8, "factorized", "ste", LatentForm.ScaledIntegers)]
    [InlineData("ltc", "BW16", 16, "factorized", "ste", LatentForm.ScaledIntegers)]
    [InlineData("ltc", "Leech", 24, "factorized", "ste", LatentForm.ScaledIntegers)]
    [InlineData("ltc", "A2+Z1", 3, "factorized", "ste", LatentForm.ScaledIntegers)]
    [InlineData("ltc", "E8^2", 16, "factorized", "ste", LatentForm.ScaledIntegers)]
    [InlineData("ltc", "E7", 7, "factorized", "ste", LatentForm.LatticeCoordinates)]
    [InlineData("eclq", "D4*", 4, "factorized", "ste", LatentForm.ScaledIntegers)]
    public void EveryModelKindAndLatticeRoundTripsToItsDeterministicReconstruction(string kind, string lattice, int dim, string entropy, string proxy, LatentForm form)
    {
        var codec = CodecTestSupport.NewCodec(CodecTestSupport.Config(kind, lattice, dim, entropy, proxy));
        Assert.Equal(form, codec.Latent.Quantizer.Form);
        Assert.Equal(kind, codec.Kind);
        const int count = 500;
        // σ = 3 (the tables were fitted to σ = 1): untrained transforms shrink their input, and the latents must spread
        // over many lattice points, out to the tails of the tables.
        var x = CodecTestSupport.Gaussian(count, dim, 3, seed: 100 + dim);
        var options = new CodecOptions(Threads: 2, ChunkRows: 128);
        int chunkRows = options.RowsPerChunk(codec);
        var file = FileCodec.Compress(codec, x, options);
        var back = FileCodec.Decompress(codec, file, options);
        var expected = FileCodec.Reconstruct(codec, x, chunkRows);
        CodecTestSupport.AssertSameBits(expected, back, $"{kind} {lattice}");

        var h = CodecTestSupport.Header(codec, file);
        Assert.Equal(new long[] { count, dim }, h.Shape);
        Assert.Equal(kind, h.ModelName);
        Assert.Equal(LtcElementType.Float64, h.ElementType);
        Assert.Equal(4, h.ChunkCount);
        // The file holds exactly the quantizer's integers of g_a(x), chunk by chunk.
        Assert.Equal(CodecTestSupport.ExpectedIntegers(codec, x, chunkRows), CodecTestSupport.StoredIntegers(codec, file));
        // Not a trivial round trip: the reconstructions are many different lattice points.
        Assert.True(CodecTestSupport.DistinctRows(back, dim) >= 8, $"{kind} {lattice}: only {CodecTestSupport.DistinctRows(back, dim)} distinct reconstructions");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void BlockLtcRoundTripsAVectorCountThatIsNotAMultipleOfTheBlock(int dy)
    {
        var codec = CodecTestSupport.NewCodec(CodecTestSupport.BlockConfig(dy));
        Assert.Equal(8, codec.VectorsPerRow);
        Assert.Equal(2, codec.VectorDimension);
        Assert.Equal(8 * dy, codec.Latent.Dimension);
        const int count = 8 * 37 + 3; // 38 rows, the last holding 3 real vectors
        var x = CodecTestSupport.Gaussian(count, 2, 3, seed: 40 + dy);
        var options = new CodecOptions(Threads: 2, ChunkRows: 5);
        var file = FileCodec.Compress(codec, x, options);
        var back = FileCodec.Decompress(codec, file, options);
        Assert.Equal(count * 2, back.Length);
        CodecTestSupport.AssertSameBits(FileCodec.Reconstruct(codec, x, 5), back, $"block-ltc dy={dy}");

        var h = CodecTestSupport.Header(codec, file);
        Assert.Equal(new long[] { count, 2 }, h.Shape);
        Assert.Equal(8, h.ChunkCount); // ⌈38 / 5⌉
        Assert.Equal(8, h.Find("block")!.AsInt64());
        Assert.Equal(8 * dy, h.Find("latent_dim")!.AsInt64());
        Assert.Equal(CodecTestSupport.ExpectedIntegers(codec, x, 5), CodecTestSupport.StoredIntegers(codec, file));
        Assert.True(CodecTestSupport.DistinctRows(back, 2) >= 100, $"only {CodecTestSupport.DistinctRows(back, 2)} distinct reconstructions");

        // Without the 3 extra vectors (no padding, 37 rows): the chunks both files share decode identically.
        var whole = x.AsSpan(0, 8 * 37 * 2).ToArray();
        var wholeBack = FileCodec.Decompress(codec, FileCodec.Compress(codec, whole, options), options);
        Assert.Equal(8 * 37 * 2, wholeBack.Length);
        CodecTestSupport.AssertSameBits(back.AsSpan(0, 8 * 35 * 2), wholeBack.AsSpan(0, 8 * 35 * 2), "chunks before the partial one");
    }

    /// <summary>
    /// Building Leech's quantizer (its triangular integer form) must be cheap: it runs on every model load and fit.
    /// LatentQuantizer.HermiteLower eliminates without any reduction, so for Leech its intermediate integers grow to
    /// about 378,000 bits and one call took 12–16 s here (BW16 and E8^3: a few ms).
    /// </summary>
    [Fact]
    public void LeechQuantizerIsBuiltInWellUnderASecond()
    {
        var lattice = LatticeCatalog.Parse("Leech").WithUnitVolume();
        var clock = Stopwatch.StartNew();
        var q = LatentQuantizer.ForLattice(lattice);
        double seconds = clock.Elapsed.TotalSeconds;
        Assert.Equal(LatentForm.ScaledIntegers, q.Form);
        double logVolume = 0;
        for (int j = 0; j < 24; j++) logVolume += Math.Log(q.Basis[j * 24 + j] * q.Scales[j]);
        Assert.InRange(logVolume, -1e-9, 1e-9);
        Assert.True(seconds < 2, $"LatentQuantizer.ForLattice(Leech) took {seconds:F1} s");
    }

    /// <summary>
    /// "Bit exact" needs g_a and g_s to be functions of their input: the same latents must give the same bits on every
    /// call. The calls below differ only in what was allocated before them (so where the managed float arrays land).
    /// </summary>
    [Theory]
    [InlineData("ltc-E8")]
    [InlineData("block-ltc")]
    public void TransformsGiveTheSameBitsOnEveryCall(string name)
    {
        var codec = CodecTestSupport.NewCodec(NamedConfig(name));
        int d = codec.VectorDimension * codec.VectorsPerRow, m = codec.Latent.Dimension;
        var keep = new List<byte[]>();
        foreach (int rows in new[] { 1, 2, 3, 5, 6 })
        {
            var x = CodecTestSupport.Gaussian(rows * codec.VectorsPerRow, codec.VectorDimension, 3, seed: rows);
            var y = new double[rows * m];
            codec.Analyze(x, rows, y);
            var t = new long[y.Length];
            codec.Latent.Quantizer.Quantize(y, t);
            codec.Latent.Quantizer.Dequantize(t, y);
            var firstOut = new double[rows * d];
            var firstLatent = new double[rows * m];
            codec.Synthesize(y, rows, firstOut);
            codec.Analyze(x, rows, firstLatent);
            for (int r = 0; r < 40; r++)
            {
                keep.Add(new byte[1 + r % 7]);
                var o = new double[rows * d];
                codec.Synthesize(y, rows, o);
                CodecTestSupport.AssertSameBits(firstOut, o, $"{name}: g_s of {rows} rows, call {r + 2}");
                var l = new double[rows * m];
                codec.Analyze(x, rows, l);
                CodecTestSupport.AssertSameBits(firstLatent, l, $"{name}: g_a of {rows} rows, call {r + 2}");
            }
        }
        GC.KeepAlive(keep);
    }

    // ---------------------------------------------------------------- 2. threads

    public static TheoryData<string> ThreadModels => new() { "ltc-E8", "ntc", "block-ltc" };

    private static ModelConfig NamedConfig(string name) => name switch
    {
        "ltc-E8" => CodecTestSupport.Config("ltc", "E8", 8),
        "ntc" => CodecTestSupport.Config("ntc", "Z2", 3),
        "block-ltc" => CodecTestSupport.BlockConfig(2),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(ThreadModels))]
    public void FileBytesDoNotDependOnTheThreadCount(string name)
    {
        var codec = CodecTestSupport.NewCodec(NamedConfig(name));
        bool block = codec.VectorsPerRow > 1;
        int count = block ? 8 * 125 + 5 : 1000, chunkRows = block ? 6 : 50;
        var x = CodecTestSupport.Gaussian(count, codec.VectorDimension, 3, seed: 5);
        var files = new[] { 1, 2, 3 }.Select(t => FileCodec.Compress(codec, x, new CodecOptions(Threads: t, ChunkRows: chunkRows))).ToArray();
        Assert.True(CodecTestSupport.Header(codec, files[0]).ChunkCount >= 20);
        Assert.Equal(files[0], files[1]);
        Assert.Equal(files[0], files[2]);
        var one = FileCodec.Decompress(codec, files[0], new CodecOptions(Threads: 1));
        var three = FileCodec.Decompress(codec, files[0], new CodecOptions(Threads: 3));
        CodecTestSupport.AssertSameBits(one, three, $"{name}: decoded with 1 and 3 threads");
        CodecTestSupport.AssertSameBits(FileCodec.Reconstruct(codec, x, chunkRows), three, name);
    }

    // ---------------------------------------------------------------- 3. streaming

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StreamingNpyToLtcToNpyKeepsTypeAndShapeAndDecodesExactly(bool float32)
    {
        var codec = CodecTestSupport.NewCodec(CodecTestSupport.Config("ltc", "E8", 8));
        const int count = 1100, d = 8, chunkRows = 64;
        var x = CodecTestSupport.Gaussian(count, d, 3, seed: 11);
        string inPath = Path.Combine(_dir, "in.npy"), ltcPath = Path.Combine(_dir, "x.ltc"), outPath = Path.Combine(_dir, "out.npy");
        double[] widened;
        if (float32)
        {
            var f = x.Select(v => (float)v).ToArray();
            Npy.Write(inPath, f, count, d);
            widened = f.Select(v => (double)v).ToArray();
        }
        else
        {
            Npy.Write(inPath, x, count, d);
            widened = x;
        }
        var options = new CodecOptions(Threads: 2, ChunkRows: chunkRows);
        CodecReport report;
        using (var reader = NpyMatrixReader.Open(inPath))
        using (var fs = new FileStream(ltcPath, FileMode.CreateNew))
            report = FileCodec.Compress(codec, reader, fs, options);
        Assert.Equal(count, report.Vectors);
        Assert.Equal(d, report.Dimension);
        Assert.Equal(new FileInfo(ltcPath).Length, report.FileBytes);

        // The same values given in memory make the same file.
        var elementType = float32 ? LtcElementType.Float32 : LtcElementType.Float64;
        Assert.Equal(FileCodec.Compress(codec, widened, options, elementType), File.ReadAllBytes(ltcPath));

        using (var reader = LtcReader.Open(ltcPath, codec.Fingerprint))
        {
            Assert.Equal((count + chunkRows - 1) / chunkRows, reader.Header.ChunkCount);
            Assert.Equal(elementType, reader.Header.ElementType);
            using var os = new FileStream(outPath, FileMode.CreateNew);
            var dr = FileCodec.Decompress(codec, reader, os, options);
            Assert.Equal(count, dr.Vectors);
            Assert.Equal(new FileInfo(ltcPath).Length, dr.FileBytes);
        }
        var back = Npy.Read(outPath);
        Assert.Equal(float32 ? NpyType.Float32 : NpyType.Float64, back.Type);
        Assert.Equal(new long[] { count, d }, back.Shape);
        var expected = FileCodec.Reconstruct(codec, widened, chunkRows);
        if (float32) expected = expected.Select(v => (double)(float)v).ToArray();
        CodecTestSupport.AssertSameBits(expected, back.Data, float32 ? "float32" : "float64");
        CodecTestSupport.AssertSameBits(FileCodec.Decompress(codec, File.ReadAllBytes(ltcPath)).Select(v => float32 ? (float)v : v).ToArray(), back.Data, "in-memory decode");
    }

    [Fact]
    public void AOneDimensionalArrayStreamsThroughAScalarModelAndStaysOneDimensional()
    {
        var codec = CodecTestSupport.NewCodec(CodecTestSupport.Config("ntc", "Z1", 1));
        Assert.Equal(1, codec.VectorDimension);
        const int count = 700;
        var x = CodecTestSupport.Gaussian(count, 1, 3, seed: 12);
        string inPath = Path.Combine(_dir, "v.npy"), ltcPath = Path.Combine(_dir, "v.ltc"), outPath = Path.Combine(_dir, "v-out.npy");
        Npy.Write(inPath, x, count);
        var options = new CodecOptions(Threads: 2, ChunkRows: 64);
        using (var reader = NpyMatrixReader.Open(inPath))
        using (var fs = new FileStream(ltcPath, FileMode.CreateNew))
            FileCodec.Compress(codec, reader, fs, options);
        using (var reader = LtcReader.Open(ltcPath, codec.Fingerprint))
        {
            Assert.Equal(new long[] { count }, reader.Header.Shape);
            Assert.Equal(11, reader.Header.ChunkCount);
            using var os = new FileStream(outPath, FileMode.CreateNew);
            FileCodec.Decompress(codec, reader, os, options);
        }
        var back = Npy.Read(outPath);
        Assert.Equal(new long[] { count }, back.Shape);
        Assert.Equal(NpyType.Float64, back.Type);
        CodecTestSupport.AssertSameBits(FileCodec.Reconstruct(codec, x, 64), back.Data, "1-d");
    }

    // ---------------------------------------------------------------- 4. model file

    [Fact]
    public void SavedTablesLoadIdenticallyAndTheFingerprintCoversEveryTableByte()
    {
        var cfg = CodecTestSupport.Config("ltc", "E8", 8);
        var model = TorchTestSupport.NewModel(cfg);
        var bare = ModelFile.Fingerprint(model);
        var latent = ModelCodec.Fit(model, CodecTestSupport.SourceOf(cfg), 3000, seed: 3);
        Assert.Same(latent, model.Codec);
        var fingerprint = ModelFile.Fingerprint(model);
        Assert.NotEqual(bare, fingerprint);

        string path = Path.Combine(_dir, "m.ltcm");
        ModelFile.Save(path, model);
        var loaded = ModelFile.Load(path).Model;
        var tables = model.Codec!.ToBytes();
        Assert.Equal(tables, loaded.Codec!.ToBytes());
        Assert.Equal(fingerprint, ModelFile.Fingerprint(loaded));
        var original = new ModelCodec(model);
        var reloaded = new ModelCodec(loaded);
        Assert.Equal(original.Fingerprint.ToArray(), reloaded.Fingerprint.ToArray());
        Assert.Equal(fingerprint, reloaded.Fingerprint.ToArray());
        Assert.Equal(ModelFile.FingerprintBytes, fingerprint.Length);

        // The loaded model makes the same file and decodes it to the same values.
        var x = CodecTestSupport.Gaussian(300, 8, 3, seed: 21);
        var options = new CodecOptions(Threads: 2, ChunkRows: 100);
        var file = FileCodec.Compress(original, x, options);
        Assert.Equal(file, FileCodec.Compress(reloaded, x, options));
        CodecTestSupport.AssertSameBits(FileCodec.Decompress(original, file), FileCodec.Decompress(reloaded, file), "reloaded");

        // The tables are the last block of the file, followed (version 3) by the SHA-256 of every byte before it.
        // Changing the lowest integer of the first table by one (still a valid table) and re-sealing the file gives
        // another model: another fingerprint, and the first model's files are refused. (Not re-sealed, the checksum
        // refuses the file: RobustnessCliTests.ModelFilesCarryAChecksumAndOlderVersionsStillLoad.)
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(tables, bytes[^(tables.Length + 32)..^32]);
        static byte[] Reseal(byte[] b)
        {
            SHA256.HashData(b.AsSpan(0, b.Length - 32)).CopyTo(b.AsSpan(b.Length - 32));
            return b;
        }
        int start = bytes.Length - 32 - tables.Length;
        int m = 8, firstTable = start + 4 + 2 + 1 + 2 + 8 * m + 8 * m + 8 * m * m;
        var changed = (byte[])bytes.Clone();
        changed[firstTable] ^= 1;
        string changedPath = Path.Combine(_dir, "changed.ltcm");
        File.WriteAllBytes(changedPath, Reseal(changed));
        var other = ModelFile.Load(changedPath).Model;
        Assert.NotEqual(fingerprint, ModelFile.Fingerprint(other));
        var otherTables = other.Codec!.ToBytes();
        Assert.Equal(tables.Length, otherTables.Length);
        Assert.Equal(new[] { firstTable - start }, Enumerable.Range(0, tables.Length).Where(i => tables[i] != otherTables[i]));
        var e = Assert.ThrowsAny<LtcException>(() => FileCodec.Decompress(new ModelCodec(other), file));
        Assert.DoesNotContain('\n', e.Message);

        // A frequency byte changed: the frequencies no longer sum to 2^precision, a one-line error naming the file.
        var broken = (byte[])bytes.Clone();
        broken[firstTable + 8 + 1 + 2] ^= 1;
        string brokenPath = Path.Combine(_dir, "broken.ltcm");
        File.WriteAllBytes(brokenPath, Reseal(broken));
        var be = Assert.ThrowsAny<LtcException>(() => ModelFile.Load(brokenPath));
        Assert.DoesNotContain('\n', be.Message);
        Assert.Contains("broken.ltcm", be.Message);
    }

    [Fact]
    public void AModelWithoutTablesIsAOneLineErrorAndFittingChecksTheSource()
    {
        var cfg = CodecTestSupport.Config("ltc", "A2", 2, "flow");
        var model = TorchTestSupport.NewModel(cfg);
        var e = Assert.Throws<LtcException>(() => new ModelCodec(model));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("fit-coder", e.Message);

        string path = Path.Combine(_dir, "bare.ltcm");
        ModelFile.Save(path, model);
        var loaded = ModelFile.Load(path).Model;
        Assert.Null(loaded.Codec);
        Assert.Equal(ModelFile.Fingerprint(model), ModelFile.Fingerprint(loaded));
        Assert.Throws<LtcException>(() => new ModelCodec(loaded));
        Assert.Throws<LtcException>(() => CodedEvaluator.Evaluate(loaded, CodecTestSupport.SourceOf(cfg), new EvalOptions(256, 16, 1)));

        var wrong = Assert.Throws<LtcException>(() => ModelCodec.Fit(model, SourceCatalog.Parse("gaussian", 3), 100));
        Assert.Contains("dimension", wrong.Message);
        Assert.Null(model.Codec);
    }

    [Fact]
    public void CodedEvaluationDecodesExactlyAndCountsTheHeaderInTheFileRate()
    {
        var cfg = CodecTestSupport.Config("ltc", "A2", 2, "flow");
        var model = CodecTestSupport.NewFittedModel(cfg);
        var r = CodedEvaluator.Evaluate(model, CodecTestSupport.SourceOf(cfg), new EvalOptions(Samples: 1000, McSamples: 64, Replicates: 1), threads: 2);
        Assert.True(r.Exact);
        Assert.Equal(1000, r.Estimated.TestVectors);
        Assert.InRange(r.PayloadBytes, 1, r.FileBytes - 124);
        Assert.True(r.FileRate > r.PayloadRate && r.PayloadRate > 0);
        Assert.Equal(8.0 * r.FileBytes / (1000 * 2), r.FileRate, 12);
    }

    // ---------------------------------------------------------------- 5. golden files

    /// <summary>
    /// Pins the bytes of the format without torch: E8 at unit volume in its scaled-integer form, tables fitted by
    /// LatentCodec.Fit to 2000 seeded Irwin–Hall vectors, 300 further vectors compressed through the identity transform
    /// in chunks of 64 rows. The three hashes pin (a) the codec's stored bytes (quantizer structure and the integer
    /// frequency tables that Fit's histogram, smoothing and table quantization produce), (b) the whole .ltc container
    /// (header fields, chunk lengths, checksums, rANS payloads) and (c) the decoded lattice integers. A deliberate
    /// change of the table arithmetic or the file format must update these constants (and docs/file-format.md).
    /// </summary>
    [Fact]
    public void ReconstructRefusesZeroRowsPerChunkAndPartialVectors()
    {
        var quantizer = LatentQuantizer.ForLattice(LatticeCatalog.Parse("E8").WithUnitVolume());
        var train = CodecTestSupport.Gaussian(500, 8, 1.5, seed: 11);
        var t = new long[train.Length];
        quantizer.Quantize(train, t);
        var codec = new IdentityCodec(LatentCodec.Fit(quantizer, t), "reconstruct arguments");
        Assert.Throws<ArgumentOutOfRangeException>(() => FileCodec.Reconstruct(codec, train, 0)); // used to loop forever
        Assert.Contains("whole number", Assert.Throws<LtcException>(() => FileCodec.Reconstruct(codec, new double[7], 256)).Message);
        Assert.Equal(train.Length, FileCodec.Reconstruct(codec, train, 64).Length);
    }

    [Fact]
    public void GoldenFileOfTheIdentityTransformIsByteForByteStable()
    {
        var lattice = LatticeCatalog.Parse("E8").WithUnitVolume();
        var quantizer = LatentQuantizer.ForLattice(lattice);
        Assert.Equal(LatentForm.ScaledIntegers, quantizer.Form);
        var train = CodecTestSupport.Gaussian(2000, 8, 1.5, seed: 2024);
        var t = new long[train.Length];
        quantizer.Quantize(train, t);
        var latent = LatentCodec.Fit(quantizer, t);
        var codec = new IdentityCodec(latent, "ltc golden identity E8");
        var x = CodecTestSupport.Gaussian(300, 8, 1.5, seed: 2025);
        var options = new CodecOptions(Threads: 2, ChunkRows: 64);
        var file = FileCodec.Compress(codec, x, options);

        var stored = CodecTestSupport.StoredIntegers(codec, file);
        var expected = new long[x.Length];
        quantizer.Quantize(x, expected);
        Assert.Equal(expected, stored);
        CodecTestSupport.AssertSameBits(FileCodec.Reconstruct(codec, x, 64), FileCodec.Decompress(codec, file), "identity");

        Assert.Equal(GoldenIdentityTables, CodecTestSupport.Sha256(latent.ToBytes()));
        Assert.Equal(GoldenIdentityFile, CodecTestSupport.Sha256(file));
        Assert.Equal(GoldenIdentityIntegers, CodecTestSupport.Sha256(stored));
        Assert.Equal(GoldenIdentityFileLength, file.Length);
    }

    private const string GoldenIdentityTables = "60d9e257d054d37d57e6c2b00346ce1a32cf8d4d8ea1dddb2e59b09a02cfaeac";
    private const string GoldenIdentityFile = "c5c188633fd6615a37bc56733b7a2eb526dd045e2ce034afc1588e472a919f5e";
    private const string GoldenIdentityIntegers = "dae8c9de23c5ce38c4590757e84ad1d020c67535aa598ac3273f789f04a6a8b0";
    private const int GoldenIdentityFileLength = 1155;

    /// <summary>
    /// The same through a torch model: LTC with E8, linear transforms, torch seed 7, no training, tables fitted to 2000
    /// Gaussian training draws (seed 3). Besides the container and tables this pins the model's initialization and
    /// serialization (through the fingerprint in the header) and g_a's float32 arithmetic (through the integers); a
    /// change of TorchSharp's initializers or of the model file layout must update it. (g_a's last float32 bit can
    /// vary between calls, see TransformsGiveTheSameBitsOnEveryCall, but that moves a latent across a cell boundary
    /// only with negligible probability; the hashes were the same in repeated runs.)
    /// </summary>
    [Fact]
    public void GoldenFileOfATinyTorchModelIsByteForByteStable()
    {
        var codec = CodecTestSupport.NewCodec(CodecTestSupport.Config("ltc", "E8", 8), fitSamples: 2000);
        var x = CodecTestSupport.Gaussian(300, 8, 3, seed: 2026);
        var file = FileCodec.Compress(codec, x, new CodecOptions(Threads: 2, ChunkRows: 64));
        var stored = CodecTestSupport.StoredIntegers(codec, file);
        Assert.Equal(GoldenTorchFingerprint, Convert.ToHexStringLower(codec.Fingerprint));
        Assert.Equal(GoldenTorchFile, CodecTestSupport.Sha256(file));
        Assert.Equal(GoldenTorchIntegers, CodecTestSupport.Sha256(stored));
    }

    // Regenerated when the fingerprint became architecture + weights + tables (model file version 4): the fingerprint
    // and so the header changed; the stored integers did not.
    private const string GoldenTorchFingerprint = "e6496e64550171cf7ae17935b1757a81a5cde254cb07591f643ad73475dc5f1b";
    private const string GoldenTorchFile = "9cb0f425f6c4a5f0572767306682695247b47b12fdd36f29e83ed46e6679952d";
    private const string GoldenTorchIntegers = "d211436ad00c711aeaae13d523c3266403ad2bd87dd864f1e9ab022b29ec04bc";

    // What the same test pinned before model file version 4: the legacy fingerprint and the file the header held it in.
    private const string GoldenTorchLegacyFingerprint = "be3240b1764387b756b2d4c3cc0c1fbe1e34164e49aa9f138d90e8af79bc13c1";
    private const string GoldenTorchLegacyFile = "b46957226401b86f314bd2b8b1d29871a0aac21cfeed7d3910a5e289a083495c";

    /// <summary>
    /// The golden model's legacy fingerprint is the one the previous definition gave (the golden value before version
    /// 4), and the file that definition wrote — today's file with the legacy fingerprint in its header and the header's
    /// checksum recomputed — is byte for byte the old golden file and decodes, bit-exactly, with today's codec.
    /// </summary>
    [Fact]
    public void TheGoldenModelStillDecodesTheFileItsLegacyFingerprintWrote()
    {
        var codec = CodecTestSupport.NewCodec(CodecTestSupport.Config("ltc", "E8", 8), fitSamples: 2000);
        var legacy = ModelFile.LegacyFingerprint(codec.Model);
        Assert.Equal(GoldenTorchLegacyFingerprint, Convert.ToHexStringLower(legacy));
        Assert.Contains(codec.AcceptedFingerprints, f => f.AsSpan().SequenceEqual(legacy));
        var x = CodecTestSupport.Gaussian(300, 8, 3, seed: 2026);
        var file = FileCodec.Compress(codec, x, new CodecOptions(Threads: 2, ChunkRows: 64));
        // Header: fixed part, then the 32-byte fingerprint; its CRC-32C is the last 4 bytes of the header.
        var old = file.ToArray();
        int at = old.AsSpan().IndexOf(codec.Fingerprint);
        Assert.True(at > 0);
        legacy.CopyTo(old, at);
        using (var reader = LtcReader.Open(new MemoryStream(file), "<ltc>"))
        {
            int h = (int)reader.HeaderBytes;
            BinaryPrimitives.WriteUInt32LittleEndian(old.AsSpan(h - 4), Crc32C.Compute(old.AsSpan(0, h - 4)));
        }
        Assert.Equal(GoldenTorchLegacyFile, CodecTestSupport.Sha256(old));
        CodecTestSupport.AssertSameBits(FileCodec.Decompress(codec, file), FileCodec.Decompress(codec, old), "legacy file");
    }

    // ---------------------------------------------------------------- 7. fuzz

    private static (ModelCodec Codec, byte[] File, double[] Decoded) FuzzSubject()
    {
        var codec = CodecTestSupport.NewCodec(CodecTestSupport.Config("ltc", "E8", 8));
        var x = CodecTestSupport.Gaussian(200, 8, 3, seed: 31);
        var file = FileCodec.Compress(codec, x, new CodecOptions(Threads: 2, ChunkRows: 50));
        Assert.Equal(4, CodecTestSupport.Header(codec, file).ChunkCount);
        return (codec, file, FileCodec.Decompress(codec, file));
    }

    private static void RunWithin(TimeSpan limit, Action work)
    {
        var task = Task.Run(work);
        Assert.True(task.Wait(limit), $"did not finish within {limit.TotalSeconds} s (a decoder hangs?)");
    }

    [Fact]
    public void MutatedFilesAreRejectedWithLtcExceptionsAndNothingElse()
    {
        var (codec, file, decoded) = FuzzSubject();
        int cases = CodecTestSupport.Heavy ? 5000 : 400;
        int changedCount = 0, rejected = 0;
        var failures = new List<string>();
        RunWithin(TimeSpan.FromSeconds(CodecTestSupport.Heavy ? 900 : 120), () =>
        {
            var rng = new Random(20250);
            for (int i = 0; i < cases; i++)
            {
                int kind = rng.Next(5);
                byte[] m;
                string what;
                switch (kind)
                {
                    case 0:
                        {
                            int p = rng.Next(file.Length), bit = rng.Next(8);
                            m = (byte[])file.Clone();
                            m[p] ^= (byte)(1 << bit);
                            what = $"flip bit {bit} of byte {p}";
                            break;
                        }
                    case 1:
                        {
                            // Half of the overwrites hit the header, whose fields are most varied.
                            int p = rng.Next(2) == 0 ? rng.Next(Math.Min(file.Length, 300)) : rng.Next(file.Length);
                            m = (byte[])file.Clone();
                            m[p] = (byte)rng.Next(256);
                            what = $"byte {p} := {m[p]}";
                            break;
                        }
                    case 2:
                        {
                            int len = rng.Next(file.Length);
                            m = file[..len];
                            what = $"truncate to {len}";
                            break;
                        }
                    case 3:
                        {
                            int extra = 1 + rng.Next(16);
                            var tail = new byte[extra];
                            rng.NextBytes(tail);
                            m = [.. file, .. tail];
                            what = $"append {extra}";
                            break;
                        }
                    default:
                        {
                            // Rewriting a byte with its own value: the bytes are unchanged and must decode.
                            int p = rng.Next(file.Length);
                            m = (byte[])file.Clone();
                            m[p] = file[p];
                            what = $"rewrite byte {p}";
                            break;
                        }
                }
                bool changed = !m.AsSpan().SequenceEqual(file);
                if (changed) changedCount++;
                try
                {
                    var back = FileCodec.Decompress(codec, m, new CodecOptions(Threads: 2), "fuzz.ltc");
                    if (changed) failures.Add($"{what}: accepted a changed file");
                    else CodecTestSupport.AssertSameBits(decoded, back, what);
                }
                catch (LtcException e)
                {
                    rejected++;
                    if (!changed) failures.Add($"{what}: rejected an unchanged file ({e.Message})");
                    if (e.Message.Contains('\n')) failures.Add($"{what}: multi-line message");
                }
                catch (Exception e)
                {
                    failures.Add($"{what}: {e.GetType().Name}: {e.Message}");
                }
            }
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.Equal(changedCount, rejected);
        Assert.True(changedCount > cases / 2);
    }

    /// <summary>
    /// Mutations whose checksums are recomputed get past the container and reach the header checks and the rANS
    /// decoder: each must be refused with an LtcException or decode to a full array, never throw anything else or hang.
    /// </summary>
    [Fact]
    public void CorruptionBehindValidChecksumsOnlyGivesLtcExceptions()
    {
        var (codec, file, decoded) = FuzzSubject();
        int hlen = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12));
        var chunkStarts = new List<int>();
        for (int p = hlen; p < file.Length;)
        {
            chunkStarts.Add(p);
            p += 8 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(p));
        }
        Assert.Equal(4, chunkStarts.Count);
        int cases = CodecTestSupport.Heavy ? 4000 : 300;
        int payloadCases = 0, payloadRejected = 0;
        var failures = new List<string>();
        RunWithin(TimeSpan.FromSeconds(CodecTestSupport.Heavy ? 900 : 120), () =>
        {
            var rng = new Random(777);
            for (int i = 0; i < cases; i++)
            {
                var m = (byte[])file.Clone();
                string what;
                bool payload = rng.Next(3) != 0;
                if (payload)
                {
                    // One to three bytes of one chunk's payload, then its CRC-32C recomputed.
                    int c = rng.Next(chunkStarts.Count), start = chunkStarts[c];
                    int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(m.AsSpan(start));
                    int k = 1 + rng.Next(3);
                    for (int j = 0; j < k; j++) m[start + 8 + rng.Next(len)] ^= (byte)(1 + rng.Next(255));
                    BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(start + 4), Crc32C.Compute(m.AsSpan(start + 8, len)));
                    what = $"chunk {c}: {k} bytes";
                }
                else
                {
                    // One header byte after the length field (the fingerprint excepted: it must match), then the
                    // header CRC-32C recomputed.
                    int p;
                    do p = 16 + rng.Next(hlen - 20); while (p < 48);
                    m[p] ^= (byte)(1 + rng.Next(255));
                    BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(hlen - 4), Crc32C.Compute(m.AsSpan(0, hlen - 4)));
                    what = $"header byte {p}";
                }
                bool changed = !m.AsSpan().SequenceEqual(file);
                if (payload && changed) payloadCases++;
                try
                {
                    var back = FileCodec.Decompress(codec, m, new CodecOptions(Threads: 2), "fuzz.ltc");
                    // Accepted: a whole array of finite values (the header may now say another element type).
                    if (back.Length != decoded.Length || back.Any(v => !double.IsFinite(v))) failures.Add($"{what}: accepted with {back.Length} values");
                }
                catch (LtcException e)
                {
                    if (payload && changed) payloadRejected++;
                    if (e.Message.Contains('\n')) failures.Add($"{what}: multi-line message");
                }
                catch (Exception e)
                {
                    failures.Add($"{what}: {e.GetType().Name}: {e.Message}");
                }
            }
            // Random blocks straight into the latent decoder.
            for (int i = 0; i < cases; i++)
            {
                var block = new byte[rng.Next(80)];
                rng.NextBytes(block);
                var t = new long[rng.Next(1, 6) * codec.Latent.Dimension];
                try { codec.Latent.Decode(block, t); }
                catch (LtcFormatException) { }
                catch (Exception e) { failures.Add($"random block of {block.Length} bytes: {e.GetType().Name}: {e.Message}"); }
            }
        });
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        // The rANS end-state check catches almost every corrupt payload even when its checksum is valid.
        Assert.True(payloadRejected >= 0.95 * payloadCases, $"{payloadRejected} of {payloadCases} corrupt payloads rejected");
    }
}
