using TorchSharp;
using static TorchSharp.torch;

namespace Ltc.Torch;

/// <summary>Device and thread settings for TorchSharp, chosen once per process from the command line.</summary>
/// <remarks>
/// Torch's intra-op thread pool (OpenMP) spin-waits between parallel regions. With its own default (one thread per
/// core) a training slows down 4 to 46 times as soon as another process uses a core, because its threads spin against
/// the other process. So Ltc defaults to <see cref="DefaultThreads"/> = 1 intra-op thread: the first model created,
/// trained or evaluated sets it unless <see cref="Configure"/> was called; more threads are an explicit choice
/// (<c>--threads N</c>, or <c>--threads 0</c> for one per core).
/// </remarks>
public static class TorchSetup
{
    /// <summary>Intra-op threads when nothing else is asked for.</summary>
    public const int DefaultThreads = 1;

    /// <summary>Most intra-op threads accepted.</summary>
    public const int MaxThreads = 1024;

    private static readonly object Gate = new();
    private static bool _configured;

    /// <summary>
    /// Parses a device name (<c>cpu</c> or <c>cuda</c>, optionally <c>cuda:k</c>) and sets the intra-op thread count:
    /// <paramref name="threads"/> threads, 0 for one per core. CUDA needs the TorchSharp-cuda package, which this build
    /// does not reference.
    /// </summary>
    public static Device Configure(string device, int threads = DefaultThreads)
    {
        if (threads < 0 || threads > MaxThreads) throw new LtcException($"--threads must be between 0 and {MaxThreads}, got {threads}");
        var d = (device ?? "cpu").Trim().ToLowerInvariant();
        Device result;
        if (d == "cpu") result = CPU;
        else if (d == "cuda" || d.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available()) throw new LtcException($"device '{device}': CUDA is not available (this build references TorchSharp-cpu)");
            result = new Device(d);
        }
        else throw new LtcException($"unknown device '{device}' (expected cpu or cuda)");
        SetThreads(threads == 0 ? Environment.ProcessorCount : threads);
        return result;
    }

    /// <summary>Sets <see cref="DefaultThreads"/> intra-op threads unless <see cref="Configure"/> already chose a count.</summary>
    public static void EnsureConfigured()
    {
        lock (Gate)
        {
            if (_configured) return;
        }
        SetThreads(DefaultThreads);
    }

    /// <summary>The intra-op thread count in effect.</summary>
    public static int Threads => get_num_threads();

    private static void SetThreads(int threads)
    {
        lock (Gate)
        {
            _configured = true;
            if (get_num_threads() != threads) set_num_threads(threads);
        }
    }
}
