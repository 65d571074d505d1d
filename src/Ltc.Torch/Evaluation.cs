using System.Diagnostics;
using Ltc.Lattices;
using Ltc.Sources;
using static TorchSharp.torch;

namespace Ltc.Torch;

/// <summary>Settings of an evaluation.</summary>
/// <param name="Samples">Test vectors drawn from a synthetic source (finite data sets use their whole test split).</param>
/// <param name="McSamples">Cell samples per rate estimate (lattice models).</param>
/// <param name="Replicates">Independent sets of cell samples; the spread of their rates gives the Monte Carlo error.</param>
/// <param name="Sampling">How cell samples are drawn (scrambled Sobol by default, as the paper's evaluation).</param>
/// <param name="Seed">Seed of the test draws, dither and cell samples.</param>
/// <param name="DensitySamples">Samples M of the learned density that join the cell samples of every rate estimate
/// (<see cref="LatticeEntropyModel.LogCellProbability"/>); null for as many as cell samples (their cost is small
/// next to the B·N cell evaluations; near zero rate they remove the estimate's upward bias and most of its Monte Carlo
/// error, elsewhere the error stays of the same order), 0 for the cell samples alone.</param>
public sealed record EvalOptions(int Samples = 16384, int McSamples = 2048, int Replicates = 4,
    CellSampling Sampling = CellSampling.ScrambledSobol, int Seed = 12345, int? DensitySamples = null)
{
    /// <summary>The density samples M an evaluation uses.</summary>
    public int EffectiveDensitySamples => DensitySamples ?? McSamples;

    /// <summary>Most test vectors drawn from a synthetic source.</summary>
    public const int MaxSamples = 1 << 24;
    /// <summary>Most cell-sample replicates.</summary>
    public const int MaxReplicates = 1000;
    /// <summary>Most values an evaluation holds: test vectors × dimension, and replicates × test vectors rates
    /// (2^26 float64 values, 512 MiB).</summary>
    public const long MaxValues = 1L << 26;

    /// <summary>
    /// The evaluation of a model of configuration <paramref name="config"/> on <paramref name="source"/>: each setting
    /// left null comes from <paramref name="profile"/> (default: the profile the model was trained with,
    /// <see cref="ModelConfig.Profile"/>, or <see cref="TrainingProfile.Quick"/> for other names), the seed from the
    /// model's (<see cref="ModelConfig.Seed"/> + 1000, so test draws never repeat training draws); checked with
    /// <see cref="Validated(VectorSource, int)"/>.
    /// </summary>
    /// <exception cref="LtcException">A count out of range, or an evaluation too large for memory.</exception>
    public static EvalOptions For(ModelConfig config, VectorSource source, int? samples = null, int? cellSamples = null, int? replicates = null,
        CellSampling sampling = CellSampling.ScrambledSobol, int? seed = null, TrainingProfile? profile = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        profile ??= TrainingProfile.Find(config.Profile) ?? TrainingProfile.Quick;
        return new EvalOptions(samples ?? profile.EvalSamples, cellSamples ?? profile.EvalMcSamples, replicates ?? profile.EvalReplicates,
            sampling, seed ?? config.Seed + 1000).Validated(source, config.LatentSize);
    }

    /// <summary>Throws a one-line error for counts out of range (checked before training, not after it).</summary>
    public EvalOptions Validated()
    {
        if (DensitySamples is < 0 or > ModelConfig.MaxCellSamples)
            throw new LtcException($"evaluation density samples must be between 0 and {ModelConfig.MaxCellSamples}, got {DensitySamples}");
        if (Samples < 1 || Samples > MaxSamples || McSamples < 1 || McSamples > ModelConfig.MaxCellSamples || Replicates < 1 || Replicates > MaxReplicates)
            throw new LtcException($"evaluation needs positive test samples (at most {MaxSamples}), cell samples (at most {ModelConfig.MaxCellSamples}) " +
                $"and replicates (at most {MaxReplicates}); got {Samples}, {McSamples}, {Replicates}");
        return this;
    }

    /// <summary>
    /// <see cref="Validated()"/>, and bounds the memory an evaluation on <paramref name="source"/> of a model with
    /// latents of <paramref name="latentSize"/> coordinates needs (synthetic sources draw <see cref="Samples"/> test
    /// vectors; data sets use their whole test split).
    /// </summary>
    public EvalOptions Validated(VectorSource source, int latentSize)
    {
        ArgumentNullException.ThrowIfNull(source);
        Validated();
        int dim = source.Dimension;
        long count = source.IsSynthetic ? Samples : (source.Rows(SourceSplit.Test)?.LongLength ?? 0) / Math.Max(1, dim);
        if (count * dim > MaxValues)
            throw new LtcException($"evaluation of {count} test vectors of dimension {dim} needs {count * dim:N0} values; at most {MaxValues:N0}: lower the test samples");
        if (count * Replicates > MaxValues)
            throw new LtcException($"evaluation of {count} test vectors with {Replicates} replicates keeps {count * Replicates:N0} rates; at most {MaxValues:N0}");
        if ((long)McSamples * latentSize * Replicates > MaxValues)
            throw new LtcException($"{Replicates} replicates of {McSamples} cell samples in {latentSize} dimensions need {(long)McSamples * latentSize * Replicates:N0} values; at most {MaxValues:N0}");
        if ((long)EffectiveDensitySamples * latentSize * Replicates > MaxValues)
            throw new LtcException($"{Replicates} replicates of {EffectiveDensitySamples} density samples in {latentSize} dimensions need {(long)EffectiveDensitySamples * latentSize * Replicates:N0} values; at most {MaxValues:N0}");
        return this;
    }
}

/// <summary>What <c>ltc eval</c> reports.</summary>
/// <param name="Rate">Rate per rate unit (bits per scalar sample for i.i.d. sequences, bits per vector otherwise).</param>
/// <param name="RateStderr">Monte Carlo standard error of the rate from the cell-sample replicates (0 for NTC, whose
/// interval probabilities are exact).</param>
/// <param name="RateSamplingStderr">Standard error of the rate from the finite test sample.</param>
/// <param name="RateUnit">bits/sample or bits/vector.</param>
/// <param name="DistortionMse">Mean squared error per coordinate.</param>
/// <param name="DistortionMae">Mean absolute error per coordinate.</param>
/// <param name="SnrDb">10·log10(σ²/MSE) with σ² the per-coordinate variance of the test data.</param>
/// <param name="Variance">The σ² used.</param>
/// <param name="GapToRdDb">SNR of R(D) at this rate minus <see cref="SnrDb"/>; null where R(D) is not known in closed form.</param>
/// <param name="TestVectors">Vectors evaluated (Block-LTC: blocks).</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="TestSet">The test vectors as a report says them (<see cref="VectorSource.DescribeTestCount"/>: a block
/// source counts blocks and the vectors in them).</param>
public sealed record EvalResult(double Rate, double RateStderr, double RateSamplingStderr, string RateUnit,
    double DistortionMse, double DistortionMae, double SnrDb, double Variance, double? GapToRdDb, int TestVectors, double Seconds, string TestSet)
{
    /// <summary>
    /// Bits per rate unit of the payload of a real <c>.ltc</c> file of the same test vectors under the model's coding
    /// tables (header, chunk lengths and checksums excluded; <see cref="CodedEvaluator.PayloadRate"/>); null when not
    /// measured (a model without tables, or an evaluation that did not code).
    /// </summary>
    public double? PayloadRate { get; init; }
}

/// <summary>Measures rate and distortion of a trained model on held-out data.</summary>
public static class Evaluator
{
    /// <summary>
    /// Quantizes the test split for real (rounding around the medians for NTC, the lattice decoder with shared dither
    /// for dithered models) and estimates −log2 P(ŷ) of every quantized latent. For lattice models each of
    /// <see cref="EvalOptions.Replicates"/> independent sets of N cell samples gives a rate; the reported rate is their
    /// mean and its Monte Carlo standard error their standard deviation over √replicates.
    /// </summary>
    /// <remarks>Rates are per rate unit of <paramref name="source"/> (its <see cref="VectorSource.ScalarsPerSample"/> and
    /// <see cref="VectorSource.RateUnit"/>), which may differ from the training source's when a model is evaluated on
    /// another source. <paramref name="cancel"/> is observed between chunks.</remarks>
    public static EvalResult Evaluate(CompressionModel model, VectorSource source, EvalOptions options, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var cfg = model.Config;
        ModelSources.CheckDimension(source, cfg);
        options.Validated(source, model.LatentSize);
        TorchSetup.EnsureConfigured();
        var clock = Stopwatch.StartNew();
        var data = source.Sample(SourceSplit.Test, options.Samples, options.Seed);
        int d = cfg.Dim, count = data.Length / d;
        int reps = model.Quantizer is null ? 1 : options.Replicates;
        var bits = new double[reps, count];
        double se = 0, ae = 0;
        var lattice = model.Quantizer?.Lattice;
        // Bound the [chunk × N × n] tensor of shifted points to about a megabyte: large tensors cost more in page
        // faults and cache misses than they save in per-call overhead.
        int n = cfg.LatentSize;
        // Density samples are tested against every row's cell ([chunk × M × n]), so the larger of N and M sets the chunk.
        int chunk = lattice is null ? 4096 : Math.Clamp(262_144 / Math.Max(1, Math.Max(options.McSamples, options.EffectiveDensitySamples) * n), 1, 4096);
        model.eval();
        using var _ = no_grad();
        var cells = new Tensor[reps];
        var noise = new Tensor[reps];
        for (int r = 0; r < reps && lattice is not null; r++)
        {
            cells[r] = ModelRandomness.CellSamples(RandomStream.EvaluationCells, lattice, options.McSamples, options.Sampling, options.Seed, r);
            noise[r] = ModelRandomness.DensityNoise(RandomStream.EvaluationDensity, options.EffectiveDensitySamples, lattice.Dimension, options.Seed, r);
        }
        for (int start = 0; start < count; start += chunk)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            int m = Math.Min(chunk, count - start);
            var x = Trainer.ToTensor(data[(start * d)..((start + m) * d)], m, d);
            Tensor? dither = cfg.Proxy == QuantizationProxy.Dither && lattice is not null ? ModelRandomness.Dither(RandomStream.EvaluationDither, lattice, m, options.Seed, start) : null;
            // Quantize and reconstruct once; each further set of cell samples only re-estimates the rate.
            var res = model.Forward(x, train: false, lattice is null ? null : cells[0], dither, lattice is null ? null : noise[0]);
            var diff = (x - res.Reconstruction).to(float64);
            se += diff.square().sum().item<double>();
            ae += diff.abs().sum().item<double>();
            for (int r = 0; r < reps; r++)
            {
                var b = (r == 0 ? res.BitsPerVector : model.Bits(res.QuantizedLatent, cells[r], noise[r])).to(float64).data<double>().ToArray();
                for (int i = 0; i < m; i++) bits[r, start + i] = b[i];
            }
        }
        // The evaluated source defines the rate unit (bits per sample of an i.i.d. sequence, else bits per vector).
        double spr = source.ScalarsPerSample;
        var repRates = new double[reps];
        var perVector = new double[count];
        for (int r = 0; r < reps; r++)
        {
            double t = 0;
            for (int i = 0; i < count; i++) { t += bits[r, i]; perVector[i] += bits[r, i] / reps; }
            repRates[r] = t / count / spr;
        }
        double rate = repRates.Average();
        double mcSe = reps > 1 ? Math.Sqrt(repRates.Sum(v => (v - rate) * (v - rate)) / (reps - 1) / reps) : 0;
        double pvMean = perVector.Average();
        double sampSe = count > 1 ? Math.Sqrt(perVector.Sum(v => (v - pvMean) * (v - pvMean)) / (count - 1) / count) / spr : 0;
        double mse = se / data.Length, mae = ae / data.Length;
        double variance = source.Variance(SourceSplit.Test);
        double snr = Metrics.Snr.Db(variance, mse);
        double? gap = source is IidSource { Distribution: IidDistribution.Gaussian } ? Metrics.Snr.GaussianGapDb(rate, mse, variance) : null;
        return new EvalResult(rate, mcSe, sampSe, source.RateUnit, mse, mae, snr, variance, gap, count, clock.Elapsed.TotalSeconds,
            source.DescribeTestCount(count));
    }
}

/// <summary>What <c>ltc eval --coded</c> reports: the estimated rate next to the bits of a real file.</summary>
/// <param name="Estimated">The estimated evaluation (cell-integral rate, distortion of the model's own quantization).</param>
/// <param name="FileBytes">Size of the <c>.ltc</c> file of the test vectors, header included.</param>
/// <param name="PayloadBytes">The coded chunks alone (file bytes less the header and the per-chunk lengths and checksums).</param>
/// <param name="FileRate">File bits per rate unit (bits/sample or bits/vector, as <see cref="EvalResult.RateUnit"/>).</param>
/// <param name="PayloadRate">Payload bits per rate unit.</param>
/// <param name="DifferencePercent">100 · (FileRate − estimated rate) / estimated rate.</param>
/// <param name="DecodedSnrDb">SNR of the decompressed vectors.</param>
/// <param name="DecodedGapToRdDb">Gap to R(D) at the file rate, where R(D) is known.</param>
/// <param name="Exact">Whether the decompressed vectors equal the codec's deterministic reconstruction bit for bit.</param>
/// <param name="CompressSeconds">Wall time of compression.</param>
/// <param name="DecompressSeconds">Wall time of decompression.</param>
public sealed record CodedEvalResult(EvalResult Estimated, long FileBytes, long PayloadBytes, double FileRate, double PayloadRate,
    double DifferencePercent, double DecodedSnrDb, double? DecodedGapToRdDb, bool Exact, double CompressSeconds, double DecompressSeconds)
{
    /// <summary>Size of the file's header (model fingerprint, shape, codec parameters and its checksum), in bytes.</summary>
    public long HeaderBytes { get; init; }
}

/// <summary>Compares a model's estimated rate with the bits of a real compressed file of the same test vectors.</summary>
public static class CodedEvaluator
{
    /// <summary>
    /// Evaluates <paramref name="model"/> as <see cref="Evaluator.Evaluate"/> does, then compresses the same test
    /// vectors to an in-memory <c>.ltc</c> file, decompresses it, and checks the output against the codec's
    /// deterministic reconstruction (see <see cref="Compare"/>).
    /// </summary>
    /// <exception cref="LtcException">The model has no coding tables, or the source does not fit the model.</exception>
    public static CodedEvalResult Evaluate(CompressionModel model, VectorSource source, EvalOptions options, int threads = 0, CancellationToken cancel = default)
    {
        var codec = new ModelCodec(model);
        var estimated = Evaluator.Evaluate(model, source, options, cancel);
        return Compare(codec, codec, source, options, estimated, threads, cancel);
    }

    /// <summary>
    /// Bits per rate unit of the payload of a <c>.ltc</c> file of the test vectors of <paramref name="options"/> coded
    /// with <paramref name="codec"/> (compressed in memory, not decoded): what files of the model cost, which
    /// <see cref="EvalResult.Rate"/> estimates from the model's density. The two differ where the coding tables, which
    /// code each latent coordinate given the lattice residue of the ones coded before it (docs/file-format.md), cannot
    /// follow a dependence between latent coordinates that a joint prior (RealNVP) counts.
    /// </summary>
    /// <exception cref="LtcException">The model has no coding tables, or the source does not fit it.</exception>
    public static double PayloadRate(ModelCodec codec, VectorSource source, EvalOptions options, int threads = 0, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var data = source.Sample(SourceSplit.Test, options.Samples, options.Seed);
        var file = Codec.FileCodec.Compress(codec, data, new Codec.CodecOptions(threads, Cancellation: cancel));
        using var reader = Coding.LtcReader.Open(new MemoryStream(file), "<ltc>");
        long payload = reader.ValidateAll();
        return 8.0 * payload / ((double)(data.Length / codec.Model.Config.Dim) * source.ScalarsPerSample);
    }

    /// <summary>
    /// Compresses the test vectors of <paramref name="options"/> (the ones <paramref name="estimated"/> was computed
    /// on) with <paramref name="encoder"/> to the bytes of a <c>.ltc</c> file (float64, one chunk per about 2^20
    /// values), decompresses them with <paramref name="decoder"/> — which may be the same model loaded from its saved
    /// file, so that only the file and the model file reach the decoder — and compares: file and payload bits per rate
    /// unit against the estimated rate, the SNR of the decoded vectors (and their gap to R(D) where
    /// <paramref name="estimated"/> has one), and whether they equal the encoder's deterministic reconstruction
    /// (<see cref="Codec.FileCodec.Reconstruct"/>) bit for bit.
    /// </summary>
    /// <param name="encoder">The codec that writes the file.</param>
    /// <param name="decoder">The codec that reads it; it must accept the file's fingerprint.</param>
    /// <param name="source">The source the test vectors are drawn from; its rate unit is the result's.</param>
    /// <param name="options">The evaluation settings (test vectors and seed).</param>
    /// <param name="estimated">The estimated evaluation of the same test vectors (<see cref="Evaluator.Evaluate"/>).</param>
    /// <param name="threads">Threads for quantization and entropy coding (0: one per core); the bytes do not depend on it.</param>
    /// <param name="cancel">Observed between rounds of chunks.</param>
    /// <exception cref="LtcException">The source does not fit the encoder, or the decoder does not accept the file.</exception>
    public static CodedEvalResult Compare(ModelCodec encoder, ModelCodec decoder, VectorSource source, EvalOptions options, EvalResult estimated,
        int threads = 0, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(estimated);
        var data = source.Sample(SourceSplit.Test, options.Samples, options.Seed);
        var codecOptions = new Codec.CodecOptions(threads, Cancellation: cancel);
        var clock = Stopwatch.StartNew();
        var file = Codec.FileCodec.Compress(encoder, data, codecOptions);
        double compressSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var decoded = Codec.FileCodec.Decompress(decoder, file, codecOptions);
        double decompressSeconds = clock.Elapsed.TotalSeconds;
        var expected = Codec.FileCodec.Reconstruct(encoder, data, codecOptions.RowsPerChunk(encoder));
        bool exact = decoded.AsSpan().SequenceEqual(expected);
        long payload, header;
        using (var reader = Coding.LtcReader.Open(new MemoryStream(file), "<ltc>"))
        {
            payload = reader.ValidateAll();
            header = reader.HeaderBytes;
        }
        long rows = data.Length / encoder.Model.Config.Dim;
        double units = (double)rows * source.ScalarsPerSample;
        double fileRate = 8.0 * file.Length / units, payloadRate = 8.0 * payload / units;
        double se = 0;
        for (int i = 0; i < data.Length; i++) se += (data[i] - decoded[i]) * (data[i] - decoded[i]);
        double snr = Metrics.Snr.Db(estimated.Variance, se / data.Length);
        double? gap = estimated.GapToRdDb is null ? null : Metrics.Snr.GaussianGapDb(fileRate, se / data.Length, estimated.Variance);
        return new CodedEvalResult(estimated with { PayloadRate = payloadRate }, file.Length, payload, fileRate, payloadRate, 100 * (fileRate - estimated.Rate) / estimated.Rate,
            snr, gap, exact, compressSeconds, decompressSeconds) { HeaderBytes = header };
    }
}
