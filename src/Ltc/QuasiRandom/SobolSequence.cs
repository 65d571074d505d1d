using System.Globalization;
using System.Numerics;

namespace Ltc.QuasiRandom;

/// <summary>
/// The Sobol low-discrepancy sequence in [0,1)^d with the Joe–Kuo direction numbers (set new-joe-kuo-6.21201,
/// up to <see cref="MaxDimension"/> dimensions), generated in Gray-code order with <see cref="Bits"/>-bit
/// direction numbers. Optionally scrambled by a random linear matrix scramble plus a random digital shift
/// (Matoušek 1998; what scipy's <c>Sobol(scramble=True)</c> does), seeded.
/// </summary>
/// <remarks>
/// Unscrambled, point 0 is the origin and the first 2^m points (for every m) are a (t, m, d)-net; the values equal
/// those of other Joe–Kuo implementations (scipy, PyTorch) for the first 2^32 points. Scrambling keeps the net
/// property, makes every point uniform on [0,1)^d, and makes independent scrambles give independent estimates, from
/// whose spread a standard error can be computed.
/// </remarks>
public sealed class SobolSequence
{
    /// <summary>The highest dimension supported (the embedded Joe–Kuo table).</summary>
    public const int MaxDimension = JoeKuoDirectionNumbers.MaxDimension;

    /// <summary>Bits of each coordinate: points are multiples of 2^-53, exact in a double; at most 2^53 points.</summary>
    public const int Bits = 53;

    private const ulong Mask = (1UL << Bits) - 1;
    private static readonly Lazy<ulong[]> Unscrambled = new(BuildDirections);

    private readonly ulong[] _directions; // dimension × Bits; _directions[j * Bits + k] = v_{k+1} of coordinate j, scaled by 2^Bits
    private readonly ulong[] _shift;
    private readonly ulong[] _state;
    private long _index;

    /// <summary>Creates the sequence in <paramref name="dimension"/> dimensions, positioned at point 0.</summary>
    /// <param name="dimension">1 to <see cref="MaxDimension"/>.</param>
    /// <param name="scramble">Apply a random linear matrix scramble and digital shift drawn from <paramref name="seed"/>.</param>
    /// <param name="seed">Seed of the scramble (ignored when not scrambling).</param>
    public SobolSequence(int dimension, bool scramble = false, int seed = 0)
    {
        if (dimension < 1 || dimension > MaxDimension)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"the Sobol sequence here has 1 to {MaxDimension} dimensions");
        Dimension = dimension;
        Scrambled = scramble;
        Seed = seed;
        _directions = Unscrambled.Value.AsSpan(0, dimension * Bits).ToArray();
        _shift = new ulong[dimension];
        _state = new ulong[dimension];
        if (scramble) Scramble(new Random(seed));
        _shift.CopyTo(_state, 0);
    }

    /// <summary>The dimension d.</summary>
    public int Dimension { get; }

    /// <summary>Whether the sequence is scrambled.</summary>
    public bool Scrambled { get; }

    /// <summary>The scramble's seed.</summary>
    public int Seed { get; }

    /// <summary>The index of the next point to be returned (0 for a new sequence).</summary>
    public long Index => _index;

    /// <summary>Positions the sequence so that the next point returned is point <paramref name="index"/>.</summary>
    public void Seek(long index)
    {
        if (index < 0 || index > (long)Mask) throw new ArgumentOutOfRangeException(nameof(index));
        // The point at index i is the XOR of the direction numbers selected by the bits of its Gray code i ^ (i >> 1).
        ulong gray = (ulong)index ^ ((ulong)index >> 1);
        int n = Dimension;
        for (int j = 0; j < n; j++)
        {
            ulong x = _shift[j];
            ulong g = gray;
            var v = _directions.AsSpan(j * Bits, Bits);
            while (g != 0)
            {
                int k = BitOperations.TrailingZeroCount(g);
                x ^= v[k];
                g &= g - 1;
            }
            _state[j] = x;
        }
        _index = index;
    }

    /// <summary>Writes the next point as integers in [0, 2^<see cref="Bits"/>) and advances.</summary>
    public void NextBits(Span<ulong> point)
    {
        if (point.Length != Dimension) throw new ArgumentException($"expected a span of length {Dimension}, got {point.Length}", nameof(point));
        _state.CopyTo(point);
        Advance();
    }

    /// <summary>Writes the next point (coordinates in [0,1)) and advances.</summary>
    public void Next(Span<double> point)
    {
        if (point.Length != Dimension) throw new ArgumentException($"expected a span of length {Dimension}, got {point.Length}", nameof(point));
        const double scale = 1.0 / (1UL << Bits);
        for (int j = 0; j < point.Length; j++) point[j] = _state[j] * scale;
        Advance();
    }

    /// <summary>Fills <paramref name="points"/> (count × d, row-major) with the next count points.</summary>
    public void Fill(Span<double> points)
    {
        int n = Dimension;
        if (points.Length % n != 0) throw new ArgumentException($"output length {points.Length} is not a multiple of the dimension {n}", nameof(points));
        for (int o = 0; o < points.Length; o += n) Next(points.Slice(o, n));
    }

    /// <summary>Returns the next <paramref name="count"/> points as a new count × d row-major array.</summary>
    public double[] Next(int count)
    {
        var p = new double[checked(count * Dimension)];
        Fill(p);
        return p;
    }

    private void Advance()
    {
        if (_index >= (long)Mask) throw new InvalidOperationException($"the Sobol sequence has only 2^{Bits} points");
        _index++;
        // Gray code of i+1 differs from that of i in the bit of i+1's lowest set bit.
        int k = BitOperations.TrailingZeroCount((ulong)_index);
        int n = Dimension;
        for (int j = 0, o = k; j < n; j++, o += Bits) _state[j] ^= _directions[o];
    }

    /// <summary>
    /// Left-multiplies every coordinate's generator matrix by a random non-singular lower-triangular binary matrix
    /// (most significant digit first) and draws a random digital shift. Output digit i depends only on input
    /// digits 1..i, with digit i itself kept, so each elementary interval of a net maps onto one of the same shape.
    /// </summary>
    private void Scramble(Random random)
    {
        int n = Dimension;
        Span<ulong> rows = stackalloc ulong[Bits];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < Bits; i++)
            {
                // Row i (digit i from the top is bit Bits-1-i): random bits above the diagonal in integer order, 1 on it.
                ulong above = i == 0 ? 0 : ((1UL << i) - 1) << (Bits - i);
                rows[i] = ((ulong)random.NextInt64() & above) | (1UL << (Bits - 1 - i));
            }
            var v = _directions.AsSpan(j * Bits, Bits);
            for (int k = 0; k < Bits; k++)
            {
                ulong x = v[k], y = 0;
                for (int i = 0; i < Bits; i++)
                    y |= (ulong)(BitOperations.PopCount(rows[i] & x) & 1) << (Bits - 1 - i);
                v[k] = y;
            }
            _shift[j] = (ulong)random.NextInt64() & Mask;
        }
    }

    /// <summary>Parses the Joe–Kuo table into scaled direction numbers for every supported coordinate.</summary>
    private static ulong[] BuildDirections()
    {
        var v = new ulong[MaxDimension * Bits];
        // Coordinate 1 is the van der Corput sequence: every m_k = 1.
        for (int k = 0; k < Bits; k++) v[k] = 1UL << (Bits - 1 - k);
        int j = 1;
        foreach (var line in JoeKuoDirectionNumbers.Table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int d = int.Parse(f[0], CultureInfo.InvariantCulture);
            int s = int.Parse(f[1], CultureInfo.InvariantCulture);
            uint a = uint.Parse(f[2], CultureInfo.InvariantCulture);
            if (d != j + 1 || f.Length != 3 + s) throw new InvalidOperationException($"corrupt Joe–Kuo table at dimension {j + 1}");
            var dv = v.AsSpan(j * Bits, Bits);
            for (int k = 0; k < s && k < Bits; k++)
                dv[k] = ulong.Parse(f[3 + k], CultureInfo.InvariantCulture) << (Bits - 1 - k);
            // Bratley–Fox recurrence from the primitive polynomial x^s + a_1 x^{s-1} + ... + a_{s-1} x + 1.
            for (int k = s; k < Bits; k++)
            {
                ulong x = dv[k - s] ^ (dv[k - s] >> s);
                for (int i = 1; i < s; i++)
                    if (((a >> (s - 1 - i)) & 1) != 0) x ^= dv[k - i];
                dv[k] = x;
            }
            j++;
        }
        if (j != MaxDimension) throw new InvalidOperationException($"Joe–Kuo table has {j} dimensions, expected {MaxDimension}");
        return v;
    }
}
