using System.Diagnostics;
using Ltc.Coding;
using Ltc.IO;

namespace Ltc.Codec;

/// <summary>
/// Compresses arrays of vectors to <c>.ltc</c> files and back through an <see cref="ITransformCodec"/>, streaming:
/// the input is read, coded and written in independent chunks of <see cref="CodecOptions.ChunkRows"/> rows, so memory
/// stays bounded by a few chunks per thread whatever the input's size. Chunks are quantized and entropy coded in
/// parallel; the transforms run on one thread with the same row partition in both directions, so the file's bytes
/// do not depend on the thread count.
/// </summary>
/// <remarks>
/// Block models code n vectors per row; when the vector count is not a multiple of n, the last block is filled up by
/// repeating its last vector, and the decoder drops the copies (the file records the true count in its shape).
/// The file layout is in docs/file-format.md ("Compressed arrays").
/// </remarks>
public static class FileCodec
{
    /// <summary>The header's <c>codec</c> field: this layout of chunks.</summary>
    public const string CodecName = "latent-rans/1";

    /// <summary>Compresses every vector of <paramref name="input"/> to <paramref name="output"/>.</summary>
    /// <exception cref="LtcException">Wrong dimension, an empty array, NaN or infinite values, latents out of range.</exception>
    public static CodecReport Compress(ITransformCodec codec, NpyMatrixReader input, Stream output, CodecOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(input);
        var elementType = input.Type == NpyType.Float32 ? LtcElementType.Float32 : LtcElementType.Float64;
        return Compress(codec, input.Rows, input.Columns, input.Shape.ToArray(), elementType, input.ReadRows, output, options ?? new());
    }

    /// <summary>Compresses <paramref name="vectors"/> (count × d, row-major) into the bytes of a <c>.ltc</c> file.</summary>
    public static byte[] Compress(ITransformCodec codec, ReadOnlySpan<double> vectors, CodecOptions? options = null, LtcElementType elementType = LtcElementType.Float64)
    {
        ArgumentNullException.ThrowIfNull(codec);
        int d = codec.VectorDimension;
        if (vectors.Length % d != 0) throw new LtcException($"the data has {vectors.Length} values, not a whole number of {d}-dimensional vectors");
        var copy = vectors.ToArray();
        long pos = 0;
        int Read(Span<double> dest)
        {
            int n = (int)Math.Min(dest.Length, copy.Length - pos);
            copy.AsSpan((int)pos, n).CopyTo(dest);
            pos += n;
            return n / d;
        }
        var ms = new MemoryStream();
        long count = copy.Length / d;
        Compress(codec, count, d, [count, d], elementType, Read, ms, options ?? new());
        return ms.ToArray();
    }

    /// <summary>
    /// Decompresses <paramref name="input"/> (opened with the codec's <see cref="ITransformCodec.AcceptedFingerprints"/>) into a <c>.npy</c> array of the
    /// original element type and shape.
    /// </summary>
    /// <exception cref="LtcFormatException">The file is corrupt, truncated, or not made by this codec.</exception>
    public static CodecReport Decompress(ITransformCodec codec, LtcReader input, Stream output, CodecOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(input);
        var layout = Layout.Of(codec, input.Header, "file");
        var npyType = input.Header.ElementType == LtcElementType.Float32 ? NpyType.Float32 : NpyType.Float64;
        var writer = new NpyMatrixWriter(output, npyType, layout.Vectors, layout.Dimension, oneDimensional: input.Header.Shape.Count == 1);
        var report = Decode(codec, input, layout, writer.WriteRows, options ?? new());
        writer.Complete();
        return report with { FileBytes = input.FileBytes };
    }

    /// <summary>Decompresses the bytes of a <c>.ltc</c> file into vectors (count × d, row-major).</summary>
    public static double[] Decompress(ITransformCodec codec, byte[] file, CodecOptions? options = null, string name = "<ltc>")
    {
        ArgumentNullException.ThrowIfNull(codec);
        using var reader = LtcReader.Open(new MemoryStream(file, writable: false), name, codec.AcceptedFingerprints);
        var layout = Layout.Of(codec, reader.Header, name);
        if (layout.Vectors * layout.Dimension > Array.MaxLength) throw new LtcException($"{name}: too many values to decompress into memory; use the streaming overload");
        var result = new double[layout.Vectors * layout.Dimension];
        long pos = 0;
        Decode(codec, reader, layout, rows => { rows.CopyTo(result.AsSpan((int)pos)); pos += rows.Length; }, options ?? new());
        return result;
    }

    /// <summary>
    /// The codec's deterministic reconstruction of <paramref name="vectors"/> (count × d): what decompressing their
    /// compressed file gives, computed without coding (same chunks of <paramref name="chunkRows"/> rows, see
    /// <see cref="CodecOptions.RowsPerChunk"/>, and the same transforms).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkRows"/> is not positive.</exception>
    /// <exception cref="LtcException">The length of <paramref name="vectors"/> is not a whole number of vectors.</exception>
    public static double[] Reconstruct(ITransformCodec codec, ReadOnlySpan<double> vectors, int chunkRows)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1); // zero rows per chunk would never advance
        int d = codec.VectorDimension, n = codec.VectorsPerRow, m = codec.Latent.Dimension;
        if (vectors.Length % d != 0) throw new LtcException($"{vectors.Length} values are not a whole number of {d}-dimensional vectors");
        long count = vectors.Length / d;
        var result = new double[vectors.Length];
        long vectorsPerChunk = (long)chunkRows * n;
        for (long start = 0; start < count; start += vectorsPerChunk)
        {
            int vs = (int)Math.Min(vectorsPerChunk, count - start);
            int rows = (vs + n - 1) / n;
            var block = new double[rows * n * d];
            vectors.Slice((int)(start * d), vs * d).CopyTo(block);
            Pad(block, vs, rows * n, d);
            var y = new double[rows * m];
            codec.Analyze(block, rows, y);
            var t = new long[rows * m];
            codec.Latent.Quantizer.Quantize(y, t);
            codec.Latent.Quantizer.Dequantize(t, y);
            codec.Synthesize(y, rows, block);
            block.AsSpan(0, vs * d).CopyTo(result.AsSpan((int)(start * d)));
        }
        return result;
    }

    /// <summary>Checks that <paramref name="count"/> vectors of dimension <paramref name="d"/> can be compressed by <paramref name="codec"/>.</summary>
    /// <param name="codec">The model's codec.</param>
    /// <param name="count">Vectors in the input.</param>
    /// <param name="d">Their dimension.</param>
    /// <param name="inputName">The input's name (its path) for the message; null: "the input".</param>
    /// <exception cref="LtcException">Another dimension, or no vectors.</exception>
    public static void CheckShape(ITransformCodec codec, long count, int d, string? inputName = null)
    {
        ArgumentNullException.ThrowIfNull(codec);
        string input = inputName ?? "the input";
        if (d != codec.VectorDimension) throw new LtcException($"{input} has vectors of dimension {d}, but the model codes dimension {codec.VectorDimension}");
        if (count < 1) throw new LtcException($"{input} has no vectors");
    }

    private delegate int ReadVectors(Span<double> destination);

    private static CodecReport Compress(ITransformCodec codec, long count, int d, long[] shape, LtcElementType elementType,
        ReadVectors read, Stream output, CodecOptions options)
    {
        CheckShape(codec, count, d);
        CheckOptions(options);
        if ((long)options.RowsPerChunk(codec) * codec.VectorsPerRow * d > CodecOptions.MaxChunkValues)
            throw new LtcException($"chunks of {options.RowsPerChunk(codec)} rows exceed {CodecOptions.MaxChunkValues} values; use fewer rows per chunk");
        var clock = Stopwatch.StartNew();
        int n = codec.VectorsPerRow, m = codec.Latent.Dimension, chunkRows = options.RowsPerChunk(codec);
        long rowsTotal = (count + n - 1) / n;
        long chunks = (rowsTotal + chunkRows - 1) / chunkRows;
        if (chunks > LtcFormat.MaxChunks) throw new LtcException($"{count} vectors need {chunks} chunks, more than the format's {LtcFormat.MaxChunks}; use larger chunks");
        var header = new LtcHeader(codec.Fingerprint, codec.Kind, elementType, shape, extra:
        [
            LtcExtra.Text("codec", CodecName),
            LtcExtra.Int64("chunk_rows", chunkRows),
            LtcExtra.Int64("block", n),
            LtcExtra.Int64("latent_dim", m),
        ]) { ChunkCount = (int)chunks };
        long start = output.CanSeek ? output.Position : 0;
        var writer = new LtcWriter(output, header);
        int threads = options.EffectiveThreads;
        int perRound = 2 * threads;
        long vectorsPerChunk = (long)chunkRows * n, done = 0;
        double transform = 0;
        var inputs = new double[perRound][];
        var latents = new double[perRound][];
        var payloads = new byte[perRound][];
        var rowsIn = new int[perRound];
        for (long chunk = 0; chunk < chunks; chunk += perRound)
        {
            options.Cancellation.ThrowIfCancellationRequested();
            int inRound = (int)Math.Min(perRound, chunks - chunk);
            for (int c = 0; c < inRound; c++)
            {
                int vs = (int)Math.Min(vectorsPerChunk, count - done);
                int rows = (vs + n - 1) / n;
                var x = inputs[c] ??= new double[Math.Min(vectorsPerChunk, rowsTotal * n) * d];
                int got = ReadAll(read, x.AsSpan(0, vs * d), d);
                if (got != vs) throw new LtcException($"the input ended after {done + got} of {count} vectors");
                CheckFinite(x.AsSpan(0, vs * d), done, d);
                Pad(x, vs, rows * n, d);
                var y = latents[c] ??= new double[Math.Min(chunkRows, rowsTotal) * m];
                long t0 = Stopwatch.GetTimestamp();
                codec.Analyze(x.AsSpan(0, rows * n * d), rows, y.AsSpan(0, rows * m));
                transform += Stopwatch.GetElapsedTime(t0).TotalSeconds;
                rowsIn[c] = rows;
                done += vs;
            }
            ForEachChunk(inRound, threads, c =>
            {
                var t = new long[rowsIn[c] * m];
                codec.Latent.Quantizer.Quantize(latents[c].AsSpan(0, t.Length), t);
                payloads[c] = codec.Latent.Encode(t);
            });
            for (int c = 0; c < inRound; c++) writer.WriteChunk(payloads[c]);
            options.Progress?.Report(new CodecProgress(done, count, clock.Elapsed.TotalSeconds));
        }
        writer.Complete();
        long fileBytes = output.CanSeek ? output.Position - start : -1;
        return new CodecReport(count, d, fileBytes, clock.Elapsed.TotalSeconds) { TransformSeconds = transform };
    }

    private static CodecReport Decode(ITransformCodec codec, LtcReader reader, Layout layout, Action<ReadOnlySpan<double>> write, CodecOptions options)
    {
        CheckOptions(options);
        var clock = Stopwatch.StartNew();
        int n = codec.VectorsPerRow, d = layout.Dimension, m = codec.Latent.Dimension, chunkRows = layout.ChunkRows;
        int threads = options.EffectiveThreads, perRound = 2 * threads;
        long count = layout.Vectors, rowsTotal = layout.Rows, rowsDone = 0, done = 0;
        double transform = 0;
        var payloads = new byte[perRound][];
        var latents = new double[perRound][];
        var rowsIn = new int[perRound];
        var output = new double[Math.Min(chunkRows, rowsTotal) * n * d];
        for (long chunk = 0; chunk < layout.Chunks; chunk += perRound)
        {
            options.Cancellation.ThrowIfCancellationRequested();
            int inRound = (int)Math.Min(perRound, layout.Chunks - chunk);
            for (int c = 0; c < inRound; c++)
            {
                payloads[c] = reader.ReadChunk() ?? throw new LtcFormatException($"{layout.Name}: fewer chunks than the header says");
                rowsIn[c] = (int)Math.Min(chunkRows, rowsTotal - rowsDone);
                rowsDone += rowsIn[c];
            }
            long first = chunk;
            ForEachChunk(inRound, threads, c =>
            {
                var t = new long[rowsIn[c] * m];
                codec.Latent.Decode(payloads[c], t, $"{layout.Name}: chunk {first + c}");
                var y = latents[c] ??= new double[Math.Min(chunkRows, rowsTotal) * m];
                codec.Latent.Quantizer.Dequantize(t, y.AsSpan(0, t.Length));
            });
            for (int c = 0; c < inRound; c++)
            {
                int rows = rowsIn[c];
                long t0 = Stopwatch.GetTimestamp();
                codec.Synthesize(latents[c].AsSpan(0, rows * m), rows, output.AsSpan(0, rows * n * d));
                transform += Stopwatch.GetElapsedTime(t0).TotalSeconds;
                int vs = (int)Math.Min((long)rows * n, count - done);
                write(output.AsSpan(0, vs * d));
                done += vs;
            }
            options.Progress?.Report(new CodecProgress(done, count, clock.Elapsed.TotalSeconds));
        }
        if (reader.ReadChunk() is not null) throw new LtcFormatException($"{layout.Name}: more chunks than expected");
        return new CodecReport(count, d, reader.FileBytes, clock.Elapsed.TotalSeconds) { TransformSeconds = transform };
    }

    /// <summary>How a file's vectors are cut into rows and chunks, checked against the codec.</summary>
    private sealed record Layout(string Name, long Vectors, int Dimension, long Rows, int ChunkRows, long Chunks)
    {
        public static Layout Of(ITransformCodec codec, LtcHeader h, string name)
        {
            if (h.ModelName != codec.Kind) throw new LtcFormatException($"{name}: written by a '{h.ModelName}' model, not '{codec.Kind}'");
            if (h.Find("codec") is not { Type: LtcExtraType.Text } cf || cf.AsText() != CodecName)
                throw new LtcFormatException($"{name}: not a compressed array of this codec (codec field missing or unknown)");
            if (h.ElementType is not (LtcElementType.Float32 or LtcElementType.Float64)) throw new LtcFormatException($"{name}: element type {h.ElementType} is not float32 or float64");
            if (h.Shape.Count is not (1 or 2)) throw new LtcFormatException($"{name}: shape of rank {h.Shape.Count}, expected (count, d) or (count)");
            long count = h.Shape[0];
            int d = h.Shape.Count == 2 ? (int)Math.Min(h.Shape[1], int.MaxValue) : 1;
            if (d != codec.VectorDimension) throw new LtcFormatException($"{name}: holds vectors of dimension {d}, the model codes {codec.VectorDimension}");
            if (count < 1) throw new LtcFormatException($"{name}: holds no vectors");
            long chunkRows = Int(h, "chunk_rows", name);
            if (chunkRows is < 1 or > CodecOptions.MaxChunkRows || chunkRows * codec.VectorsPerRow * d > CodecOptions.MaxChunkValues)
                throw new LtcFormatException($"{name}: chunk_rows {chunkRows} is out of range");
            if (Int(h, "block", name) != codec.VectorsPerRow || Int(h, "latent_dim", name) != codec.Latent.Dimension)
                throw new LtcFormatException($"{name}: block or latent size differs from the model's");
            int n = codec.VectorsPerRow;
            long rows = (count + n - 1) / n;
            long chunks = (rows + chunkRows - 1) / chunkRows;
            if (chunks != h.ChunkCount) throw new LtcFormatException($"{name}: {h.ChunkCount} chunks, but {count} vectors in chunks of {chunkRows} rows need {chunks}");
            return new Layout(name, count, d, rows, (int)chunkRows, chunks);
        }

        private static long Int(LtcHeader h, string key, string name) => h.Find(key) is { Type: LtcExtraType.Int64 } e
            ? e.AsInt64()
            : throw new LtcFormatException($"{name}: header field '{key}' is missing");
    }

    // Parallel.For wraps errors; callers get the first one as thrown (a one-line LtcException for bad data).
    private static void ForEachChunk(int count, int threads, Action<int> body)
    {
        try { Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body); }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
    }

    private static void CheckOptions(CodecOptions options)
    {
        if (options.ChunkRows is < 0 or > CodecOptions.MaxChunkRows) throw new LtcException($"chunk rows must be 1..{CodecOptions.MaxChunkRows}, got {options.ChunkRows}");
        if (options.Threads < 0 || options.Threads > 1024) throw new LtcException($"--threads must be 0..1024, got {options.Threads}");
    }

    private static int ReadAll(ReadVectors read, Span<double> destination, int d)
    {
        int total = 0;
        while (total * d < destination.Length)
        {
            int got = read(destination[(total * d)..]);
            if (got == 0) break;
            total += got;
        }
        return total;
    }

    private static void CheckFinite(ReadOnlySpan<double> x, long firstVector, int d)
    {
        for (int i = 0; i < x.Length; i++)
            if (!double.IsFinite(x[i]))
                throw new LtcException($"vector {firstVector + i / d}, coordinate {i % d} is {x[i]} (NaN or infinite values cannot be compressed)");
    }

    // Fills vectors [real, total) with copies of the last real vector, so a partial block codes like a full one.
    private static void Pad(double[] x, int real, int total, int d)
    {
        for (int v = real; v < total; v++) x.AsSpan((real - 1) * d, d).CopyTo(x.AsSpan(v * d, d));
    }
}
