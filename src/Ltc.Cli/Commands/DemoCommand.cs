using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Ltc.Lattices;
using Ltc.Sources;
using Ltc.Torch;

namespace Ltc.Cli.Commands;

/// <summary>
/// <c>ltc demo</c>: the main job on built-in defaults (README's first command). Trains NTC and LTC models on i.i.d.
/// Gaussian sequences and on the FSDD speech frames, compresses held-out data to real <c>.ltc</c> files, decompresses
/// them, and prints file bits next to the estimated rate, with SNR and the gap to R(D) where it is known.
/// </summary>
internal static class DemoCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // Budgets, chosen so that the whole demo takes well under two minutes on a 2-core machine without AVX-512 (one torch thread).
    private const int GaussianNtcSteps = 2000, GaussianE8Steps = 600, SpeechNtcSteps = 1500, SpeechLtcSteps = 1000;
    // Test vectors: the estimate of a lattice model's rate costs far more than coding, so E8 gets fewer; the speech test
    // split (125,701 frames) would take about a minute to estimate, so an evenly spaced subset is used.
    private const int GaussianNtcTestVectors = 65536, GaussianE8TestVectors = 16384, SpeechTestVectors = 16384;
    private const int EvalMcSamples = 256, EvalReplicates = 2, Seed = 1;

    /// <summary>One model of the demo: what to train and how to evaluate it.</summary>
    private sealed record Run(string Label, string Data, VectorSource Source, ModelConfig Config, EvalOptions Eval, double? HighRateGapDb);

    /// <summary>One row of the table: the coded evaluation of a run's test vectors.</summary>
    private sealed record Row(Run Run, CodedEvalResult Coded, double TrainSeconds, double OtherSeconds)
    {
        public int Vectors => Coded.Estimated.TestVectors;
        public double FileBitsPerVector => 8.0 * Coded.FileBytes / Vectors;
        public double EstimatedBitsPerVector => Coded.Estimated.Rate * Run.Config.ScalarsPerSample;
    }

    public static Command Create()
    {
        var cmd = new Command("demo", "Run the main job on built-in defaults: train NTC and LTC on i.i.d. Gaussian sequences and on FSDD " +
            "speech frames, compress held-out data to .ltc files and back, and compare file bits with the estimated rate " +
            "(about a minute on 2 cores).");
        cmd.SetAction(pr =>
        {
            var output = pr.InvocationConfiguration.Output;
            var err = pr.InvocationConfiguration.Error;
            var total = Stopwatch.StartNew();
            // One intra-op thread, models one after another: training is sequential and bit-reproducible; the codec's
            // quantization and entropy coding still use every core.
            TorchSetup.Configure("cpu", 1);
            var runs = Runs(err);
            var dir = Directory.CreateTempSubdirectory("ltc-demo-").FullName;
            var rows = new List<Row>();
            try { foreach (var run in runs) rows.Add(Execute(run, dir, err)); }
            finally { Directory.Delete(dir, true); }
            Print(output, rows, total.Elapsed.TotalSeconds);
            return 0;
        });
        return cmd;
    }

    private static List<Run> Runs(TextWriter err)
    {
        var quick = TrainingProfile.Quick;
        EvalOptions Eval(int samples) => new EvalOptions(samples, EvalMcSamples, EvalReplicates, CellSampling.ScrambledSobol, Seed + 1000).Validated();
        ModelConfig Config(ModelKind model, string source, VectorSource s, int latentDim, string lattice, TransformKind transform, EntropyModelKind entropy,
            double lambda, int steps, double lr) => new()
        {
            Model = model, Source = source, Dim = s.Dimension, LatentDim = latentDim, ScalarsPerSample = s.ScalarsPerSample, Transform = transform,
            Hidden = 100, Lattice = lattice, Entropy = entropy, Proxy = QuantizationProxy.Ste, Distortion = DistortionMeasure.Mse, Lambda = lambda,
            McSamples = quick.McSamples, Mc = CellSampling.ScrambledSobol, Steps = steps, Batch = quick.Batch, Lr = lr, Seed = Seed, Profile = "demo",
        };
        var g2 = SourceCatalog.Parse("gaussian", 2);
        var g8 = SourceCatalog.Parse("gaussian", 8);
        var loading = Stopwatch.StartNew();
        var speech = SourceCatalog.Parse("speech", null);
        err.WriteLine(string.Format(Inv, "speech: {0} test frames of dimension {1} loaded in {2:F1} s", speech.Rows(SourceSplit.Test)!.Length / speech.Dimension,
            speech.Dimension, loading.Elapsed.TotalSeconds));
        var speechTest = new TestSubsetSource(speech, SpeechTestVectors);
        // High-rate theory: a quantizer with normalized second moment G is 10·log10(2πe·G) dB from R(D) (rounding: G = 1/12).
        double HighRate(double g) => 10 * Math.Log10(2 * Math.PI * Math.E * g);
        double e8 = LatticeCatalog.Parse("E8").PublishedNsm ?? throw new InvalidOperationException("E8 has a published NSM");
        return
        [
            new("NTC (rounding)", "gaussian n=2", g2, Config(ModelKind.Ntc, "gaussian", g2, 2, "Z2", TransformKind.Linear, EntropyModelKind.Factorized, 8, GaussianNtcSteps, 1e-2),
                Eval(GaussianNtcTestVectors), HighRate(1.0 / 12)),
            new("LTC E8", "gaussian n=8", g8, Config(ModelKind.Ltc, "gaussian", g8, 8, "E8", TransformKind.Linear, EntropyModelKind.Flow, 8, GaussianE8Steps, quick.Lr),
                Eval(GaussianE8TestVectors), HighRate(e8)),
            new("NTC (rounding)", "speech d=33", speechTest, Config(ModelKind.Ntc, "speech", speech, 33, "Z33", TransformKind.Mlp, EntropyModelKind.Factorized, 64, SpeechNtcSteps, quick.Lr),
                Eval(1), null), // data sets are evaluated on their (here: subsampled) test split whatever the count
            new("LTC D4* (dy=4)", "speech d=33", speechTest, Config(ModelKind.Ltc, "speech", speech, 4, "D4*", TransformKind.Mlp, EntropyModelKind.Factorized, 64, SpeechLtcSteps, quick.Lr),
                Eval(1), null),
        ];
    }

    private static Row Execute(Run run, string dir, TextWriter err)
    {
        var cfg = run.Config;
        string name = $"{run.Data.Split(' ')[0]}-{cfg.Model.Name()}-{cfg.Lattice.Name.Replace('*', 's')}";
        string modelPath = Path.Combine(dir, name + ".ltcm");
        var whole = Stopwatch.StartNew();
        TrainingRunResult trained;
        using (var view = new ModelCommands.TrainingView(err, $"{run.Data} {run.Label} λ={cfg.Lambda.ToString("R", Inv)}"))
            trained = TrainingRun.Train(cfg, run.Source, run.Eval, modelPath, checkpointEvery: 0, progress: view);
        var clock = Stopwatch.StartNew();
        // The held-out vectors the estimate was computed on, compressed to the bytes of a real .ltc file; the decoder
        // has only those bytes and the saved model file.
        var coded = CodedEvaluator.Compare(new ModelCodec(trained.Model), new ModelCodec(ModelFile.Load(modelPath)), run.Source, run.Eval, trained.Evaluation);
        var row = new Row(run, coded, trained.TrainSeconds, whole.Elapsed.TotalSeconds - trained.TrainSeconds);
        var est = trained.Evaluation;
        err.WriteLine(string.Format(Inv, "  {0}: {1} bytes ({2} of header) for {3} vectors, {4:F3} file bits/vector against {5:F3} estimated; " +
            "SNR {6:F3} dB decoded, {7:F3} dB estimated; {8}; evaluation {9:F1} s, coding {10:F1} s", name + ".ltc", coded.FileBytes, coded.HeaderBytes,
            row.Vectors, row.FileBitsPerVector, row.EstimatedBitsPerVector, coded.DecodedSnrDb, est.SnrDb, coded.Exact ? "bit-exact" : "NOT equal",
            est.Seconds, clock.Elapsed.TotalSeconds));
        return row;
    }

    private static void Print(TextWriter o, List<Row> rows, double seconds)
    {
        o.WriteLine("NTC against LTC: trained here, then the held-out vectors compressed to real .ltc files and decompressed from them.");
        o.WriteLine(string.Format(Inv, "Budget: Gaussian NTC {0} steps, LTC E8 {1}; speech NTC {2}, LTC D4* {3} (batch 256, one torch thread, seed {4}). " +
            "Estimated rate: −log2 P of the same quantized vectors, N = {5} scrambled-Sobol cell samples × {6}.",
            GaussianNtcSteps, GaussianE8Steps, SpeechNtcSteps, SpeechLtcSteps, Seed, EvalMcSamples, EvalReplicates));
        long h0 = rows.Min(r => r.Coded.HeaderBytes), h1 = rows.Max(r => r.Coded.HeaderBytes);
        o.WriteLine(string.Format(Inv, "Test vectors: fresh Gaussian draws; speech: {0} evenly spaced frames of the test split (recordings 0–4, " +
            "125,701 frames). File bits: the whole file per vector, its header ({1} bytes, {2:F3}–{3:F3} bits/vector here) included.", SpeechTestVectors,
            h0 == h1 ? h0.ToString(Inv) : $"{h0}–{h1}", rows.Min(r => 8.0 * r.Coded.HeaderBytes / r.Vectors), rows.Max(r => 8.0 * r.Coded.HeaderBytes / r.Vectors)));
        o.WriteLine();
        o.WriteLine(string.Format(Inv, "  {0,-15} {1,-13} {2,7} {3,10} {4,10} {5,16} {6,7} {7,18} {8,9} {9,-9} {10,13}",
            "model", "data", "vectors", "file b/vec", "est. b/vec", "file − est.", "SNR dB", "gap file/est. (dB)", "high-rate", "decoded", "train + rest"));
        foreach (var r in rows)
        {
            double diff = r.FileBitsPerVector - r.EstimatedBitsPerVector;
            string gap = r.Coded.DecodedGapToRdDb is double g && r.Coded.Estimated.GapToRdDb is double ge ? string.Format(Inv, "{0:F2} / {1:F2}", g, ge) : "—";
            string theory = r.Run.HighRateGapDb is double t ? string.Format(Inv, "{0:F2} dB", t) : "";
            o.WriteLine(string.Format(Inv, "  {0,-15} {1,-13} {2,7} {3,10:F3} {4,10:F3} {5,8:+0.000;-0.000} ({6,5:+0.0;-0.0}%) {7,7:F2} {8,18} {9,9} {10,-9} {11,6:F0} + {12,2:F0} s",
                r.Run.Label, r.Run.Data, r.Vectors, r.FileBitsPerVector, r.EstimatedBitsPerVector, diff, 100 * diff / r.EstimatedBitsPerVector,
                r.Coded.DecodedSnrDb, gap, theory, r.Coded.Exact ? "bit-exact" : "NOT EQUAL", r.TrainSeconds, r.OtherSeconds));
        }
        o.WriteLine();
        o.WriteLine("SNR: of the decoded files. Gap to R(D): 6.02·R − SNR at the file's and at the estimated bits per sample (Gaussian only;");
        o.WriteLine("speech has no closed-form R(D)).");
        o.WriteLine("High-rate: the gap a quantizer with this cell shape keeps at high rate (rounding 10·log10(2πe/12), E8 10·log10(2πe·G));");
        o.WriteLine("short trainings stay a little above it. Decoded: equal bit for bit to the codec's reconstruction of the input.");
        o.WriteLine("Time: training, then fitting the tables, estimating the rate, compressing and decompressing (seconds).");
        o.WriteLine("File bits can be below the estimate: the coding tables are fitted to the training latents of the finished model,");
        o.WriteLine("and −log2 of a Monte Carlo cell probability overestimates the rate.");
        o.WriteLine("The models and .ltc files were written to a temporary folder, deleted now; to keep yours: ltc train --out model.ltcm,");
        o.WriteLine("then ltc compress and ltc decompress (README, \"Compressing files\").");
        o.WriteLine(string.Format(Inv, "Total {0:F0} s. Full curves: docs/results/iid.md, docs/results/vector-sources.md.", seconds));
    }
}
