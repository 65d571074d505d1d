using System.Numerics;
using System.Numerics.Tensors;
using Ltc.Simd;
using MathNet.Numerics.LinearAlgebra;

namespace Ltc.Lattices;

/// <summary>
/// A lattice Λ = { kG : k ∈ Zⁿ } in Rⁿ together with an exact closest-point (nearest lattice point) decoder.
/// The generator matrix G has the basis vectors as rows and is stored row-major.
/// </summary>
/// <remarks>
/// Subclasses implement <see cref="ClosestPoint(ReadOnlySpan{double}, Span{double})"/> for one vector; the batch
/// methods here spread that over threads. Decoders must be exact: a returned point is a closest lattice point
/// (ties may go either way).
/// </remarks>
public abstract class Lattice
{
    private readonly double[] _generator;
    private double[]? _inverseGenerator;
    private double _volume = double.NaN;

    /// <summary>Creates a lattice from its name and its n × n row-major generator matrix.</summary>
    protected Lattice(string name, double[] generator, int dimension)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension));
        if (generator.Length != dimension * dimension)
            throw new ArgumentException($"generator has {generator.Length} entries, expected {dimension}×{dimension}", nameof(generator));
        Name = name;
        Dimension = dimension;
        _generator = generator;
    }

    /// <summary>The lattice's name as written on the command line, e.g. <c>E8</c> or <c>D4*</c>.</summary>
    public string Name { get; }

    /// <summary>The dimension n.</summary>
    public int Dimension { get; }

    /// <summary>The generator matrix G (rows are basis vectors), row-major n × n.</summary>
    public ReadOnlySpan<double> Generator => _generator;

    /// <summary>Entry (row, column) of the generator matrix.</summary>
    public double GeneratorAt(int row, int column) => _generator[row * Dimension + column];

    /// <summary>The volume of a Voronoi cell, |det G|.</summary>
    public double Volume
    {
        get
        {
            if (double.IsNaN(_volume)) _volume = Math.Abs(GeneratorMatrix().Determinant());
            return _volume;
        }
    }

    /// <summary>
    /// The published normalized second moment G(Λ) of this lattice (scale-invariant), or null when none is known.
    /// </summary>
    public virtual double? PublishedNsm => null;

    /// <summary>
    /// The value of SPLAG's Table 2.3 (Conway and Sloane) where a later exact or more precise value, now
    /// <see cref="PublishedNsm"/>, superseded it (the Barnes–Wall and Leech lattices; paper brief, section 8); null
    /// for every other lattice. Reported next to the current value so that an estimate can be compared with both.
    /// </summary>
    public virtual double? SupersededNsm => null;

    /// <summary>The granular gain over Zⁿ of <see cref="PublishedNsm"/> in dB, 10·log10((1/12)/G), or null without one.</summary>
    public double? PublishedGranularGainDb => PublishedNsm is double g ? GranularGainDb(g) : null;

    /// <summary>The granular gain over Zⁿ, in dB, of a lattice whose normalized second moment is <paramref name="nsm"/>: 10·log10((1/12)/G).</summary>
    public static double GranularGainDb(double nsm) => 10 * Math.Log10(1.0 / 12.0 / nsm);

    /// <summary>A short description of the closest-point algorithm, for <c>ltc lattice list</c>.</summary>
    public virtual string Decoder => "unspecified";

    private double _minimumNorm = double.NaN;

    /// <summary>
    /// True when the lattice class knows <see cref="MinimumNorm"/> without a search (a closed form, or its parts'
    /// values for a direct sum); false when it is found by sphere-decoder enumeration, whose cost grows exponentially
    /// with the dimension (a caller may then skip it above a few dozen dimensions).
    /// </summary>
    public virtual bool IsMinimumNormKnown => false;

    /// <summary>
    /// The squared length of a shortest nonzero lattice vector. Found by sphere-decoder enumeration unless the
    /// lattice knows it (exponential in n for the generic search, so fine up to a few dozen dimensions).
    /// </summary>
    public virtual double MinimumNorm
    {
        get
        {
            if (double.IsNaN(_minimumNorm)) _minimumNorm = new SphereDecoder(this).MinimumNorm();
            return _minimumNorm;
        }
    }

    /// <summary>
    /// Writes to <paramref name="y"/> a lattice point closest to <paramref name="x"/> in Euclidean distance.
    /// Both spans have length <see cref="Dimension"/> and must not overlap.
    /// </summary>
    public abstract void ClosestPoint(ReadOnlySpan<double> x, Span<double> y);

    /// <summary>Closest point of a float32 vector, decoded in double precision and rounded back to float32.</summary>
    public void ClosestPoint(ReadOnlySpan<float> x, Span<float> y)
    {
        int n = Dimension;
        CheckLength(x.Length, y.Length, n);
        double[]? rented = null;
        Span<double> buf = n <= 256 ? stackalloc double[2 * n] : (rented = System.Buffers.ArrayPool<double>.Shared.Rent(2 * n));
        var xd = buf[..n];
        var yd = buf.Slice(n, n);
        for (int i = 0; i < n; i++) xd[i] = x[i];
        ClosestPoint(xd, yd);
        for (int i = 0; i < n; i++) y[i] = (float)yd[i];
        if (rented != null) System.Buffers.ArrayPool<double>.Shared.Return(rented);
    }

    /// <summary>
    /// Closest points of a batch of vectors stored row-major (count × n). Large batches are split over
    /// <paramref name="threads"/> threads (0 = all processors). <paramref name="xs"/> and <paramref name="ys"/> may
    /// be the same memory (decoded in place) but must not otherwise overlap.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length or do not hold whole vectors.</exception>
    /// <exception cref="LtcException">A coordinate is beyond the decoder's range (<see cref="LatticeCatalog.MaxDecodeMagnitude"/>).</exception>
    public void ClosestPoints(ReadOnlySpan<double> xs, Span<double> ys, int threads = 0) =>
        ClosestPoints(xs, ys, threads, SimdPath.Current);

    /// <summary>
    /// Closest points of a row-major float32 batch (count × n), decoded in double precision (the floats widen exactly)
    /// and rounded back to float32; see the double overload.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length or do not hold whole vectors.</exception>
    /// <exception cref="LtcException">A coordinate is beyond the decoder's range (<see cref="LatticeCatalog.MaxDecodeMagnitude"/>).</exception>
    public void ClosestPoints(ReadOnlySpan<float> xs, Span<float> ys, int threads = 0) =>
        ClosestPoints(xs, ys, threads, SimdPath.Current);

    /// <summary>
    /// The batch decode of float64 or float32 points on a given vector path (tests run every path in one process):
    /// split into chunks over threads; float64 chunks go to <see cref="ClosestPointsCore"/> in place, other types are
    /// widened to float64 a block at a time, decoded and converted back.
    /// </summary>
    internal unsafe void ClosestPoints<T>(ReadOnlySpan<T> xs, Span<T> ys, int threads, SimdWidth width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = Dimension;
        if (xs.Length != ys.Length || xs.Length % n != 0)
            throw new ArgumentException($"batch of {xs.Length} values does not hold whole {n}-dimensional vectors (or output length {ys.Length} differs)");
        int count = xs.Length / n;
        fixed (T* px = xs)
        fixed (T* py = ys)
        {
            var ix = (nint)px;
            var iy = (nint)py;
            RunChunks(count, threads, (start, end) =>
            {
                T* x = (T*)ix + (long)start * n, y = (T*)iy + (long)start * n;
                if (typeof(T) == typeof(double)) ClosestPointsCore((double*)x, (double*)y, end - start, width);
                else ClosestPointsStaged(x, y, end - start, width);
            });
        }
    }

    // Widened exactly to float64 a block at a time, decoded, converted back (rounded to nearest for float32).
    private unsafe void ClosestPointsStaged<T>(T* xs, T* ys, int count, SimdWidth width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = Dimension;
        int block = Math.Max(1, BlockValues / n);
        var buf = new double[2 * Math.Min(block, count) * n];
        fixed (double* pb = buf)
        {
            for (int s = 0; s < count; s += block)
            {
                int b = Math.Min(block, count - s), len = b * n;
                T* src = xs + (long)s * n, dst = ys + (long)s * n;
                for (int j = 0; j < len; j++) pb[j] = double.CreateTruncating(src[j]);
                ClosestPointsCore(pb, pb + len, b, width);
                for (int j = 0; j < len; j++) dst[j] = T.CreateTruncating(pb[len + j]);
            }
        }
    }

    /// <summary>
    /// Refuses, with the one-line <see cref="LtcException"/> of <see cref="DecoderLimits"/>, a batch holding a coordinate
    /// beyond <see cref="LatticeCatalog.MaxDecodeMagnitude"/> (or NaN, or infinite): the vector decoders round in
    /// double precision and are exact within that range. One vectorized pass over the batch.
    /// </summary>
    private protected unsafe void CheckMagnitudes(double* xs, int count)
    {
        if (count <= 0) return;
        int n = Dimension;
        long len = (long)count * n;
        bool ok = SimdPath.Current switch
        {
            SimdWidth.Avx512 => WithinLimit<V512>(xs, len),
            SimdWidth.Avx2 => WithinLimit<V256>(xs, len),
            SimdWidth.Vector128 => WithinLimit<V128>(xs, len),
            _ => WithinLimit<VScalar>(xs, len),
        };
        if (ok) return;
        for (long p = 0; p < count; p++) DecoderLimits.Check(new ReadOnlySpan<double>(xs + p * n, n), Name);
    }

    /// <summary>
    /// <see cref="ClosestPoint(ReadOnlySpan{double}, Span{double})"/> as a batch of one point at the start-up width, for
    /// lattices whose <see cref="ClosestPointsCore"/> is the decoder (D_n, D_n*).
    /// </summary>
    private protected unsafe void ClosestPointByBatch(ReadOnlySpan<double> x, Span<double> y)
    {
        int n = Dimension;
        if (x.Length != n || y.Length != n) throw new ArgumentException($"expected vectors of length {n}");
        fixed (double* px = x)
        fixed (double* py = y)
            ClosestPointsCore(px, py, 1, SimdPath.Current);
    }

    /// <summary>
    /// <see cref="ClosestPoint(ReadOnlySpan{double}, Span{double})"/> of a lattice decoded by a vector kernel
    /// (E8, BW16, Leech): checks the lengths and the range, then decodes at the start-up width.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private protected unsafe void KernelClosestPoint<TKernel>(ReadOnlySpan<double> x, Span<double> y) where TKernel : struct, IPointKernel
    {
        int n = Dimension;
        if (x.Length != n || y.Length != n) throw new ArgumentException($"expected vectors of length {n}");
        fixed (double* px = x)
        fixed (double* py = y)
        {
            CheckMagnitudes(px, 1);
            PointKernels.One<TKernel>(px, py);
        }
    }

    /// <summary><see cref="ClosestPointsCore"/> of a lattice decoded by a vector kernel: the range check, then the kernel over the batch.</summary>
    private protected unsafe void KernelClosestPoints<TKernel>(double* xs, double* ys, int count, SimdWidth width) where TKernel : struct, IPointKernel
    {
        CheckMagnitudes(xs, count);
        PointKernels.Batch<TKernel>(xs, ys, count, Dimension, width);
    }

    /// <summary>True when every |x[i]| ≤ <see cref="LatticeCatalog.MaxDecodeMagnitude"/> (false for NaN), 8 lanes at a time.</summary>
    private static unsafe bool WithinLimit<T>(double* x, long len) where T : unmanaged, IVec8<T>
    {
        // |v| < the next double above the limit ⇔ |v| ≤ limit, and false for NaN.
        double above = Math.BitIncrement(LatticeCatalog.MaxDecodeMagnitude);
        var bound = T.Splat(above);
        uint all = 0xFF;
        long i = 0;
        for (; i + 8 <= len; i += 8) all &= T.Less(T.Abs(T.Load(x + i)), bound);
        for (; i < len; i++) if (!(Math.Abs(x[i]) < above)) all = 0;
        return all == 0xFF;
    }

    /// <summary>Values per block where batch paths stage points through a buffer (fits L1 with its output).</summary>
    private protected const int BlockValues = 1536;

    /// <summary>
    /// The single-threaded batch kernel: closest points of <paramref name="count"/> row-major points at
    /// <paramref name="xs"/> written to <paramref name="ys"/> (which may equal <paramref name="xs"/>), on the vector
    /// path <paramref name="width"/>. The lattices with vector kernels override it; the default decodes point by point.
    /// </summary>
    internal virtual unsafe void ClosestPointsCore(double* xs, double* ys, int count, SimdWidth width)
    {
        int n = Dimension;
        for (long i = 0; i < count; i++)
            ClosestPoint(new ReadOnlySpan<double>(xs + i * n, n), new Span<double>(ys + i * n, n));
    }

    /// <summary>
    /// The integer coordinates k of a lattice point y = kG. The point must be a lattice point (up to floating-point
    /// rounding, which is removed by rounding k).
    /// </summary>
    public void Coordinates(ReadOnlySpan<double> point, Span<long> k)
    {
        int n = Dimension;
        CheckLength(point.Length, k.Length, n);
        var inv = InverseGenerator;
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int i = 0; i < n; i++) s += point[i] * inv[i * n + j];
            k[j] = (long)Math.Round(s);
        }
    }

    /// <summary>
    /// The integer coordinates of row-major lattice points (count × n), checked: each point is rebuilt from its
    /// coordinates and must come back within 10⁻⁹ of its largest magnitude (at least 1).
    /// </summary>
    /// <param name="points">Lattice points, e.g. from <see cref="ClosestPoints(ReadOnlySpan{double}, Span{double}, int)"/>.</param>
    /// <param name="k">The coordinates, the same length as <paramref name="points"/>.</param>
    /// <exception cref="ArgumentException">The spans differ in length or do not hold whole vectors.</exception>
    /// <exception cref="LtcException">A point is too large for exact int64 coordinates (names its row).</exception>
    public void CheckedCoordinates(ReadOnlySpan<double> points, Span<long> k)
    {
        int n = Dimension;
        if (points.Length != k.Length || points.Length % n != 0)
            throw new ArgumentException($"batch of {points.Length} values does not hold whole {n}-dimensional vectors (or output length {k.Length} differs)");
        Span<double> p = n <= 256 ? stackalloc double[n] : new double[n];
        for (int o = 0; o < points.Length; o += n)
        {
            var point = points.Slice(o, n);
            var ki = k.Slice(o, n);
            Coordinates(point, ki);
            PointFromCoordinates(ki, p);
            double scale = 1;
            for (int j = 0; j < n; j++) scale = Math.Max(scale, Math.Abs(point[j]));
            for (int j = 0; j < n; j++)
                if (Math.Abs(p[j] - point[j]) > 1e-9 * scale)
                    throw new LtcException($"row {o / n} is too large for exact integer lattice coordinates");
        }
    }

    /// <summary>The lattice point y = kG of integer coordinates k.</summary>
    public void PointFromCoordinates(ReadOnlySpan<long> k, Span<double> y)
    {
        int n = Dimension;
        CheckLength(k.Length, y.Length, n);
        y.Clear();
        for (int i = 0; i < n; i++)
        {
            double ki = k[i];
            if (ki == 0) continue;
            var row = _generator.AsSpan(i * n, n);
            for (int j = 0; j < n; j++) y[j] += ki * row[j];
        }
    }

    /// <summary>This lattice scaled by s: the lattice sΛ, decoded as s·Q(x/s).</summary>
    public virtual Lattice Scaled(double s)
    {
        if (!(s > 0) || double.IsInfinity(s)) throw new ArgumentOutOfRangeException(nameof(s), "scale must be positive and finite");
        return s == 1 ? this : new ScaledLattice(this, s);
    }

    /// <summary>This lattice scaled so that its Voronoi cell has volume 1, as LTC uses it.</summary>
    public Lattice WithUnitVolume() => Scaled(Math.Pow(Volume, -1.0 / Dimension));

    /// <summary>G⁻¹, row-major, computed once.</summary>
    protected ReadOnlySpan<double> InverseGenerator
    {
        get
        {
            if (_inverseGenerator == null)
            {
                var inv = GeneratorMatrix().Inverse();
                var a = new double[Dimension * Dimension];
                for (int i = 0; i < Dimension; i++)
                    for (int j = 0; j < Dimension; j++)
                        a[i * Dimension + j] = inv[i, j];
                _inverseGenerator = a;
            }
            return _inverseGenerator;
        }
    }

    /// <summary>The generator as a MathNet matrix (a copy).</summary>
    public Matrix<double> GeneratorMatrix() =>
        Matrix<double>.Build.Dense(Dimension, Dimension, (i, j) => _generator[i * Dimension + j]);

    /// <summary>The name, with its dimension.</summary>
    public override string ToString() => $"{Name} (n = {Dimension})";

    private static void CheckLength(int a, int b, int n)
    {
        if (a != n || b != n) throw new ArgumentException($"expected vectors of length {n}, got {a} and {b}");
    }

    /// <summary>Runs body over [0, count) in contiguous chunks, in parallel when the batch is large enough.</summary>
    internal static void RunChunks(int count, int threads, Action<int, int> body)
    {
        int workers = threads <= 0 ? Environment.ProcessorCount : threads;
        // Below a few thousand points thread start-up costs more than it saves.
        if (workers == 1 || count < 4096)
        {
            body(0, count);
            return;
        }
        int chunks = Math.Min(workers * 4, Math.Max(1, count / 1024));
        var options = new ParallelOptions { MaxDegreeOfParallelism = workers };
        Parallel.For(0, chunks, options, c =>
        {
            int start = (int)((long)count * c / chunks);
            int end = (int)((long)count * (c + 1) / chunks);
            body(start, end);
        });
    }
}

/// <summary>The lattice sΛ: decoded as s·Q_Λ(x/s), with generator sG.</summary>
public sealed class ScaledLattice : Lattice
{
    private readonly double _inv;

    /// <summary>Wraps <paramref name="inner"/> scaled by <paramref name="scale"/>.</summary>
    public ScaledLattice(Lattice inner, double scale)
        : base(inner.Name, ScaleGenerator(inner, scale), inner.Dimension)
    {
        Inner = inner;
        Scale = scale;
        _inv = 1.0 / scale;
    }

    /// <summary>The unscaled lattice.</summary>
    public Lattice Inner { get; }

    /// <summary>The scale factor s.</summary>
    public double Scale { get; }

    /// <inheritdoc/>
    public override double? PublishedNsm => Inner.PublishedNsm;

    /// <inheritdoc/>
    public override string Decoder => Inner.Decoder;

    /// <inheritdoc/>
    public override Lattice Scaled(double s) => Inner.Scaled(Scale * s);

    /// <inheritdoc/>
    public override double MinimumNorm => Inner.MinimumNorm * Scale * Scale;

    /// <inheritdoc/>
    public override bool IsMinimumNormKnown => Inner.IsMinimumNormKnown;

    /// <inheritdoc/>
    public override double? SupersededNsm => Inner.SupersededNsm;

    /// <inheritdoc/>
    [System.Runtime.CompilerServices.SkipLocalsInit]
    public override void ClosestPoint(ReadOnlySpan<double> x, Span<double> y)
    {
        int n = Dimension;
        Span<double> t = n <= 256 ? stackalloc double[n] : new double[n];
        for (int i = 0; i < n; i++) t[i] = x[i] * _inv;
        Inner.ClosestPoint(t, y);
        for (int i = 0; i < n; i++) y[i] *= Scale;
    }

    /// <inheritdoc/>
    /// <remarks>The same arithmetic as <see cref="ClosestPoint"/> (x·(1/s), decode, ·s), a block of points at a time.</remarks>
    internal override unsafe void ClosestPointsCore(double* xs, double* ys, int count, SimdWidth width)
    {
        int n = Dimension;
        int block = Math.Max(1, BlockValues / n);
        double[]? heap = (long)block * n > BlockValues ? new double[block * n] : null;
        double* stack = stackalloc double[heap == null ? block * n : 1];
        fixed (double* h = heap)
        {
            double* t = heap == null ? stack : h;
            for (long s = 0; s < count; s += block)
            {
                int b = (int)Math.Min(block, count - s), len = b * n;
                var x = new ReadOnlySpan<double>(xs + s * n, len);
                var y = new Span<double>(ys + s * n, len);
                var tb = new Span<double>(t, len);
                TensorPrimitives.Multiply(x, _inv, tb);
                Inner.ClosestPointsCore(t, ys + s * n, b, width);
                TensorPrimitives.Multiply(y, Scale, y);
            }
        }
    }

    private static double[] ScaleGenerator(Lattice inner, double s)
    {
        var g = inner.Generator.ToArray();
        for (int i = 0; i < g.Length; i++) g[i] *= s;
        return g;
    }
}
