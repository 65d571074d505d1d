namespace Ltc.Torch;

/// <summary>
/// The report of one evaluation of a model, flat and named as <c>ltc train</c>, <c>sweep</c> and <c>eval</c> print
/// it with <c>--json</c> (in snake_case). Rates are in <see cref="RateUnit"/> of the evaluated
/// <see cref="Source"/>, distortions per coordinate.
/// </summary>
/// <param name="Model">The model file.</param>
/// <param name="Fingerprint">The model's fingerprint (<see cref="ModelFile.Fingerprint"/>) as lower-case hex; null where not reported (sweep).</param>
/// <param name="Kind">The model kind's name (<c>ntc</c>, <c>ltc</c>, ...).</param>
/// <param name="Source">The source evaluated on (the one the rate unit belongs to).</param>
/// <param name="TrainingSource">The source the model was trained on.</param>
/// <param name="Dimension">The model's input dimension: d, or n · d for Block-LTC (one block of <see cref="Block"/> vectors).</param>
/// <param name="LatentDim">Latent dimension dy (Block-LTC: per vector of a block).</param>
/// <param name="Lattice">The lattice's name.</param>
/// <param name="Entropy">The entropy model's name.</param>
/// <param name="Proxy">The training proxy's name.</param>
/// <param name="Lambda">λ of the training.</param>
/// <param name="Profile">The training profile's name.</param>
/// <param name="RateBitsPerSample">The rate in <paramref name="RateUnit"/> (bits per sample of an i.i.d. sequence,
/// bits per vector otherwise; the name is historical).</param>
/// <param name="RateStderr">Monte Carlo standard error of the rate.</param>
/// <param name="RateSamplingStderr">Standard error of the rate from the finite test sample.</param>
/// <param name="RateUnit">bits/sample or bits/vector.</param>
/// <param name="DistortionMse">Mean squared error per coordinate.</param>
/// <param name="DistortionMae">Mean absolute error per coordinate.</param>
/// <param name="SnrDb">SNR in dB.</param>
/// <param name="Variance">Per-coordinate variance σ² of the test data.</param>
/// <param name="GapToRdDb">Gap to R(D) in dB, where R(D) is known in closed form.</param>
/// <param name="TestVectors">Vectors evaluated (Block-LTC: blocks).</param>
/// <param name="TestSet">The test vectors as words, e.g. "4096 test vectors" or, for Block-LTC, "512 test blocks of 8
/// (4096 vectors)" (<see cref="EvalResult.TestSet"/>).</param>
/// <param name="TrainSeconds">Training wall time in seconds (0 when the model was loaded, not trained).</param>
/// <param name="EvalSeconds">Evaluation wall time in seconds.</param>
public sealed record EvaluationReport(string Model, string? Fingerprint, string Kind, string Source, string TrainingSource, int Dimension,
    int LatentDim, string Lattice, string Entropy, string Proxy, double Lambda, string Profile, double RateBitsPerSample, double RateStderr,
    double RateSamplingStderr, string RateUnit, double DistortionMse, double DistortionMae, double SnrDb, double Variance, double? GapToRdDb,
    int TestVectors, string TestSet, double TrainSeconds, double EvalSeconds)
{
    /// <summary>Block-LTC's block length n (vectors coded jointly); null for one-shot models.</summary>
    public int? Block { get; init; }

    /// <summary>Block-LTC: whether it was trained without the running mean of its latents
    /// (<see cref="ModelConfig.NoBlockMean"/>); null for one-shot models.</summary>
    public bool? NoBlockMean { get; init; }

    /// <summary>Steps the model was trained (null where not known, e.g. when a saved model is evaluated).</summary>
    public int? StepsTrained { get; init; }

    /// <summary>For a run trained until converged (<see cref="ConvergenceOptions"/>): whether it reached its final
    /// plateau before its step ceiling; null for a run of a fixed number of steps.</summary>
    public bool? Converged { get; init; }

    /// <summary>For a finished run that kept its best weights (<see cref="ConvergenceOptions.KeepBest"/>): the step of
    /// the held-out check whose weights the model holds; null otherwise (the model holds its last step's weights).</summary>
    public int? WeightsStep { get; init; }

    /// <summary>For a warm-started run: the fingerprint of the model whose weights it started from
    /// (<see cref="TrainingState.InitializedFrom"/>); null for a fresh initialization or where not known.</summary>
    public string? InitializedFrom { get; init; }

    /// <summary>Bits per <see cref="RateUnit"/> of the payload of a real <c>.ltc</c> file of the test vectors
    /// (<see cref="EvalResult.PayloadRate"/>); null when not measured.</summary>
    public double? PayloadRate { get; init; }

    /// <summary>
    /// Files cost more than the estimate by over 10 % and 0.1 bits: the coding tables (one per latent coordinate and
    /// lattice residue) do not capture a dependence between the latent coordinates that the model's density counts.
    /// Converged Block-LTC and factorized-prior models are coded within about 1 % of their estimate
    /// (docs/results/codec.md).
    /// </summary>
    public bool PayloadAboveEstimate => PayloadRate is double p && p - RateBitsPerSample > 0.1 && p > 1.1 * RateBitsPerSample;

    /// <summary>This report with what <paramref name="state"/> (the model file's training state) says of its training:
    /// the steps (null for a model never trained here, e.g. imported weights), whether it converged, and which step's
    /// weights it kept.</summary>
    public EvaluationReport WithTraining(TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return this with { StepsTrained = state.Step > 0 ? state.Step : null, Converged = state.Convergence?.Converged, WeightsStep = state.WeightsStep, InitializedFrom = state.InitializedFrom };
    }

    /// <summary>The report of <paramref name="result"/>, an evaluation on <paramref name="source"/> of the model of
    /// configuration <paramref name="config"/> saved in <paramref name="modelPath"/>.</summary>
    public static EvaluationReport Of(ModelConfig config, string source, EvalResult result, double trainSeconds, string modelPath, string? fingerprint)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(result);
        return new EvaluationReport(modelPath, fingerprint, config.Model.Name(), source, config.Source, config.Dim, config.LatentDim,
            config.Lattice.Name, config.Entropy.Name(), config.Proxy.Name(), config.Lambda, config.Profile, result.Rate, result.RateStderr,
            result.RateSamplingStderr, result.RateUnit, result.DistortionMse, result.DistortionMae, result.SnrDb, result.Variance,
            result.GapToRdDb, result.TestVectors, result.TestSet, trainSeconds, result.Seconds)
        {
            Block = config.Model == ModelKind.BlockLtc ? config.Block : null,
            NoBlockMean = config.Model == ModelKind.BlockLtc ? config.NoBlockMean : null,
            PayloadRate = result.PayloadRate,
        };
    }
}

/// <summary>
/// The report of a coded evaluation (<c>ltc eval --coded --json</c>): the estimate next to the bits of a real file of
/// the same test vectors (<see cref="CodedEvalResult"/>). Rates are in <see cref="RateUnit"/>.
/// </summary>
/// <param name="Estimate">The estimated evaluation.</param>
/// <param name="FileBytes">Size of the <c>.ltc</c> file, header included.</param>
/// <param name="PayloadBytes">The coded chunks alone.</param>
/// <param name="FileRate">File bits per rate unit.</param>
/// <param name="PayloadRate">Payload bits per rate unit.</param>
/// <param name="RateUnit">bits/sample or bits/vector.</param>
/// <param name="EstimatedRate">The estimated rate per rate unit.</param>
/// <param name="DifferencePercent">100 · (file rate − estimated rate) / estimated rate.</param>
/// <param name="DecodedSnrDb">SNR of the decompressed vectors in dB.</param>
/// <param name="DecodedGapToRdDb">Gap to R(D) at the file rate, where R(D) is known.</param>
/// <param name="Exact">Whether the decompressed vectors equal the codec's reconstruction bit for bit.</param>
/// <param name="CompressSeconds">Wall time of compression.</param>
/// <param name="DecompressSeconds">Wall time of decompression.</param>
public sealed record CodedEvaluationReport(EvaluationReport Estimate, long FileBytes, long PayloadBytes, double FileRate, double PayloadRate,
    string RateUnit, double EstimatedRate, double DifferencePercent, double DecodedSnrDb, double? DecodedGapToRdDb, bool Exact,
    double CompressSeconds, double DecompressSeconds)
{
    /// <summary>File rate minus estimated rate, in <see cref="RateUnit"/>: the measure of the difference that stays
    /// meaningful near zero rate, where <see cref="DifferencePercent"/> divides by almost nothing.</summary>
    public double DifferenceBits => FileRate - EstimatedRate;

    /// <summary>The report of <paramref name="coded"/>, a coded evaluation on <paramref name="source"/> of the model
    /// of configuration <paramref name="config"/> saved in <paramref name="modelPath"/>, trained for <paramref name="trainSeconds"/> seconds (0: not known).</summary>
    public static CodedEvaluationReport Of(ModelConfig config, string source, CodedEvalResult coded, string modelPath, string? fingerprint, double trainSeconds = 0)
    {
        ArgumentNullException.ThrowIfNull(coded);
        var r = coded.Estimated;
        return new CodedEvaluationReport(EvaluationReport.Of(config, source, r, trainSeconds, modelPath, fingerprint), coded.FileBytes, coded.PayloadBytes,
            coded.FileRate, coded.PayloadRate, r.RateUnit, r.Rate, coded.DifferencePercent, coded.DecodedSnrDb, coded.DecodedGapToRdDb, coded.Exact,
            coded.CompressSeconds, coded.DecompressSeconds);
    }
}
