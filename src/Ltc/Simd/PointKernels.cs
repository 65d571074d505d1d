using System.Runtime.CompilerServices;

namespace Ltc.Simd;

/// <summary>A per-point kernel written once over the 8-lane vector type T (see <see cref="IVec8{T}"/>).</summary>
internal unsafe interface IPointKernel
{
    /// <summary>Decodes one point x into y at width T.</summary>
    static abstract void Decode<T>(double* x, double* y) where T : unmanaged, IVec8<T>;
}

/// <summary>Runs a <see cref="IPointKernel"/> at the start-up width or at a given one.</summary>
internal static unsafe class PointKernels
{
    /// <summary>One point at <see cref="SimdPath.Current"/> (a JIT-time constant, so the switch disappears).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void One<K>(double* x, double* y) where K : struct, IPointKernel
    {
        switch (SimdPath.Current)
        {
            case SimdWidth.Avx512: K.Decode<V512>(x, y); break;
            case SimdWidth.Avx2: K.Decode<V256>(x, y); break;
            case SimdWidth.Vector128: K.Decode<V128>(x, y); break;
            default: K.Decode<VScalar>(x, y); break;
        }
    }

    /// <summary><paramref name="count"/> points of dimension <paramref name="n"/>, row-major, at <paramref name="width"/>.</summary>
    public static void Batch<K>(double* xs, double* ys, int count, int n, SimdWidth width) where K : struct, IPointKernel
    {
        switch (width)
        {
            case SimdWidth.Avx512: Loop<K, V512>(xs, ys, count, n); break;
            case SimdWidth.Avx2: Loop<K, V256>(xs, ys, count, n); break;
            case SimdWidth.Vector128: Loop<K, V128>(xs, ys, count, n); break;
            default: Loop<K, VScalar>(xs, ys, count, n); break;
        }
    }

    private static void Loop<K, T>(double* xs, double* ys, int count, int n) where K : struct, IPointKernel where T : unmanaged, IVec8<T>
    {
        for (long i = 0; i < count; i++) K.Decode<T>(xs + i * n, ys + i * n);
    }
}
