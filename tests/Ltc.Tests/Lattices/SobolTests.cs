using Ltc.QuasiRandom;

namespace Ltc.Tests.Lattices;

public class SobolTests
{
    [Fact]
    public void FirstPointsOfDimensionsOneToThreeAreTheKnownSobolValues()
    {
        double[,] known =
        {
            { 0, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.75, 0.25, 0.25 }, { 0.25, 0.75, 0.75 },
            { 0.375, 0.375, 0.625 }, { 0.875, 0.875, 0.125 }, { 0.625, 0.125, 0.875 }, { 0.125, 0.625, 0.375 },
        };
        var s = new SobolSequence(3);
        var p = new double[3];
        for (int i = 0; i < known.GetLength(0); i++)
        {
            s.Next(p);
            for (int j = 0; j < 3; j++) Assert.Equal(known[i, j], p[j]);
        }
    }

    // Points of the unscrambled Joe–Kuo (new-joe-kuo-6.21201) sequence as integers scaled by 2^32, as given by
    // scipy.stats.qmc.Sobol(1024, scramble=False, bits=32): they check the embedded table up to dimension 1024,
    // including direction numbers far down the recurrence (index 2^29 + 7).
    public static TheoryData<long, int[], long[]> Reference => new()
    {
        { 5, [1, 2, 3, 8, 24, 48, 100, 500, 1024], [3758096384, 3758096384, 536870912, 1610612736, 1610612736, 2684354560, 1610612736, 536870912, 1610612736] },
        { 1000, [1, 2, 3, 8, 24, 48, 100, 500, 1024], [943718400, 415236096, 2227175424, 3862953984, 2319450112, 3946840064, 801112064, 1094713344, 3066036224] },
        { 4095, [1, 2, 3, 8, 24, 48, 100, 500, 1024], [1048576, 4042260480, 1435500544, 1678770176, 1913651200, 84934656, 4134535168, 4031774720, 1523580928] },
        { 1234567, [1, 2, 3, 8, 24, 48, 100, 500, 1024], [599644160, 2792044544, 828979200, 3054065664, 3329468416, 3027052544, 2311034880, 4250052608, 2511882240] },
        { (1L << 29) + 7, [1, 2, 3, 8, 24, 48, 100, 500, 1024], [536870924, 3829679172, 3556832500, 469749388, 1856487428, 2142017388, 616300628, 2555645980, 4093688116] },
    };

    [Theory]
    [MemberData(nameof(Reference))]
    public void MatchesReferencePointsOfOtherJoeKuoImplementations(long index, int[] dims, long[] scaled)
    {
        var s = new SobolSequence(SobolSequence.MaxDimension);
        s.Seek(index);
        var bits = new ulong[SobolSequence.MaxDimension];
        s.NextBits(bits);
        for (int i = 0; i < dims.Length; i++)
            Assert.Equal((ulong)scaled[i], bits[dims[i] - 1] >> (SobolSequence.Bits - 32));
    }

    [Fact]
    public void SeekGivesTheSamePointsAsStepping()
    {
        var a = new SobolSequence(24, scramble: true, seed: 3);
        var stepped = a.Next(3000);
        var b = new SobolSequence(24, scramble: true, seed: 3);
        b.Seek(2000);
        Assert.Equal(2000, b.Index);
        var sought = b.Next(1000);
        Assert.Equal(stepped.AsSpan(2000 * 24).ToArray(), sought);
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 1)]
    [InlineData(true, 2)]
    public void EveryDimensionIsAZeroMOneNet(bool scramble, int seed)
    {
        // Exactly one point per dyadic interval of length 2^-m among the first 2^m points, in every coordinate.
        int d = SobolSequence.MaxDimension;
        var s = new SobolSequence(d, scramble, seed);
        const int maxM = 12;
        var pts = new ulong[(1 << maxM) * d];
        for (int i = 0; i < 1 << maxM; i++) s.NextBits(pts.AsSpan(i * d, d));
        for (int m = 0; m <= maxM; m++)
        {
            int count = 1 << m;
            var seen = new bool[count];
            for (int j = 0; j < d; j++)
            {
                Array.Clear(seen);
                for (int i = 0; i < count; i++)
                {
                    int cell = (int)(pts[i * d + j] >> (SobolSequence.Bits - m));
                    Assert.False(seen[cell], $"dimension {j + 1}, m = {m}: two points in interval {cell}");
                    seen[cell] = true;
                }
            }
        }
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 7)]
    public void TwoDimensionalProjectionsAreNetsWithTheirTValueBound(bool scramble, int seed)
    {
        // A projection onto coordinates j, k is a digital sequence from two primitive polynomials, so its first 2^m
        // points form a (t, m, 2)-net with t ≤ (deg p_j − 1) + (deg p_k − 1) (coordinate 1 counts as degree 1).
        // Coordinates 1 and 2 give a (0, m, 2)-net.
        const int d = 24, maxM = 12;
        int[] degree = Degrees(d);
        var s = new SobolSequence(d, scramble, seed);
        var pts = new ulong[(1 << maxM) * d];
        for (int i = 0; i < 1 << maxM; i++) s.NextBits(pts.AsSpan(i * d, d));
        Assert.Equal(0, TValue(pts, d, 0, 1, maxM));
        for (int j = 0; j < d; j++)
            for (int k = j + 1; k < d; k++)
                for (int m = 1; m <= maxM; m += 1)
                {
                    int bound = Math.Min(m, degree[j] - 1 + degree[k] - 1);
                    int t = TValue(pts, d, j, k, m);
                    Assert.True(t <= bound, $"coordinates {j + 1},{k + 1}, m = {m}: t = {t} > {bound}");
                }
    }

    [Fact]
    public void ScramblesDifferBySeedAndRepeatForTheSameSeed()
    {
        var a = new SobolSequence(8, true, 1).Next(64);
        var b = new SobolSequence(8, true, 1).Next(64);
        var c = new SobolSequence(8, true, 2).Next(64);
        Assert.Equal(a, b);
        int same = a.Zip(c).Count(z => z.First == z.Second);
        Assert.True(same < 4, $"{same} of {a.Length} coordinates equal across seeds");
        // Point 0 of a scrambled sequence is the digital shift, not the origin.
        Assert.Contains(a.Take(8), v => v != 0);
    }

    [Fact]
    public void ScrambledCoordinatesAreUniform()
    {
        // Over independent scrambles the first point of each coordinate is uniform on [0,1): mean 1/2, variance 1/12.
        const int reps = 4000, d = 16;
        var sum = new double[d];
        var sumSq = new double[d];
        var p = new double[d];
        for (int r = 0; r < reps; r++)
        {
            new SobolSequence(d, true, r).Next(p);
            for (int j = 0; j < d; j++) { sum[j] += p[j]; sumSq[j] += p[j] * p[j]; }
        }
        double se = Math.Sqrt(1.0 / 12 / reps);
        for (int j = 0; j < d; j++)
        {
            Assert.InRange(sum[j] / reps, 0.5 - 4.5 * se, 0.5 + 4.5 * se);
            Assert.InRange(sumSq[j] / reps, 1.0 / 3 - 0.02, 1.0 / 3 + 0.02);
        }
    }

    [Fact]
    public void RejectsUnsupportedDimensions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SobolSequence(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SobolSequence(SobolSequence.MaxDimension + 1));
    }

    /// <summary>Smallest t such that the first 2^m points, projected on (j, k), form a (t, m, 2)-net.</summary>
    private static int TValue(ulong[] pts, int d, int j, int k, int m)
    {
        for (int t = 0; t <= m; t++)
        {
            bool ok = true;
            for (int a = 0; a <= m - t && ok; a++)
            {
                int b = m - t - a;
                var counts = new int[1 << (m - t)];
                for (int i = 0; i < 1 << m; i++)
                {
                    int cx = a == 0 ? 0 : (int)(pts[i * d + j] >> (SobolSequence.Bits - a));
                    int cy = b == 0 ? 0 : (int)(pts[i * d + k] >> (SobolSequence.Bits - b));
                    counts[(cx << b) | cy]++;
                }
                ok = counts.All(c => c == 1 << t);
            }
            if (ok) return t;
        }
        return m + 1;
    }

    private static int[] Degrees(int d)
    {
        var deg = new int[d];
        deg[0] = 1;
        var lines = Ltc.QuasiRandom.JoeKuoDirectionNumbers.Table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (int j = 1; j < d; j++) deg[j] = int.Parse(lines[j - 1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return deg;
    }
}
