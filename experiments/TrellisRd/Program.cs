// Experiments of docs/results/trellis.md (run by experiments/trellis.sh):
//   gain   [states...]                       plain TCQ granular gain on a uniform source at high rate
//   curve  gaussian|laplace STATES POINTS MAXRATE [LAMBDA_FACTOR] [TRAIN] [TEST]   ECTCQ curve, CSV + gaps at 1, 2, 3 bits
//   speed  STATES THREADS SAMPLES            Viterbi samples/s (LTC_SIMD=scalar for the scalar path)
using System.Diagnostics;
using System.Globalization;
using Ltc.RateDistortion;
using Ltc.Simd;
using Ltc.Trellis;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length == 0) { Console.Error.WriteLine("usage: gain|curve|speed ..."); return 2; }
switch (args[0])
{
    case "gain": Gain(args.Skip(1).Select(int.Parse).DefaultIfEmpty(0).ToArray()); break;
    case "curve": Curve(args); break;
    case "speed": Speed(int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3])); break;
    default: Console.Error.WriteLine($"unknown mode {args[0]}"); return 2;
}
return 0;

static void Gain(int[] states)
{
    if (states is [0]) states = TrellisCode.SupportedStates.ToArray();
    // Uniform source over many cells: the error is granular only; the reference is the cell 2Δ of a union codebook.
    const int n = 400_000;
    const double step = 0.01;
    var rng = new Random(5);
    var x = new double[n];
    for (int i = 0; i < n; i++) x[i] = (rng.NextDouble() - 0.5) * 2;
    Console.WriteLine("states,code,mse_over_uniform,granular_gain_db");
    foreach (var s in states)
    {
        var code = TrellisCode.Create(s);
        var q = new TrellisQuantizer(code, TrellisCodebook.Uniform(step, 1.1));
        var idx = new long[n];
        double d = q.QuantizeSequences(x, idx, 8192) / n;
        double refD = (2 * step) * (2 * step) / 12;
        Console.WriteLine($"{s},\"{code}\",{d / refD:F5},{10 * Math.Log10(refD / d):F3}");
    }
}

static void Curve(string[] a)
{
    var density = a[1] switch
    {
        "gaussian" => ScalarDensity.Gaussian(),
        "laplace" => ScalarDensity.Laplace(),
        _ => throw new ArgumentException($"unknown density {a[1]}"),
    };
    int states = int.Parse(a[2]), points = int.Parse(a[3]);
    double maxRate = double.Parse(a[4]);
    var opts = new EctcqOptions();
    if (a.Length > 5) opts = opts with { LambdaFactor = double.Parse(a[5]) };
    if (a.Length > 6) opts = opts with { TrainingSamples = int.Parse(a[6]) };
    if (a.Length > 7) opts = opts with { TestSamples = int.Parse(a[7]) };
    var rd = ReferenceRd(density, maxRate + 0.5);
    var sw = Stopwatch.StartNew();
    var pts = Ectcq.CurveDetailed(density, states, points, maxRate, opts);
    double secs = sw.Elapsed.TotalSeconds;
    Console.WriteLine("rate_bits_per_sample,distortion_mse,snr_db,ideal_rate,file_over_ideal_pct,train_rate,train_mse,step,lambda,iterations,gap_db,roundtrip");
    var (train, test) = Ectcq.Draw(density, opts);
    var rows = new List<(double R, double Snr)>();
    foreach (var p in pts.OrderBy(p => p.Test.Rate))
    {
        // Round trip of the held-out block.
        var q = p.Quantizer;
        var idx = new long[test.Length];
        q.QuantizeSequences(test, idx, opts.SequenceLength);
        var block = q.Encode(idx, opts.SequenceLength);
        var back = new long[idx.Length];
        q.Decode(block, back, opts.SequenceLength);
        bool ok = back.AsSpan().SequenceEqual(idx);
        double snr = p.Test.SnrDb(density.Variance);
        double gap = 10 * Math.Log10(p.Test.Distortion / rd(p.Test.Rate));
        rows.Add((p.Test.Rate, snr));
        double pct = 100 * (p.Test.Rate / p.TestIdealRate - 1);
        Console.WriteLine($"{p.Test.Rate:F5},{p.Test.Distortion:G6},{snr:F4},{p.TestIdealRate:F5},{pct:F3},{p.Train.Rate:F5},{p.Train.Distortion:G6},{p.Step:G5},{p.Lambda:G5},{p.Iterations},{gap:F3},{(ok ? "ok" : "MISMATCH")}");
    }
    Console.Write($"# {density.Name} {states} states, λ factor {opts.LambdaFactor}, train {opts.TrainingSamples}, test {opts.TestSamples}, {secs:F1} s; gap at");
    foreach (var r in new[] { 1.0, 2.0, 3.0 })
    {
        var g = GapAt(rows, r, density, rd);
        Console.Write(g is double v ? $" {r}: {v:F3} dB" : $" {r}: —");
    }
    Console.WriteLine();
}

// Gap at rate r with the curve's SNR interpolated linearly in rate between its two neighbouring points.
static double? GapAt(List<(double R, double Snr)> rows, double r, ScalarDensity density, Func<double, double> rd)
{
    for (int i = 0; i + 1 < rows.Count; i++)
    {
        var (r0, s0) = rows[i];
        var (r1, s1) = rows[i + 1];
        if (r0 <= r && r <= r1 && r1 > r0)
        {
            double snr = s0 + (s1 - s0) * (r - r0) / (r1 - r0);
            return 10 * Math.Log10(density.Variance / rd(r)) - snr;
        }
    }
    return null;
}

// D(R) of the source: closed form for the Gaussian, Blahut–Arimoto (as `ltc bounds --kind rd` computes it) for
// Laplace, interpolated in log D against R.
static Func<double, double> ReferenceRd(ScalarDensity density, double maxRate)
{
    if (density is GaussianDensity) return r => TheoreticalRd.GaussianDistortion(r, density.Variance);
    int points = 60;
    var slopes = Enumerable.Range(0, points).Select(i => maxRate * i / (points - 1))
        .Select((r, i) => i == 0 ? 0.45 / density.Variance : 1 / (2 * density.Variance * Math.Pow(2, -2 * r)));
    var curve = BlahutArimoto.ScalarSweep(density, slopes, 0.04, 12 * Math.Sqrt(density.Variance), 1e-8, 50000)
        .Select(p => p.Point).Where(p => p.Rate > 1e-6).Prepend(new RdPoint(0, density.Variance)).OrderBy(p => p.Rate).ToArray();
    return r =>
    {
        for (int i = 0; i + 1 < curve.Length; i++)
            if (curve[i].Rate <= r && r <= curve[i + 1].Rate)
            {
                double f = (r - curve[i].Rate) / (curve[i + 1].Rate - curve[i].Rate);
                return Math.Exp(Math.Log(curve[i].Distortion) * (1 - f) + Math.Log(curve[i + 1].Distortion) * f);
            }
        throw new ArgumentOutOfRangeException(nameof(r), $"rate {r} outside the Blahut–Arimoto curve");
    };
}

static void Speed(int states, int threads, int samples)
{
    var density = ScalarDensity.Gaussian();
    var opts = new EctcqOptions(TrainingSamples: 20_000, TestSamples: 1000, MaxIterations: 5, Threads: 1);
    var (train, _) = Ectcq.Draw(density, opts);
    double step = Math.Pow(2, density.DifferentialEntropyBits - 2) / 2; // ≈ 2 bits/sample
    var (q, _) = Ectcq.Design(TrellisCode.Create(states), train, step, opts.LambdaFactor * step * step, opts);
    var rng = new Random(11);
    var x = new double[samples];
    for (int i = 0; i < samples; i++) x[i] = density.Sample(rng);
    var idx = new long[samples];
    const int len = 4096;
    q.QuantizeSequences(x.AsSpan(0, Math.Min(samples, 8 * len)), idx.AsSpan(0, Math.Min(samples, 8 * len)), len, threads); // warm-up
    var times = new List<double>();
    for (int rep = 0; rep < 3; rep++)
    {
        var sw = Stopwatch.StartNew();
        q.QuantizeSequences(x, idx, len, threads);
        times.Add(sw.Elapsed.TotalSeconds);
    }
    times.Sort();
    double t = times[1];
    Console.WriteLine($"{{\"states\":{states},\"threads\":{threads},\"simd\":\"{(SimdPath.Current >= SimdWidth.Avx2 ? "avx2" : "scalar")}\",\"samples\":{samples},\"seconds\":{t:F3},\"msamples_per_s\":{samples / t / 1e6:F3}}}");
}
