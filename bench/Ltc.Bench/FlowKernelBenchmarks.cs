using BenchmarkDotNet.Attributes;
using Ltc.Torch.Kernels;

namespace Ltc.Bench;

/// <summary>
/// The fused RealNVP kernel alone: log p of M points and its gradient, at the dimensions of E8 (n = 8) and the Leech
/// lattice (n = 24), on one worker thread. A Block-LTC step with batch 200 and N = 256 evaluates M = 51,200 points.
/// </summary>
public class FlowKernelBenchmarks
{
    private FlowKernel _kernel = null!;
    private float[] _parameters = null!, _points = null!, _logDensity = null!, _upstream = null!, _gradPoints = null!, _gradParameters = null!;

    [Params(8, 24)]
    public int N { get; set; }

    [Params(25600)]
    public int M { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _kernel = new FlowKernel(N);
        var rng = new Random(1);
        _parameters = new float[_kernel.ParameterCount];
        for (int i = 0; i < _parameters.Length; i++) _parameters[i] = (float)(rng.NextDouble() - 0.5) * 0.3f;
        _points = new float[M * N];
        for (int i = 0; i < _points.Length; i++) _points[i] = (float)(rng.NextDouble() - 0.5);
        _logDensity = new float[M];
        _upstream = Enumerable.Repeat(1f / M, M).ToArray();
        _gradPoints = new float[M * N];
        _gradParameters = new float[_kernel.ParameterCount];
    }

    [Benchmark(Description = "log p of M points")]
    public void Forward() => _kernel.Forward(_parameters, _points, _logDensity, threads: 1);

    [Benchmark(Description = "gradient of Σ g log p (recomputes the forward pass)")]
    public void Backward() => _kernel.Backward(_parameters, _points, _upstream, _gradPoints, _gradParameters, threads: 1);
}
