using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ltc.Simd;

/// <summary>
/// Eight doubles with the operations the lattice kernels need, implemented once per storage width: one 512-bit vector
/// (<see cref="V512"/>), two 256-bit halves (<see cref="V256"/>), four 128-bit quarters (<see cref="V128"/>) or eight
/// scalars (<see cref="VScalar"/>). A kernel is a generic method over <c>T : IVec8&lt;T&gt;</c>; the JIT specialises
/// it per width, so the algorithm is written once and every width computes exactly the same IEEE operations (sums
/// across lanes use one fixed tree: lanes i + (i+4), then pairs, then the last two), hence bit-identical results.
/// </summary>
/// <remarks>
/// Lane i of a mask is bit i of a <see cref="uint"/>. <see cref="Min"/> and <see cref="Max"/> follow the x86 rule
/// (a &lt; b ? a : b, resp. a &gt; b ? a : b); the kernels never feed them NaN.
/// </remarks>
internal unsafe interface IVec8<T> where T : unmanaged, IVec8<T>
{
    /// <summary>The path this storage implements.</summary>
    static abstract SimdWidth Width { get; }

    /// <summary>All lanes v.</summary>
    static abstract T Splat(double v);

    /// <summary>Lane 0 <paramref name="first"/>, lanes 1–7 <paramref name="rest"/>.</summary>
    static abstract T FirstAndRest(double first, double rest);

    /// <summary>The lanes e0..e7 (constants fold into one vector constant).</summary>
    static abstract T Create(double e0, double e1, double e2, double e3, double e4, double e5, double e6, double e7);

    /// <summary>Lanes p[0..8).</summary>
    static abstract T Load(double* p);

    /// <summary>Lanes 0–5 from p[0..6), lanes 6 and 7 zero (reads only 6 doubles).</summary>
    static abstract T Load6(double* p);

    /// <summary>Writes the 8 lanes to p[0..8).</summary>
    static abstract void Store(T v, double* p);

    /// <summary>Writes lanes 0–5 to p[0..6).</summary>
    static abstract void Store6(T v, double* p);

    static abstract T operator +(T a, T b);

    static abstract T operator -(T a, T b);

    static abstract T operator *(T a, T b);

    /// <summary>a &lt; b ? a : b per lane.</summary>
    static abstract T Min(T a, T b);

    /// <summary>a &gt; b ? a : b per lane.</summary>
    static abstract T Max(T a, T b);

    /// <summary>Round to nearest, ties to even.</summary>
    static abstract T Round(T v);

    static abstract T Floor(T v);

    static abstract T Abs(T v);

    /// <summary>±1 with the sign bit of v (CopySign(1, v)).</summary>
    static abstract T SignOf(T v);

    /// <summary>Bit i set where a[i] &lt; b[i].</summary>
    static abstract uint Less(T a, T b);

    /// <summary>Bit i set where a[i] == b[i].</summary>
    static abstract uint Equal(T a, T b);

    /// <summary>Lane i of <paramref name="ifSet"/> where bit i of <paramref name="bits"/> is set, else of <paramref name="ifClear"/>.</summary>
    static abstract T Select(uint bits, T ifSet, T ifClear);

    static abstract double MinAcross(T v);

    static abstract double MaxAcross(T v);

    /// <summary>Σ lanes in the fixed order ((v0+v4)+(v2+v6)) + ((v1+v5)+(v3+v7)).</summary>
    static abstract double SumAcross(T v);

    static abstract double Lane(T v, int i);

    /// <summary>Lane i ← v[i ^ k] (k a constant in 0..7).</summary>
    static abstract T Xor(T v, int k);

    /// <summary>Lane h·4 + s ← v[h·4 + a] (a a constant in 0..3): lane a of each half everywhere in that half.</summary>
    static abstract T Broadcast(T v, int a);

    /// <summary>Columns 0–5 of the 8 × 8 row-major block at m, written as 8-lane rows to cols + 8·column.</summary>
    static abstract void Transpose6(double* m, double* cols);
}

/// <summary>Helpers shared by every width.</summary>
internal static class Vec8
{
    /// <summary>Bit i set where lane i (an integer value) is odd; exact for every magnitude.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint OddBits<T>(T v) where T : unmanaged, IVec8<T>
    {
        var h = v * T.Splat(0.5);
        return ~T.Equal(T.Floor(h), h) & 0xFF;
    }

    /// <summary>−1 where bit i of <paramref name="bits"/> is set, +1 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Signs<T>(uint bits) where T : unmanaged, IVec8<T> => T.Select(bits, T.Splat(-1.0), T.Splat(1.0));

    /// <summary>The smaller of two non-NaN doubles, a &lt; b ? a : b (one minsd; Math.Min also orders −0 and NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Min(double a, double b) =>
        Sse2.IsSupported ? Sse2.MinScalar(Vector128.CreateScalarUnsafe(a), Vector128.CreateScalarUnsafe(b)).ToScalar() : a < b ? a : b;

    /// <summary>The larger of two non-NaN doubles, a &gt; b ? a : b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Max(double a, double b) =>
        Sse2.IsSupported ? Sse2.MaxScalar(Vector128.CreateScalarUnsafe(a), Vector128.CreateScalarUnsafe(b)).ToScalar() : a > b ? a : b;

    /// <summary>Transpose through scalar moves, for widths without a shuffle-based one.</summary>
    public static unsafe void TransposeScalar(double* m, double* cols)
    {
        for (int j = 0; j < 6; j++)
            for (int r = 0; r < 8; r++) cols[j * 8 + r] = m[r * 8 + j];
    }
}

/// <summary>One 512-bit vector (AVX-512).</summary>
internal readonly unsafe struct V512 : IVec8<V512>
{
    private readonly Vector512<double> _v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private V512(Vector512<double> v) => _v = v;

    public static SimdWidth Width => SimdWidth.Avx512;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Splat(double v) => new(Vector512.Create(v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 FirstAndRest(double first, double rest) => new(Vector512.Create(first, rest, rest, rest, rest, rest, rest, rest));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Create(double e0, double e1, double e2, double e3, double e4, double e5, double e6, double e7) =>
        new(Vector512.Create(e0, e1, e2, e3, e4, e5, e6, e7));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Load(double* p) => new((*(Vector512<double>*)(p)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Load6(double* p) => new(Vector512.Create((*(Vector256<double>*)(p)), (*(Vector128<double>*)(p + 4)).ToVector256()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(V512 v, double* p) => *(Vector512<double>*)(p) = v._v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store6(V512 v, double* p)
    {
        *(Vector256<double>*)(p) = v._v.GetLower();
        *(Vector128<double>*)(p + 4) = v._v.GetUpper().GetLower();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 operator +(V512 a, V512 b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 operator -(V512 a, V512 b) => new(a._v - b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 operator *(V512 a, V512 b) => new(a._v * b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Min(V512 a, V512 b) => new(Vector512.MinNative(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Max(V512 a, V512 b) => new(Vector512.MaxNative(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Round(V512 v) => new(Vector512.Round(v._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Floor(V512 v) => new(Vector512.Floor(v._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Abs(V512 v) => new(Vector512.Abs(v._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 SignOf(V512 v) => new((v._v & Vector512.Create(-0.0)) | Vector512<double>.One);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Less(V512 a, V512 b) => (uint)Vector512.ExtractMostSignificantBits(Vector512.LessThan(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Equal(V512 a, V512 b) => (uint)Vector512.ExtractMostSignificantBits(Vector512.Equals(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Select(uint bits, V512 ifSet, V512 ifClear) =>
        new(Vector512.ConditionalSelect(
            Vector512.Equals(Vector512.Create((long)bits) & Vector512.Create(1L, 2, 4, 8, 16, 32, 64, 128), Vector512.Create(1L, 2, 4, 8, 16, 32, 64, 128)).AsDouble(),
            ifSet._v, ifClear._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MinAcross(V512 v)
    {
        var m = Vector256.MinNative(v._v.GetLower(), v._v.GetUpper());
        var n = Vector128.MinNative(m.GetLower(), m.GetUpper());
        return Vec8.Min(n.ToScalar(), n.GetElement(1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxAcross(V512 v)
    {
        var m = Vector256.MaxNative(v._v.GetLower(), v._v.GetUpper());
        var n = Vector128.MaxNative(m.GetLower(), m.GetUpper());
        return Vec8.Max(n.ToScalar(), n.GetElement(1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SumAcross(V512 v)
    {
        var m = v._v.GetLower() + v._v.GetUpper();
        var n = m.GetLower() + m.GetUpper();
        return n.ToScalar() + n.GetElement(1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Lane(V512 v, int i) => v._v.GetElement(i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Xor(V512 v, int k) => k switch
    {
        0 => v,
        1 => new(Vector512.Shuffle(v._v, Vector512.Create(1L, 0, 3, 2, 5, 4, 7, 6))),
        2 => new(Vector512.Shuffle(v._v, Vector512.Create(2L, 3, 0, 1, 6, 7, 4, 5))),
        3 => new(Vector512.Shuffle(v._v, Vector512.Create(3L, 2, 1, 0, 7, 6, 5, 4))),
        4 => new(Vector512.Shuffle(v._v, Vector512.Create(4L, 5, 6, 7, 0, 1, 2, 3))),
        5 => new(Vector512.Shuffle(v._v, Vector512.Create(5L, 4, 7, 6, 1, 0, 3, 2))),
        6 => new(Vector512.Shuffle(v._v, Vector512.Create(6L, 7, 4, 5, 2, 3, 0, 1))),
        _ => new(Vector512.Shuffle(v._v, Vector512.Create(7L, 6, 5, 4, 3, 2, 1, 0))),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 Broadcast(V512 v, int a) => a switch
    {
        0 => new(Vector512.Shuffle(v._v, Vector512.Create(0L, 0, 0, 0, 4, 4, 4, 4))),
        1 => new(Vector512.Shuffle(v._v, Vector512.Create(1L, 1, 1, 1, 5, 5, 5, 5))),
        2 => new(Vector512.Shuffle(v._v, Vector512.Create(2L, 2, 2, 2, 6, 6, 6, 6))),
        _ => new(Vector512.Shuffle(v._v, Vector512.Create(3L, 3, 3, 3, 7, 7, 7, 7))),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose6(double* m, double* cols)
    {
        if (!Avx512F.IsSupported)
        {
            Vec8.TransposeScalar(m, cols);
            return;
        }
        Vector512<double> r0 = *(Vector512<double>*)m, r1 = *(Vector512<double>*)(m + 8), r2 = *(Vector512<double>*)(m + 16), r3 = *(Vector512<double>*)(m + 24);
        Vector512<double> r4 = *(Vector512<double>*)(m + 32), r5 = *(Vector512<double>*)(m + 40), r6 = *(Vector512<double>*)(m + 48), r7 = *(Vector512<double>*)(m + 56);
        var t0 = Avx512F.UnpackLow(r0, r1);
        var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3);
        var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5);
        var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7);
        var t7 = Avx512F.UnpackHigh(r6, r7);
        var u0 = Avx512F.Shuffle4x128(t0, t2, 0x88);
        var u1 = Avx512F.Shuffle4x128(t0, t2, 0xDD);
        var u2 = Avx512F.Shuffle4x128(t4, t6, 0x88);
        var u3 = Avx512F.Shuffle4x128(t4, t6, 0xDD);
        var w0 = Avx512F.Shuffle4x128(t1, t3, 0x88);
        var w1 = Avx512F.Shuffle4x128(t1, t3, 0xDD);
        var w2 = Avx512F.Shuffle4x128(t5, t7, 0x88);
        var w3 = Avx512F.Shuffle4x128(t5, t7, 0xDD);
        *(Vector512<double>*)cols = Avx512F.Shuffle4x128(u0, u2, 0x88);
        *(Vector512<double>*)(cols + 32) = Avx512F.Shuffle4x128(u0, u2, 0xDD);
        *(Vector512<double>*)(cols + 16) = Avx512F.Shuffle4x128(u1, u3, 0x88);
        *(Vector512<double>*)(cols + 8) = Avx512F.Shuffle4x128(w0, w2, 0x88);
        *(Vector512<double>*)(cols + 40) = Avx512F.Shuffle4x128(w0, w2, 0xDD);
        *(Vector512<double>*)(cols + 24) = Avx512F.Shuffle4x128(w1, w3, 0x88);
    }
}

/// <summary>Two 256-bit halves (AVX2): lanes 0–3 and 4–7.</summary>
internal readonly unsafe struct V256 : IVec8<V256>
{
    private readonly Vector256<double> _lo, _hi;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private V256(Vector256<double> lo, Vector256<double> hi)
    {
        _lo = lo;
        _hi = hi;
    }

    // Lane masks of the 16 nibbles (bit i → all-ones lane i), for Select: one load instead of broadcast, and,
    // compare. Constant data in the image, so the address is a JIT-time constant at every tier.
    private static ReadOnlySpan<byte> MaskBytes =>
    [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    ];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Mask(uint nibble) =>
        Vector256.LoadUnsafe(ref Unsafe.As<byte, double>(ref Unsafe.Add(ref MemoryMarshal.GetReference(MaskBytes), (nint)(nibble * 32))));

    public static SimdWidth Width => SimdWidth.Avx2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Splat(double v)
    {
        var x = Vector256.Create(v);
        return new(x, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 FirstAndRest(double first, double rest) => new(Vector256.Create(first, rest, rest, rest), Vector256.Create(rest));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Create(double e0, double e1, double e2, double e3, double e4, double e5, double e6, double e7) =>
        new(Vector256.Create(e0, e1, e2, e3), Vector256.Create(e4, e5, e6, e7));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Load(double* p) => new((*(Vector256<double>*)(p)), (*(Vector256<double>*)(p + 4)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Load6(double* p) => new((*(Vector256<double>*)(p)), (*(Vector128<double>*)(p + 4)).ToVector256());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(V256 v, double* p)
    {
        *(Vector256<double>*)(p) = v._lo;
        *(Vector256<double>*)(p + 4) = v._hi;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store6(V256 v, double* p)
    {
        *(Vector256<double>*)(p) = v._lo;
        *(Vector128<double>*)(p + 4) = v._hi.GetLower();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 operator +(V256 a, V256 b) => new(a._lo + b._lo, a._hi + b._hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 operator -(V256 a, V256 b) => new(a._lo - b._lo, a._hi - b._hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 operator *(V256 a, V256 b) => new(a._lo * b._lo, a._hi * b._hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Min(V256 a, V256 b) => new(Vector256.MinNative(a._lo, b._lo), Vector256.MinNative(a._hi, b._hi));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Max(V256 a, V256 b) => new(Vector256.MaxNative(a._lo, b._lo), Vector256.MaxNative(a._hi, b._hi));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Round(V256 v) => new(Vector256.Round(v._lo), Vector256.Round(v._hi));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Floor(V256 v) => new(Vector256.Floor(v._lo), Vector256.Floor(v._hi));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Abs(V256 v) => new(Vector256.Abs(v._lo), Vector256.Abs(v._hi));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 SignOf(V256 v)
    {
        var sign = Vector256.Create(-0.0);
        return new((v._lo & sign) | Vector256<double>.One, (v._hi & sign) | Vector256<double>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Less(V256 a, V256 b) =>
        Vector256.ExtractMostSignificantBits(Vector256.LessThan(a._lo, b._lo)) | (Vector256.ExtractMostSignificantBits(Vector256.LessThan(a._hi, b._hi)) << 4);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Equal(V256 a, V256 b) =>
        Vector256.ExtractMostSignificantBits(Vector256.Equals(a._lo, b._lo)) | (Vector256.ExtractMostSignificantBits(Vector256.Equals(a._hi, b._hi)) << 4);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Select(uint bits, V256 ifSet, V256 ifClear)
    {
        var ml = Mask(bits & 15);
        var mh = Mask((bits >> 4) & 15);
        if (Avx.IsSupported) return new(Avx.BlendVariable(ifClear._lo, ifSet._lo, ml), Avx.BlendVariable(ifClear._hi, ifSet._hi, mh));
        return new(Vector256.ConditionalSelect(ml, ifSet._lo, ifClear._lo), Vector256.ConditionalSelect(mh, ifSet._hi, ifClear._hi));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MinAcross(V256 v)
    {
        var m = Vector256.MinNative(v._lo, v._hi);
        var n = Vector128.MinNative(m.GetLower(), m.GetUpper());
        return Vec8.Min(n.ToScalar(), n.GetElement(1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxAcross(V256 v)
    {
        var m = Vector256.MaxNative(v._lo, v._hi);
        var n = Vector128.MaxNative(m.GetLower(), m.GetUpper());
        return Vec8.Max(n.ToScalar(), n.GetElement(1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SumAcross(V256 v)
    {
        var m = v._lo + v._hi;
        var n = m.GetLower() + m.GetUpper();
        return n.ToScalar() + n.GetElement(1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Lane(V256 v, int i) => i < 4 ? v._lo.GetElement(i) : v._hi.GetElement(i - 4);

    /// <summary>Lane i ← x[i ^ k] inside one 256-bit vector (k in 0..3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> XorIn4(Vector256<double> x, int k)
    {
        if (Avx2.IsSupported)
            return k switch
            {
                0 => x,
                1 => Avx.Permute(x, 0b0101),
                2 => Avx.Permute2x128(x, x, 0x01),
                _ => Avx2.Permute4x64(x, 0x1B),
            };
        return k switch
        {
            0 => x,
            1 => Vector256.Shuffle(x, Vector256.Create(1L, 0, 3, 2)),
            2 => Vector256.Shuffle(x, Vector256.Create(2L, 3, 0, 1)),
            _ => Vector256.Shuffle(x, Vector256.Create(3L, 2, 1, 0)),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> BroadcastIn4(Vector256<double> x, int a)
    {
        if (Avx2.IsSupported)
            return a switch
            {
                0 => Avx2.Permute4x64(x, 0x00),
                1 => Avx2.Permute4x64(x, 0x55),
                2 => Avx2.Permute4x64(x, 0xAA),
                _ => Avx2.Permute4x64(x, 0xFF),
            };
        return Vector256.Create(x.GetElement(a));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Xor(V256 v, int k)
    {
        var lo = XorIn4(v._lo, k & 3);
        var hi = XorIn4(v._hi, k & 3);
        return (k & 4) != 0 ? new(hi, lo) : new(lo, hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 Broadcast(V256 v, int a) => new(BroadcastIn4(v._lo, a), BroadcastIn4(v._hi, a));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose6(double* m, double* cols)
    {
        if (!Avx.IsSupported)
        {
            Vec8.TransposeScalar(m, cols);
            return;
        }
        // Four 4 × 4 blocks: rows 0–3 / 4–7 × columns 0–3 / 4–7 (of the last, only columns 4 and 5 are needed).
        Transpose4(m, cols);
        Transpose4(m + 32, cols + 4);
        Transpose2(m + 4, cols + 32);
        Transpose2(m + 36, cols + 36);
    }

    /// <summary>Columns 0–3 of rows 0–3 of the block at m, to c + 8j (4 lanes each).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4(double* m, double* c)
    {
        Vector256<double> r0 = *(Vector256<double>*)m, r1 = *(Vector256<double>*)(m + 8);
        Vector256<double> r2 = *(Vector256<double>*)(m + 16), r3 = *(Vector256<double>*)(m + 24);
        var t0 = Avx.UnpackLow(r0, r1);   // r0[0] r1[0] r0[2] r1[2]
        var t1 = Avx.UnpackHigh(r0, r1);  // r0[1] r1[1] r0[3] r1[3]
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        *(Vector256<double>*)c = Avx.Permute2x128(t0, t2, 0x20);
        *(Vector256<double>*)(c + 8) = Avx.Permute2x128(t1, t3, 0x20);
        *(Vector256<double>*)(c + 16) = Avx.Permute2x128(t0, t2, 0x31);
        *(Vector256<double>*)(c + 24) = Avx.Permute2x128(t1, t3, 0x31);
    }

    /// <summary>Columns 0 and 1 of rows 0–3 of the block at m, to c and c + 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose2(double* m, double* c)
    {
        var r02 = Vector256.Create(*(Vector128<double>*)m, *(Vector128<double>*)(m + 16));        // r0[0] r0[1] r2[0] r2[1]
        var r13 = Vector256.Create(*(Vector128<double>*)(m + 8), *(Vector128<double>*)(m + 24));   // r1[0] r1[1] r3[0] r3[1]
        *(Vector256<double>*)c = Avx.UnpackLow(r02, r13);          // r0[0] r1[0] r2[0] r3[0]
        *(Vector256<double>*)(c + 8) = Avx.UnpackHigh(r02, r13);   // r0[1] r1[1] r2[1] r3[1]
    }
}

/// <summary>Four 128-bit quarters (SSE4 or ARM64 AdvSimd): lanes 0–1, 2–3, 4–5, 6–7.</summary>
internal readonly unsafe struct V128 : IVec8<V128>
{
    private readonly Vector128<double> _a, _b, _c, _d;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private V128(Vector128<double> a, Vector128<double> b, Vector128<double> c, Vector128<double> d)
    {
        _a = a;
        _b = b;
        _c = c;
        _d = d;
    }

    // Lane masks of the 4 bit pairs, for Select (constant data in the image).
    private static ReadOnlySpan<byte> MaskBytes =>
    [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    ];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> Mask(uint pair) =>
        Vector128.LoadUnsafe(ref Unsafe.As<byte, double>(ref Unsafe.Add(ref MemoryMarshal.GetReference(MaskBytes), (nint)(pair * 16))));

    public static SimdWidth Width => SimdWidth.Vector128;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Splat(double v)
    {
        var x = Vector128.Create(v);
        return new(x, x, x, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 FirstAndRest(double first, double rest)
    {
        var x = Vector128.Create(rest);
        return new(Vector128.Create(first, rest), x, x, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Create(double e0, double e1, double e2, double e3, double e4, double e5, double e6, double e7) =>
        new(Vector128.Create(e0, e1), Vector128.Create(e2, e3), Vector128.Create(e4, e5), Vector128.Create(e6, e7));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Load(double* p) => new((*(Vector128<double>*)(p)), (*(Vector128<double>*)(p + 2)), (*(Vector128<double>*)(p + 4)), (*(Vector128<double>*)(p + 6)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Load6(double* p) => new((*(Vector128<double>*)(p)), (*(Vector128<double>*)(p + 2)), (*(Vector128<double>*)(p + 4)), Vector128<double>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(V128 v, double* p)
    {
        *(Vector128<double>*)(p) = v._a;
        *(Vector128<double>*)(p + 2) = v._b;
        *(Vector128<double>*)(p + 4) = v._c;
        *(Vector128<double>*)(p + 6) = v._d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store6(V128 v, double* p)
    {
        *(Vector128<double>*)(p) = v._a;
        *(Vector128<double>*)(p + 2) = v._b;
        *(Vector128<double>*)(p + 4) = v._c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 operator +(V128 x, V128 y) => new(x._a + y._a, x._b + y._b, x._c + y._c, x._d + y._d);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 operator -(V128 x, V128 y) => new(x._a - y._a, x._b - y._b, x._c - y._c, x._d - y._d);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 operator *(V128 x, V128 y) => new(x._a * y._a, x._b * y._b, x._c * y._c, x._d * y._d);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Min(V128 x, V128 y) =>
        new(Vector128.MinNative(x._a, y._a), Vector128.MinNative(x._b, y._b), Vector128.MinNative(x._c, y._c), Vector128.MinNative(x._d, y._d));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Max(V128 x, V128 y) =>
        new(Vector128.MaxNative(x._a, y._a), Vector128.MaxNative(x._b, y._b), Vector128.MaxNative(x._c, y._c), Vector128.MaxNative(x._d, y._d));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Round(V128 v) => new(Vector128.Round(v._a), Vector128.Round(v._b), Vector128.Round(v._c), Vector128.Round(v._d));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Floor(V128 v) => new(Vector128.Floor(v._a), Vector128.Floor(v._b), Vector128.Floor(v._c), Vector128.Floor(v._d));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Abs(V128 v) => new(Vector128.Abs(v._a), Vector128.Abs(v._b), Vector128.Abs(v._c), Vector128.Abs(v._d));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 SignOf(V128 v)
    {
        var one = Vector128<double>.One;
        var sign = Vector128.Create(-0.0);
        return new((v._a & sign) | one, (v._b & sign) | one, (v._c & sign) | one, (v._d & sign) | one);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Less(V128 x, V128 y) =>
        Vector128.ExtractMostSignificantBits(Vector128.LessThan(x._a, y._a))
        | (Vector128.ExtractMostSignificantBits(Vector128.LessThan(x._b, y._b)) << 2)
        | (Vector128.ExtractMostSignificantBits(Vector128.LessThan(x._c, y._c)) << 4)
        | (Vector128.ExtractMostSignificantBits(Vector128.LessThan(x._d, y._d)) << 6);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Equal(V128 x, V128 y) =>
        Vector128.ExtractMostSignificantBits(Vector128.Equals(x._a, y._a))
        | (Vector128.ExtractMostSignificantBits(Vector128.Equals(x._b, y._b)) << 2)
        | (Vector128.ExtractMostSignificantBits(Vector128.Equals(x._c, y._c)) << 4)
        | (Vector128.ExtractMostSignificantBits(Vector128.Equals(x._d, y._d)) << 6);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> Blend(Vector128<double> mask, Vector128<double> ifSet, Vector128<double> ifClear) =>
        Sse41.IsSupported ? Sse41.BlendVariable(ifClear, ifSet, mask) : Vector128.ConditionalSelect(mask, ifSet, ifClear);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Select(uint bits, V128 ifSet, V128 ifClear) => new(
        Blend(Mask(bits & 3), ifSet._a, ifClear._a),
        Blend(Mask((bits >> 2) & 3), ifSet._b, ifClear._b),
        Blend(Mask((bits >> 4) & 3), ifSet._c, ifClear._c),
        Blend(Mask((bits >> 6) & 3), ifSet._d, ifClear._d));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MinAcross(V128 v)
    {
        var n = Vector128.MinNative(Vector128.MinNative(v._a, v._c), Vector128.MinNative(v._b, v._d));
        return Vec8.Min(n.ToScalar(), n.GetElement(1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxAcross(V128 v)
    {
        var n = Vector128.MaxNative(Vector128.MaxNative(v._a, v._c), Vector128.MaxNative(v._b, v._d));
        return Vec8.Max(n.ToScalar(), n.GetElement(1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SumAcross(V128 v)
    {
        var n = (v._a + v._c) + (v._b + v._d);
        return n.ToScalar() + n.GetElement(1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Lane(V128 v, int i) => (i >> 1) switch
    {
        0 => v._a.GetElement(i & 1),
        1 => v._b.GetElement(i & 1),
        2 => v._c.GetElement(i & 1),
        _ => v._d.GetElement(i & 1),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> Swap(Vector128<double> x) => Vector128.Shuffle(x, Vector128.Create(1L, 0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Xor(V128 v, int k)
    {
        Vector128<double> a = v._a, b = v._b, c = v._c, d = v._d;
        if ((k & 4) != 0)
        {
            (a, c) = (c, a);
            (b, d) = (d, b);
        }
        if ((k & 2) != 0)
        {
            (a, b) = (b, a);
            (c, d) = (d, c);
        }
        if ((k & 1) != 0)
        {
            a = Swap(a);
            b = Swap(b);
            c = Swap(c);
            d = Swap(d);
        }
        return new(a, b, c, d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V128 Broadcast(V128 v, int a)
    {
        var lo = (a & 2) == 0 ? v._a : v._b;
        var hi = (a & 2) == 0 ? v._c : v._d;
        var bl = (a & 1) == 0 ? Vector128.Shuffle(lo, Vector128.Create(0L, 0)) : Vector128.Shuffle(lo, Vector128.Create(1L, 1));
        var bh = (a & 1) == 0 ? Vector128.Shuffle(hi, Vector128.Create(0L, 0)) : Vector128.Shuffle(hi, Vector128.Create(1L, 1));
        return new(bl, bl, bh, bh);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose6(double* m, double* cols)
    {
        if (!Sse2.IsSupported)
        {
            Vec8.TransposeScalar(m, cols);
            return;
        }
        // Lanes (r, r + 1) of columns 2q and 2q + 1 are the unpacks of rows r and r + 1's entries 2q, 2q + 1.
        for (int r = 0; r < 8; r += 2)
        {
            double* p = m + r * 8, c = cols + r;
            for (int q = 0; q < 6; q += 2)
            {
                Vector128<double> a = *(Vector128<double>*)(p + q), b = *(Vector128<double>*)(p + 8 + q);
                *(Vector128<double>*)(c + q * 8) = Sse2.UnpackLow(a, b);
                *(Vector128<double>*)(c + q * 8 + 8) = Sse2.UnpackHigh(a, b);
            }
        }
    }
}

/// <summary>Eight scalars: the path without vector hardware (also the reference the others must equal).</summary>
internal readonly unsafe struct VScalar : IVec8<VScalar>
{
    private readonly double _0, _1, _2, _3, _4, _5, _6, _7;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private VScalar(double a0, double a1, double a2, double a3, double a4, double a5, double a6, double a7)
    {
        _0 = a0; _1 = a1; _2 = a2; _3 = a3; _4 = a4; _5 = a5; _6 = a6; _7 = a7;
    }

    public static SimdWidth Width => SimdWidth.Scalar;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar Splat(double v) => new(v, v, v, v, v, v, v, v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar FirstAndRest(double first, double rest) => new(first, rest, rest, rest, rest, rest, rest, rest);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar Create(double e0, double e1, double e2, double e3, double e4, double e5, double e6, double e7) =>
        new(e0, e1, e2, e3, e4, e5, e6, e7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar Load(double* p) => new(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar Load6(double* p) => new(p[0], p[1], p[2], p[3], p[4], p[5], 0, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(VScalar v, double* p)
    {
        p[0] = v._0; p[1] = v._1; p[2] = v._2; p[3] = v._3; p[4] = v._4; p[5] = v._5; p[6] = v._6; p[7] = v._7;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store6(VScalar v, double* p)
    {
        p[0] = v._0; p[1] = v._1; p[2] = v._2; p[3] = v._3; p[4] = v._4; p[5] = v._5;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar operator +(VScalar a, VScalar b) =>
        new(a._0 + b._0, a._1 + b._1, a._2 + b._2, a._3 + b._3, a._4 + b._4, a._5 + b._5, a._6 + b._6, a._7 + b._7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar operator -(VScalar a, VScalar b) =>
        new(a._0 - b._0, a._1 - b._1, a._2 - b._2, a._3 - b._3, a._4 - b._4, a._5 - b._5, a._6 - b._6, a._7 - b._7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar operator *(VScalar a, VScalar b) =>
        new(a._0 * b._0, a._1 * b._1, a._2 * b._2, a._3 * b._3, a._4 * b._4, a._5 * b._5, a._6 * b._6, a._7 * b._7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Mn(double a, double b) => a < b ? a : b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Mx(double a, double b) => a > b ? a : b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar Min(VScalar a, VScalar b) =>
        new(Mn(a._0, b._0), Mn(a._1, b._1), Mn(a._2, b._2), Mn(a._3, b._3), Mn(a._4, b._4), Mn(a._5, b._5), Mn(a._6, b._6), Mn(a._7, b._7));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar Max(VScalar a, VScalar b) =>
        new(Mx(a._0, b._0), Mx(a._1, b._1), Mx(a._2, b._2), Mx(a._3, b._3), Mx(a._4, b._4), Mx(a._5, b._5), Mx(a._6, b._6), Mx(a._7, b._7));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar Round(VScalar v) => new(Math.Round(v._0), Math.Round(v._1), Math.Round(v._2), Math.Round(v._3),
        Math.Round(v._4), Math.Round(v._5), Math.Round(v._6), Math.Round(v._7));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar Floor(VScalar v) => new(Math.Floor(v._0), Math.Floor(v._1), Math.Floor(v._2), Math.Floor(v._3),
        Math.Floor(v._4), Math.Floor(v._5), Math.Floor(v._6), Math.Floor(v._7));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar Abs(VScalar v) => new(Math.Abs(v._0), Math.Abs(v._1), Math.Abs(v._2), Math.Abs(v._3),
        Math.Abs(v._4), Math.Abs(v._5), Math.Abs(v._6), Math.Abs(v._7));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar SignOf(VScalar v) => new(Sg(v._0), Sg(v._1), Sg(v._2), Sg(v._3), Sg(v._4), Sg(v._5), Sg(v._6), Sg(v._7));

    /// <summary>CopySign(1, v) by bits (Math.CopySign is not always expanded inline).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Sg(double v) => Unsafe.BitCast<long, double>((Unsafe.BitCast<double, long>(v) & long.MinValue) | 0x3FF0000000000000);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint B(bool c, int i) => c ? 1u << i : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Less(VScalar a, VScalar b) =>
        B(a._0 < b._0, 0) | B(a._1 < b._1, 1) | B(a._2 < b._2, 2) | B(a._3 < b._3, 3)
        | B(a._4 < b._4, 4) | B(a._5 < b._5, 5) | B(a._6 < b._6, 6) | B(a._7 < b._7, 7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Equal(VScalar a, VScalar b) =>
        B(a._0 == b._0, 0) | B(a._1 == b._1, 1) | B(a._2 == b._2, 2) | B(a._3 == b._3, 3)
        | B(a._4 == b._4, 4) | B(a._5 == b._5, 5) | B(a._6 == b._6, 6) | B(a._7 == b._7, 7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double S(uint bits, int i, double t, double f) => ((bits >> i) & 1) != 0 ? t : f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar Select(uint bits, VScalar t, VScalar f) => new(
        S(bits, 0, t._0, f._0), S(bits, 1, t._1, f._1), S(bits, 2, t._2, f._2), S(bits, 3, t._3, f._3),
        S(bits, 4, t._4, f._4), S(bits, 5, t._5, f._5), S(bits, 6, t._6, f._6), S(bits, 7, t._7, f._7));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MinAcross(VScalar v) =>
        Mn(Mn(Mn(v._0, v._4), Mn(v._2, v._6)), Mn(Mn(v._1, v._5), Mn(v._3, v._7)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxAcross(VScalar v) =>
        Mx(Mx(Mx(v._0, v._4), Mx(v._2, v._6)), Mx(Mx(v._1, v._5), Mx(v._3, v._7)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SumAcross(VScalar v) => ((v._0 + v._4) + (v._2 + v._6)) + ((v._1 + v._5) + (v._3 + v._7));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Lane(VScalar v, int i) => i switch
    {
        0 => v._0, 1 => v._1, 2 => v._2, 3 => v._3, 4 => v._4, 5 => v._5, 6 => v._6, _ => v._7,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar Xor(VScalar v, int k) => new(Lane(v, k), Lane(v, 1 ^ k), Lane(v, 2 ^ k), Lane(v, 3 ^ k),
        Lane(v, 4 ^ k), Lane(v, 5 ^ k), Lane(v, 6 ^ k), Lane(v, 7 ^ k));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VScalar Broadcast(VScalar v, int a)
    {
        double lo = Lane(v, a), hi = Lane(v, 4 + a);
        return new(lo, lo, lo, lo, hi, hi, hi, hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose6(double* m, double* cols) => Vec8.TransposeScalar(m, cols);
}
