// One training at a time in this process: under concurrent allocation pressure TorchSharp 0.107's optimizer step was
// seen to fail on a corrupted scalar argument (see tests/Ltc.Tests/Cli/DemoTests.cs), which single runs never show.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
