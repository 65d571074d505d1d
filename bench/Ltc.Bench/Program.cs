using BenchmarkDotNet.Running;

// Micro-benchmarks of the hot loops (closest point, entropy coding). Run with:
//   dotnet run --project bench/Ltc.Bench -c Release -- --filter '*'
// TorchSharp benchmarks need --inProcess: the child project BenchmarkDotNet generates lacks the libtorch natives.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
