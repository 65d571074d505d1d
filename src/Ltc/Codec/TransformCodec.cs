namespace Ltc.Codec;

/// <summary>
/// A learned compressor as the file codec sees it: analysis transform g_a to latents, a <see cref="LatentCodec"/>
/// (quantizer and frozen tables), synthesis transform g_s. Ltc.Torch implements it for its models; any other
/// transform (even the identity) can be plugged in.
/// </summary>
public interface ITransformCodec
{
    /// <summary>The model kind written into the file header (e.g. <c>ltc</c>), at most 63 UTF-8 bytes.</summary>
    string Kind { get; }

    /// <summary>The 32-byte SHA-256 fingerprint of the model; a file records it and only this model decodes it.</summary>
    ReadOnlySpan<byte> Fingerprint { get; }

    /// <summary>
    /// The fingerprints whose files this codec decodes: <see cref="Fingerprint"/> first, then any the same model had
    /// under earlier definitions (files written by earlier builds record those; see docs/file-format.md).
    /// </summary>
    IReadOnlyList<byte[]> AcceptedFingerprints => [Fingerprint.ToArray()];

    /// <summary>Dimension d of one input vector.</summary>
    int VectorDimension { get; }

    /// <summary>Input vectors coded jointly as one row (the block length n of Block-LTC; 1 otherwise).</summary>
    int VectorsPerRow { get; }

    /// <summary>The latent codec; its dimension m is the latent size of one row.</summary>
    LatentCodec Latent { get; }

    /// <summary>
    /// g_a of <paramref name="count"/> rows: <paramref name="rows"/> is count × (n·d), <paramref name="latents"/> count × m.
    /// Called from one thread at a time, with the same row partition on both ends.
    /// </summary>
    void Analyze(ReadOnlySpan<double> rows, int count, Span<double> latents);

    /// <summary>g_s of <paramref name="count"/> quantized latents (count × m) into rows (count × (n·d)).</summary>
    void Synthesize(ReadOnlySpan<double> latents, int count, Span<double> rows);
}

/// <summary>Options of <see cref="FileCodec"/>.</summary>
/// <param name="Threads">Threads for quantization and entropy coding (0: all cores). The file's bytes do not depend on it.</param>
/// <param name="ChunkRows">Coded rows per chunk (a row is one vector, or one block of n for Block-LTC), recorded in the
/// file; 0 chooses about 2^20 input values per chunk, so that the per-chunk bytes (about 30) cost under 0.1 %.</param>
/// <param name="Progress">Receives progress after every round of chunks.</param>
/// <param name="Cancellation">Stops between rounds.</param>
public sealed record CodecOptions(int Threads = 0, int ChunkRows = 0,
    IProgress<CodecProgress>? Progress = null, CancellationToken Cancellation = default)
{
    /// <summary>Input values per chunk when <see cref="ChunkRows"/> is 0: large enough that per-chunk costs vanish,
    /// small enough to bound memory (a few chunks of 8 MiB per thread).</summary>
    public const int DefaultChunkValues = 1 << 20;

    /// <summary>Largest accepted rows per chunk.</summary>
    public const int MaxChunkRows = 1 << 20;

    /// <summary>Largest accepted input values per chunk (2^24, 128 MiB as float64): bounds what a reader allocates for
    /// a chunk whatever a file's header claims.</summary>
    public const long MaxChunkValues = 1 << 24;

    /// <summary>Rows per chunk for <paramref name="codec"/>: <see cref="ChunkRows"/>, or about 2^20 values when it is 0.</summary>
    public int RowsPerChunk(ITransformCodec codec) => ChunkRows > 0
        ? ChunkRows
        : Math.Clamp(DefaultChunkValues / (codec.VectorsPerRow * codec.VectorDimension), 256, MaxChunkRows);

    /// <summary>The thread count to use: <see cref="Threads"/>, or the machine's cores when 0.</summary>
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;
}

/// <summary>Progress of a compression or decompression.</summary>
/// <param name="Vectors">Input vectors done.</param>
/// <param name="Total">Input vectors in all.</param>
/// <param name="Seconds">Wall time so far.</param>
public sealed record CodecProgress(long Vectors, long Total, double Seconds)
{
    /// <summary>Vectors per second so far.</summary>
    public double VectorsPerSecond => Seconds > 0 ? Vectors / Seconds : 0;

    /// <summary>Estimated time left.</summary>
    public TimeSpan Eta => VectorsPerSecond > 0 ? TimeSpan.FromSeconds((Total - Vectors) / VectorsPerSecond) : TimeSpan.Zero;
}

/// <summary>What a compression or decompression did.</summary>
/// <param name="Vectors">Input vectors (rows of the array).</param>
/// <param name="Dimension">Dimension d of a vector.</param>
/// <param name="FileBytes">Size of the whole <c>.ltc</c> file, header included.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record CodecReport(long Vectors, int Dimension, long FileBytes, double Seconds)
{
    /// <summary>File bits per input vector (8 · <see cref="FileBytes"/> / <see cref="Vectors"/>).</summary>
    public double BitsPerVector => 8.0 * FileBytes / Vectors;

    /// <summary>File bits per scalar sample (bits per vector / d).</summary>
    public double BitsPerSample => BitsPerVector / Dimension;

    /// <summary>Part of <see cref="Seconds"/> spent in the transforms (g_a or g_s, one thread); the rest is reading,
    /// quantizing, entropy coding and writing.</summary>
    public double TransformSeconds { get; init; }
}
