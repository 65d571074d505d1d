using System.Runtime.Intrinsics;

namespace Ltc.Simd;

/// <summary>The vector width the hot kernels (lattice decoders, Voronoi sampling) run at.</summary>
public enum SimdWidth
{
    /// <summary>No hardware vectors: plain scalar code (<c>DOTNET_EnableHWIntrinsic=0</c>, or an unknown CPU).</summary>
    Scalar = 0,

    /// <summary>128-bit vectors: SSE4 on x64 without AVX2, AdvSimd (Neon) on ARM64.</summary>
    Vector128 = 1,

    /// <summary>256-bit vectors: AVX2 (with FMA) on x64 without AVX-512.</summary>
    Avx2 = 2,

    /// <summary>512-bit vectors: AVX-512 (F, BW, CD, DQ, VL).</summary>
    Avx512 = 3,
}

/// <summary>
/// The code path the kernels take, chosen once at start-up: the widest vector width the JIT accelerates on this
/// machine. Every kernel is written once, generic over an 8-lane vector type (<see cref="IVec8{T}"/>), and
/// instantiated for 512-bit, 2 × 256-bit, 4 × 128-bit and scalar storage, so all paths run the same algorithm and give
/// bit-identical results.
/// </summary>
/// <remarks>
/// The environment variable <c>LTC_SIMD</c> (<c>avx512</c>, <c>avx2</c>, <c>vector128</c>, <c>scalar</c>) selects a
/// narrower path than the machine supports (a wider one is ignored), e.g. to compare paths on one machine. To make
/// the JIT itself behave like a CPU without AVX-512 use <c>DOTNET_EnableAVX512=0</c> (in .NET 10,
/// <c>DOTNET_EnableAVX512F=0</c> no longer has an effect), without AVX2 <c>DOTNET_EnableAVX2=0</c>, and without any
/// vector instructions <c>DOTNET_EnableHWIntrinsic=0</c>.
/// </remarks>
public static class SimdPath
{
    /// <summary>The widest width the hardware (as the JIT sees it) accelerates.</summary>
    public static SimdWidth Hardware { get; } = DetectHardware();

    /// <summary>The width the kernels use: <see cref="Hardware"/>, or narrower if <c>LTC_SIMD</c> asks for it.</summary>
    public static readonly SimdWidth Current = Choose(Hardware, Environment.GetEnvironmentVariable("LTC_SIMD"));

    /// <summary>The name of <see cref="Current"/>: <c>avx512</c>, <c>avx2</c>, <c>vector128</c> or <c>scalar</c>.</summary>
    public static string Name => NameOf(Current);

    /// <summary>The name of a width as printed by the benchmarks.</summary>
    public static string NameOf(SimdWidth width) => width switch
    {
        SimdWidth.Avx512 => "avx512",
        SimdWidth.Avx2 => "avx2",
        SimdWidth.Vector128 => "vector128",
        _ => "scalar",
    };

    /// <summary>Parses a name printed by <see cref="NameOf"/>; null when unknown.</summary>
    public static SimdWidth? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "avx512" or "avx-512" or "vector512" => SimdWidth.Avx512,
        "avx2" or "vector256" => SimdWidth.Avx2,
        "vector128" or "sse" or "neon" => SimdWidth.Vector128,
        "scalar" or "none" => SimdWidth.Scalar,
        _ => null,
    };

    /// <summary>Every width this machine can run: the accelerated ones and scalar, widest first.</summary>
    public static IReadOnlyList<SimdWidth> Supported { get; } =
        [.. Enum.GetValues<SimdWidth>().Where(w => w <= Hardware).OrderByDescending(w => w)];

    private static SimdWidth DetectHardware()
    {
        // Each kernel needs Round/Floor and compares at its width; the JIT accelerates all of them exactly when it
        // reports the width as accelerated (x64's baseline is SSE4.2 in .NET 10; Vector256 needs AVX2).
        if (Vector512.IsHardwareAccelerated) return SimdWidth.Avx512;
        if (Vector256.IsHardwareAccelerated) return SimdWidth.Avx2;
        if (Vector128.IsHardwareAccelerated) return SimdWidth.Vector128;
        return SimdWidth.Scalar;
    }

    internal static SimdWidth Choose(SimdWidth hardware, string? request)
    {
        var asked = Parse(request);
        return asked is SimdWidth w && w < hardware ? w : hardware;
    }
}
