using Ltc.Codec;
using Ltc.Sources;
using static TorchSharp.torch;

namespace Ltc.Torch;

/// <summary>
/// A trained <see cref="CompressionModel"/> as a file codec: g_a (<see cref="CompressionModel.Latent"/>) → the model's
/// <see cref="LatentCodec"/> → g_s (<see cref="CompressionModel.FromLatent"/>). Use it with <see cref="FileCodec"/>.
/// </summary>
/// <remarks>
/// The transforms run in float32 on the CPU. TorchSharp's kernels may round differently with another intra-op thread
/// count, and the encoder's quantized latents would follow; set one torch thread (as <c>ltc compress</c> does) when
/// the file bytes must not depend on the machine's settings. The decoder's output depends only on the file, the stored
/// tables and g_s.
/// </remarks>
public sealed class ModelCodec : ITransformCodec
{
    /// <summary>Training vectors the coding tables are fitted to by default.</summary>
    public const int DefaultFitSamples = 1 << 18;

    private readonly CompressionModel _model;
    private readonly byte[] _fingerprint;

    /// <summary>Wraps <paramref name="model"/>, which must have a fitted codec (<see cref="CompressionModel.Codec"/>).</summary>
    /// <exception cref="LtcException">The model has no coding tables.</exception>
    public ModelCodec(CompressionModel model) : this(model, null)
    {
    }

    /// <summary>
    /// Wraps a model read from a file; besides the model's fingerprints it accepts the legacy fingerprint of the file
    /// as stored (<see cref="LoadedModel.StoredLegacyFingerprint"/>), so that <c>.ltc</c> files written with a model
    /// file of version 1 to 3 decode.
    /// </summary>
    /// <exception cref="LtcException">The model has no coding tables.</exception>
    public ModelCodec(LoadedModel loaded) : this((loaded ?? throw new ArgumentNullException(nameof(loaded))).Model, loaded.StoredLegacyFingerprint)
    {
    }

    /// <summary>Why a model cannot code and what to run: the error of a model without coding tables, naming
    /// <paramref name="modelPath"/> when the caller knows it.</summary>
    public static string NoTablesMessage(string? modelPath) =>
        $"{(modelPath is null ? "the model" : modelPath + ":")} has no coding tables (an unfinished training checkpoint, or a model of an older version); run 'ltc fit-coder --model {modelPath ?? "FILE"}'";

    private ModelCodec(CompressionModel model, byte[]? storedLegacy)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        var codec = model.Codec ?? throw new LtcException(NoTablesMessage(null));
        Latent = codec.Quantizer.CanQuantize ? codec : codec.Bind(model.CodecLattice);
        _fingerprint = ModelFile.Fingerprint(model);
        var accepted = new List<byte[]> { _fingerprint };
        foreach (var legacy in new[] { ModelFile.LegacyFingerprint(model), storedLegacy })
            if (legacy is not null && !accepted.Any(a => a.AsSpan().SequenceEqual(legacy))) accepted.Add(legacy);
        AcceptedFingerprints = accepted;
        model.eval();
    }

    /// <inheritdoc/>
    public string Kind => _model.Config.Model.Name();

    /// <inheritdoc/>
    public ReadOnlySpan<byte> Fingerprint => _fingerprint;

    /// <summary>
    /// <see cref="Fingerprint"/>, then the legacy fingerprints of the same model (<see cref="ModelFile.LegacyFingerprint"/>,
    /// and for a model read from a file of version 1 to 3 the one over its stored blocks): the files this codec decodes.
    /// Files are always written with <see cref="Fingerprint"/>.
    /// </summary>
    public IReadOnlyList<byte[]> AcceptedFingerprints { get; }

    /// <inheritdoc/>
    public int VectorDimension => _model.Config.Dim / _model.Config.Block;

    /// <inheritdoc/>
    public int VectorsPerRow => _model.Config.Block;

    /// <inheritdoc/>
    public LatentCodec Latent { get; }

    /// <summary>The model.</summary>
    public CompressionModel Model => _model;

    /// <inheritdoc/>
    public void Analyze(ReadOnlySpan<double> rows, int count, Span<double> latents) =>
        Apply(rows, count, _model.Config.Dim, latents, _model.LatentSize, _model.Latent);

    /// <inheritdoc/>
    public void Synthesize(ReadOnlySpan<double> latents, int count, Span<double> rows) =>
        Apply(latents, count, _model.LatentSize, rows, _model.Config.Dim, _model.FromLatent);

    /// <summary>
    /// Fits coding tables for <paramref name="model"/> to the integer latents of <paramref name="samples"/> vectors
    /// drawn from the training split of <paramref name="source"/> (seeded by <paramref name="seed"/>), and stores them
    /// in <see cref="CompressionModel.Codec"/>. Dithered models are coded with deterministic quantization, Q(y).
    /// </summary>
    /// <exception cref="LtcException">The source's dimension differs from the model's.</exception>
    public static LatentCodec Fit(CompressionModel model, VectorSource source, int samples = DefaultFitSamples, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        ModelSources.CheckDimension(source, model.Config);
        if (samples < 1 || samples > 1 << 24) throw new LtcException($"fitting needs 1..{1 << 24} samples, got {samples}");
        model.eval();
        var quantizer = model.CreateLatentQuantizer();
        int d = model.Config.Dim, m = model.LatentSize;
        var data = new double[(long)samples * d];
        source.Draw(data, SourceSplit.Train, new Random(Seeds.Split(seed, SourceSplit.Train)));
        var t = new long[(long)samples * m];
        var y = new double[(long)samples * m];
        const int chunk = 8192;
        for (int start = 0; start < samples; start += chunk)
        {
            int rows = Math.Min(chunk, samples - start);
            Apply(data.AsSpan(start * d, rows * d), rows, d, y.AsSpan(start * m, rows * m), m, model.Latent);
        }
        LatentCodec codec;
        // TTC: the search uses the tables it codes with, so fitting alternates search and tables (ECTCQ design).
        if (quantizer.Trellis is not null) codec = TrellisLatent.Design(quantizer, y);
        else
        {
            quantizer.Quantize(y, t);
            codec = LatentCodec.Fit(quantizer, t);
        }
        model.Codec = codec;
        return codec;
    }

    // Rows go through the transforms in fixed blocks: a chunk's hidden activations (rows × width floats) would
    // otherwise leave the caches, and the fixed block keeps the row partition the same on both ends.
    private const int TransformRows = 4096;

    private static void Apply(ReadOnlySpan<double> input, int count, int inWidth, Span<double> output, int outWidth, Func<Tensor, Tensor> f)
    {
        if (input.Length != (long)count * inWidth || output.Length != (long)count * outWidth)
            throw new ArgumentException($"expected {count} rows of {inWidth} in and {outWidth} out");
        for (int start = 0; start < count; start += TransformRows)
        {
            int rows = Math.Min(TransformRows, count - start);
            ApplyBlock(input.Slice(start * inWidth, rows * inWidth), rows, inWidth, output.Slice(start * outWidth, rows * outWidth), f);
        }
    }

    private static void ApplyBlock(ReadOnlySpan<double> input, int count, int inWidth, Span<double> output, Func<Tensor, Tensor> f)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = new float[input.Length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)input[i];
        // A tensor over the managed array would let the kernels' rounding depend on where the array happens to lie
        // (their vectorized paths change with alignment); a copy in torch's aligned memory gives the same bits every call.
        var result = f(tensor(x, count, inWidth).clone()).to(float32).cpu().contiguous();
        // One bulk copy: indexing the tensor accessor element by element costs microseconds per vector.
        var values = result.data<float>().ToArray();
        for (int i = 0; i < output.Length; i++) output[i] = values[i];
    }
}
