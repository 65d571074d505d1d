// Experiments of docs/results/trellis.md, "Trellis transform coding" (run by experiments/trellis-transform.sh):
//   short  STATES STEP LENGTHS...   classical ECTCQ designed on long sequences, evaluated with sequences of each length
//   train  STATES DIM ROWS LAMBDA STEPS LR OUT.ltcm [EVAL_VECTORS] [SEED]
//          TTC on i.i.d. Gaussian sequences: trains (one torch thread), fits the coder, reports the estimated rate and
//          the file bits of the held-out vectors with the decoded SNR and gap to R(D)
using System.Diagnostics;
using System.Globalization;
using Ltc.Sources;
using Ltc.Torch;
using Ltc.RateDistortion;
using Ltc.Trellis;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length == 0) { Console.Error.WriteLine("usage: short ..."); return 2; }
switch (args[0])
{
    case "short": Short(int.Parse(args[1]), double.Parse(args[2]), args.Skip(3).Select(int.Parse).ToArray(), Environment.GetEnvironmentVariable("UNIFORM_LEVELS") == "1"); break;
    case "train": Train(args); break;
    default: Console.Error.WriteLine($"unknown mode {args[0]}"); return 2;
}
return 0;

static void Short(int states, double step, int[] lengths, bool uniform)
{
    var density = ScalarDensity.Gaussian();
    var opts = new EctcqOptions(TrainLevels: !uniform);
    var (train, test) = Ectcq.Draw(density, opts);
    var code = TrellisCode.Create(states);
    var (q, it) = Ectcq.Design(code, train, step, opts.LambdaFactor * step * step, opts);
    Console.WriteLine("states,length,rate,snr_db,gap_db");
    foreach (int len in lengths)
    {
        var idx = new long[test.Length];
        double cost = q.QuantizeSequences(test, idx, len);
        var y = new double[test.Length];
        q.Reconstruct(idx, y, len);
        double se = 0;
        for (int i = 0; i < y.Length; i++) se += (test[i] - y[i]) * (test[i] - y[i]);
        double rate = 8.0 * q.Encode(idx, len).Length / test.Length;
        double mse = se / test.Length, snr = -10 * Math.Log10(mse);
        Console.WriteLine($"{states},{len},{rate:F4},{snr:F3},{6.0206 * rate - snr:F3}");
    }
}

static void Train(string[] a)
{
    int states = int.Parse(a[1]), dim = int.Parse(a[2]), rows = int.Parse(a[3]);
    double lambda = double.Parse(a[4]);
    int steps = int.Parse(a[5]);
    double lr = double.Parse(a[6]);
    string path = a[7];
    int evalVectors = a.Length > 8 ? int.Parse(a[8]) : 65536;
    int seed = a.Length > 9 ? int.Parse(a[9]) : 1;
    TorchSharp.torch.set_num_threads(1);
    var source = SourceCatalog.Parse("gaussian", dim);
    var config = new ModelConfig
    {
        Model = ModelKind.Ttc, Source = "gaussian", Dim = dim, LatentDim = dim, ScalarsPerSample = source.ScalarsPerSample,
        Transform = TransformKind.Linear, Hidden = Math.Max(100, dim), Entropy = EntropyModelKind.Factorized,
        Lambda = lambda, Steps = steps, Batch = 256, Lr = lr, Seed = seed, Profile = "standard", States = states, TrellisRows = rows,
        Lattice = "Z" + dim,
    };
    var clock = Stopwatch.StartNew();
    var run = TrainingRun.Train(config, source, new EvalOptions(Samples: evalVectors, McSamples: 1, Replicates: 1), path);
    double trainSeconds = run.TrainSeconds, total = clock.Elapsed.TotalSeconds;
    var coded = CodedEvaluator.Evaluate(run.Model, source, new EvalOptions(Samples: evalVectors, McSamples: 1, Replicates: 1), threads: 1);
    var e = coded.Estimated;
    Console.WriteLine("states,dim,rows,lambda,steps,lr,est_rate,est_snr_db,est_gap_db,file_rate,decoded_snr_db,file_gap_db,file_over_est_pct,exact,train_s,fit_eval_s,coded_s");
    Console.WriteLine($"{states},{dim},{rows},{lambda},{steps},{lr},{e.Rate:F4},{e.SnrDb:F3},{e.GapToRdDb:F3},{coded.FileRate:F4},{coded.DecodedSnrDb:F3},{coded.DecodedGapToRdDb:F3},{coded.DifferencePercent:F2},{coded.Exact},{trainSeconds:F0},{total - trainSeconds:F0},{coded.CompressSeconds + coded.DecompressSeconds:F1}");
}
