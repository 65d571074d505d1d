using BenchmarkDotNet.Attributes;
using Ltc.Lattices;
using Ltc.Torch;
using static TorchSharp.torch;

namespace Ltc.Bench;

/// <summary>
/// Where the time of one LTC training step goes (batch 256, N cell samples, RealNVP entropy model, one torch thread):
/// the lattice decoder, drawing cell samples, the cell-probability forward pass, and the whole step with backward.
/// </summary>
[MemoryDiagnoser(false)]
public class TrainingStepBenchmarks
{
    private CompressionModel _model = null!;
    private Tensor _x = null!;
    private Tensor _y = null!;
    private Tensor _cells = null!;
    private Lattice _lattice = null!;

    [Params("E8", "Leech")]
    public string Lattice { get; set; } = "E8";

    [Params(128, 1024)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(1);
        int n = LatticeCatalog.Parse(Lattice).Dimension;
        manual_seed(1);
        _model = new CompressionModel(new ModelConfig { Model = ModelKind.Ltc, Dim = n, LatentDim = n, ScalarsPerSample = n, Lattice = Lattice, Entropy = EntropyModelKind.Flow, Lambda = 8 });
        _lattice = _model.Quantizer!.Lattice;
        _x = randn(256, n);
        _y = randn(256, n);
        _cells = ModelRandomness.CellSamples(_lattice, N, CellSampling.ScrambledSobol, 1);
    }

    [Benchmark(Description = "quantize 256 latents")]
    public void Quantize()
    {
        using var scope = NewDisposeScope();
        _model.Quantizer!.Quantize(_y);
    }

    [Benchmark(Description = "draw N cell samples")]
    public void CellSamples()
    {
        using var scope = NewDisposeScope();
        ModelRandomness.CellSamples(_lattice, N, CellSampling.ScrambledSobol, 2);
    }

    [Benchmark(Description = "log P(ŷ) forward, 256 × N")]
    public void CellProbability()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        _model.Entropy!.LogCellProbability(_y, _cells);
    }

    [Benchmark(Description = "training step (forward + backward)")]
    public void Step()
    {
        using var scope = NewDisposeScope();
        var r = _model.Forward(_x, true, _cells);
        var loss = r.BitsPerVector.mean() + 8 * _model.Distortion(_x, r.Reconstruction).mean();
        _model.zero_grad();
        loss.backward();
    }
}
