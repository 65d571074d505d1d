using TorchSharp;
using static TorchSharp.torch;

namespace Ltc.Torch;

/// <summary>Device and thread settings for TorchSharp, chosen once per process from the command line.</summary>
public static class TorchSetup
{
    /// <summary>
    /// Parses a device name (<c>cpu</c> or <c>cuda</c>, optionally <c>cuda:k</c>) and sets the intra-op thread count
    /// (0 leaves TorchSharp's default). CUDA needs the TorchSharp-cuda package, which this build does not reference.
    /// </summary>
    public static Device Configure(string device, int threads)
    {
        if (threads < 0) throw new LtcException($"--threads must be >= 0, got {threads}");
        if (threads > 0) set_num_threads(threads);
        var d = (device ?? "cpu").Trim().ToLowerInvariant();
        if (d == "cpu") return CPU;
        if (d == "cuda" || d.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available()) throw new LtcException($"device '{device}': CUDA is not available (this build references TorchSharp-cpu)");
            return new Device(d);
        }
        throw new LtcException($"unknown device '{device}' (expected cpu or cuda)");
    }
}
