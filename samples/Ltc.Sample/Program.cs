// A .NET program using Ltc as a library: train a small LTC model with the E8 lattice on i.i.d. Gaussian vectors,
// compress an in-memory array of vectors to the bytes of a .ltc file, decompress them, and check the result.
using Ltc.Codec;
using Ltc.Sources;
using Ltc.Torch;

int steps = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 300;
TorchSetup.Configure("cpu", 1);

// The model: 8-dimensional Gaussian sequences, linear transforms, the E8 lattice at unit cell volume, λ = 8.
var source = SourceCatalog.Parse("gaussian", 8);
var config = new ModelConfig
{
    Model = ModelKind.Ltc, Source = "gaussian", Dim = 8, LatentDim = 8, ScalarsPerSample = 8, Transform = TransformKind.Linear,
    Lattice = "E8", Entropy = EntropyModelKind.Factorized, Lambda = 8, Steps = steps, Batch = 256, Lr = 2e-3, McSamples = 64, Seed = 1,
};
var trained = TrainingRun.Train(config, source, new EvalOptions(Samples: 2048, McSamples: 64, Replicates: 1));
Console.WriteLine($"trained {steps} steps: estimated {trained.Evaluation.Rate:F3} bits/sample, SNR {trained.Evaluation.SnrDb:F2} dB");

// Any array of 8-dimensional vectors, row-major.
var random = new Random(7);
var vectors = new double[10_000 * 8];
for (int i = 0; i < vectors.Length; i++) vectors[i] = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

var codec = new ModelCodec(trained.Model);
byte[] file = FileCodec.Compress(codec, vectors);
double[] decoded = FileCodec.Decompress(codec, file);

double mse = 0;
for (int i = 0; i < vectors.Length; i++) mse += (vectors[i] - decoded[i]) * (vectors[i] - decoded[i]);
mse /= vectors.Length;
bool exact = decoded.AsSpan().SequenceEqual(FileCodec.Reconstruct(codec, vectors, new CodecOptions().RowsPerChunk(codec)));
Console.WriteLine($"compressed 10000 vectors to {file.Length} bytes: {8.0 * file.Length / vectors.Length:F3} bits/sample, " +
    $"SNR {10 * Math.Log10(1 / mse):F2} dB, decoded {(exact ? "bit-exact" : "NOT equal")}");
return exact ? 0 : 1;
