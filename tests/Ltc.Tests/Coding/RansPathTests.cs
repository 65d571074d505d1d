using Ltc.Coding;
using Ltc.Simd;

namespace Ltc.Tests.Coding;

/// <summary>
/// The batch decoder's lookups: one byte per slot for alphabets of at most 256 symbols, two above, and 16-bit slot
/// tables for every table of a cycle that mixes both. Round trips on every combination, checked against the per-symbol
/// path (which uses the same lookups or, before they exist, a bisection). <c>.ci/run</c> repeats these without AVX-512
/// and without any vector instructions.
/// </summary>
public class RansPathTests
{
    private static FrequencyTable Laplace(int count, double scale, int precision)
    {
        var p = new double[count];
        for (int k = 0; k < count; k++) p[k] = Math.Exp(-Math.Abs(k - count / 2) / scale) + 1e-12;
        return FrequencyTable.FromProbabilities(p, precision);
    }

    public static IEnumerable<object[]> Cycles() =>
    [
        ["narrow", new[] { 256, 2, 17, 1 }],
        ["wide", new[] { 257, 4000, 65536 }],
        ["mixed", new[] { 3, 300, 256, 1000, 2 }],
    ];

    [Theory]
    [MemberData(nameof(Cycles))]
    public void StaticCyclesOfNarrowWideAndMixedTablesRoundTrip(string kind, int[] sizes)
    {
        var rng = new Random(kind.Length);
        foreach (int precision in new[] { 16, 12 })
        {
            var tables = sizes.Select((n, i) => n > 1 << precision ? null : Laplace(n, 0.3 + 5 * i, precision)).OfType<FrequencyTable>().ToArray();
            var index = Enumerable.Range(0, tables.Length).Concat([0]).ToArray();
            foreach (int count in new[] { 1, 3, 4, 5, 1000, 100_003 })
            {
                var symbols = new int[count];
                for (int i = 0; i < count; i++) symbols[i] = RansTests.Sample(tables[index[i % index.Length]], rng);
                var enc = new RansEncoder();
                enc.EncodeStatic(symbols, tables, index);
                var block = enc.Finish();
                // Fresh tables (no lookups yet): the first decode is per symbol by bisection, then the batch builds them.
                var one = new RansDecoder(block);
                for (int i = 0; i < count; i++) Assert.Equal(symbols[i], one.Decode(tables[index[i % index.Length]]));
                one.Finish();
                var dec = new RansDecoder(block);
                var got = new int[count];
                dec.DecodeStatic(got, tables, index);
                dec.Finish();
                Assert.Equal(symbols, got);
                // With the lookups built, the per-symbol path reads them.
                var again = new RansDecoder(block);
                for (int i = 0; i < count; i++) Assert.Equal(symbols[i], again.Decode(tables[index[i % index.Length]]));
                again.Finish();
            }
        }
    }

    [Fact]
    public void IntegerCyclesMixingNarrowAndWideTablesRoundTrip()
    {
        var rng = new Random(4);
        var tables = new[]
        {
            IntegerTable.FromCdf(x => 1 / (1 + Math.Exp(-x / 2)), -20, 20),
            IntegerTable.FromCdf(x => 1 / (1 + Math.Exp(-x / 200)), -2000, 2000),
        };
        Assert.True(tables[0].Table.Count <= 256);
        Assert.True(tables[1].Table.Count > 256);
        int[] index = [0, 1, 1, 0, 0];
        var values = new long[50_001];
        for (int i = 0; i < values.Length; i++)
        {
            double s = index[i % index.Length] == 0 ? 2 : 200;
            values[i] = rng.Next(500) == 0 ? rng.NextInt64(long.MinValue, long.MaxValue) : (long)Math.Round(s * LatticeNormal(rng));
        }
        var enc = new RansEncoder();
        enc.EncodeIntegers(values, tables, index);
        var dec = new RansDecoder(enc.Finish());
        var got = new long[values.Length];
        dec.DecodeIntegers(got, tables, index);
        dec.Finish();
        Assert.Equal(values, got);
    }

    [Fact]
    public void LookupsAgreeWithTheCumulativeFrequencies()
    {
        var rng = new Random(9);
        foreach (int count in new[] { 1, 2, 255, 256, 257, 5000 })
        {
            var t = Laplace(count, 1 + rng.NextDouble() * 30, 16);
            var slots = Enumerable.Range(0, 2000).Select(_ => (uint)rng.Next(1 << 16)).Concat([0u, 65535u]).ToArray();
            var before = slots.Select(t.FindSymbol).ToArray(); // bisection
            var d = t.GetDecodeTables();
            Assert.Equal(count <= 256, d.Narrow);
            for (int i = 0; i < slots.Length; i++)
            {
                int s = t.FindSymbol(slots[i]);
                Assert.Equal(before[i], s);
                Assert.InRange(slots[i], t.Start(s), t.Start(s) + t.Frequency(s) - 1);
            }
        }
    }

    [Fact]
    public void TheBenchmarkReportsThePath()
    {
        var r = CoderBenchmark.Run(20_000, seed: 2);
        Assert.Equal(SimdPath.Name, r.Path);
        Assert.True(r.RoundTrip);
    }

    private static double LatticeNormal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
