// What does a dithered lattice model pay at zero rate, and what do its rate estimators say? A latent collapsed to a
// point c is coded in the dithered cell ŷ + V that contains it, at a uniformly random place (that is what subtractive
// dither does), so a density p of width σ around c loses the mass that falls outside the cell: the dithered system's
// rate is E over the place of −log2 P(ŷ + V), which falls to 0 only as σ → 0. Training can narrow p only as far as
// its estimator (N cell samples joined by M density samples, LatticeEntropyModel.LogCellProbability) rewards it: it
// minimizes the estimator's expectation, so the σ of that minimum and the true rate there are the floor a converged
// model sits on. Files code Q(y) without dither and do not pay it.
// Usage: CellRateFloor LATTICE FAMILY [TRAIN_N] [EVAL_N]  (FAMILY gaussian|logistic; prints CSV on stdout)
using System.Globalization;
using Ltc.Lattices;
using Ltc.Torch;
using TorchSharp;
using static TorchSharp.torch;

if (args.Length is < 2 or > 4 || args[1] is not ("gaussian" or "logistic"))
{
    Console.Error.WriteLine("usage: CellRateFloor LATTICE gaussian|logistic [TRAIN_N] [EVAL_N]");
    return 2;
}
var lattice = LatticeCatalog.Parse(args[0]).WithUnitVolume();
bool logistic = args[1] == "logistic";
int trainN = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 256;
int evalN = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 4096;
int n = lattice.Dimension;
torch.set_num_threads(1);

// Places of the collapsed latent inside its coded cell: x ∈ ŷ + V ⇔ Q(x − ŷ) = 0, with the density centred at 0 and
// ŷ = −w for w uniform on V.
const int Places = 256;
var places = new VoronoiSampler(lattice, CellSampling.MonteCarlo, seed: 1).Sample(Places);
var yhat = -tensor(places, [Places, n]).to(float32);

Console.WriteLine("lattice,family,sigma,exact_bits,train_bits,train_cells_only_bits,eval_bits,train_n,train_m,eval_n");
foreach (double sigma in new[] { 0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.2, 0.3 })
{
    var density = new BumpDensity(n, sigma, logistic);
    var model = new LatticeEntropyModel(density, lattice);
    double exact = ExactBits(density, lattice, places);
    double train = 0, trainCells = 0, eval = 0;
    const int Replicates = 16;
    for (int r = 0; r < Replicates; r++)
    {
        using var scope = NewDisposeScope();
        var u = ModelRandomness.CellSamples(lattice, trainN, CellSampling.ScrambledSobol, seed: 100 + r);
        var noise = ModelRandomness.DensityNoise(RandomStream.TrainingDensity, LatticeEntropyModel.DensitySampleCount(trainN), n, seed: 7, index: r);
        train += Bits(model.LogCellProbability(yhat, u, noise)) / Replicates;
        trainCells += Bits(model.LogCellProbability(yhat, u)) / Replicates;
        if (r < 4)
        {
            var ue = ModelRandomness.CellSamples(lattice, evalN, CellSampling.ScrambledSobol, seed: 200 + r);
            var noiseE = ModelRandomness.DensityNoise(RandomStream.EvaluationDensity, evalN, n, seed: 7, index: r);
            eval += Bits(model.LogCellProbability(yhat, ue, noiseE)) / 4;
        }
    }
    Console.WriteLine(string.Join(",", lattice.Name, args[1], F(sigma), F(exact), F(train), F(trainCells), F(eval),
        trainN, LatticeEntropyModel.DensitySampleCount(trainN), evalN));
}
return 0;

static string F(double x) => x.ToString("G5", CultureInfo.InvariantCulture);

// Mean −log2 P̂ over the places.
static double Bits(Tensor logP) => (-logP / Math.Log(2)).mean().to(float64).item<double>();

// P(ŷ + V) by 16,384 samples of the density per place: the fraction inside the cell (unbiased, error ≈ 1e-4 bit here).
static double ExactBits(BumpDensity density, Lattice lattice, double[] places)
{
    const int K = 16_384;
    int n = lattice.Dimension, count = places.Length / n;
    var rng = new Random(3);
    var uniforms = new float[K * n];
    for (int i = 0; i < uniforms.Length; i++) uniforms[i] = (float)((rng.Next(1, 1 << 24)) / (double)(1 << 24));
    double[] s;
    using (no_grad()) s = density.Sample(tensor(uniforms, [K, n]))!.to(float64).data<double>().ToArray();
    var x = new double[K * n];
    var q = new double[K * n];
    double bits = 0;
    for (int p = 0; p < count; p++)
    {
        for (int k = 0; k < K; k++)
            for (int j = 0; j < n; j++) x[k * n + j] = s[k * n + j] + places[p * n + j];
        lattice.ClosestPoints(x, q, threads: 1);
        int inside = 0;
        for (int k = 0; k < K; k++)
        {
            bool zero = true;
            for (int j = 0; j < n && zero; j++) zero = Math.Abs(q[k * n + j]) < 1e-9;
            if (zero) inside++;
        }
        bits -= Math.Log2(inside / (double)K) / count;
    }
    return bits;
}

/// <summary>A product density of n independent coordinates of standard deviation σ around 0: Gaussian, or logistic
/// (the tails of a sigmoid CDF, like the factorized prior's).</summary>
sealed class BumpDensity : LatentDensity
{
    private readonly int _n;
    private readonly double _sigma;
    private readonly bool _logistic;

    public BumpDensity(int n, double sigma, bool logistic) : base(nameof(BumpDensity))
    {
        _n = n;
        _sigma = sigma;
        _logistic = logistic;
    }

    public override int Dimension => _n;

    // Logistic scale s with standard deviation σ: s = σ·√3/π.
    private double Scale => _logistic ? _sigma * Math.Sqrt(3) / Math.PI : _sigma;

    public override Tensor LogDensity(Tensor t)
    {
        var z = t / Scale;
        var perCoordinate = _logistic
            ? -z - 2 * nn.functional.softplus(-z)
            : -0.5 * z * z - 0.5 * Math.Log(2 * Math.PI);
        return perCoordinate.sum(1) - _n * Math.Log(Scale);
    }

    public override Tensor? Sample(Tensor uniforms) => _logistic
        ? Scale * (uniforms.log() - (1 - uniforms).log())
        : Scale * Math.Sqrt(2) * special.erfinv(2 * uniforms - 1);
}
