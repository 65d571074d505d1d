using CsCheck;
using Ltc.Coding;

namespace Ltc.Tests.Coding;

public class RansTests
{
    // Tables of every shape the issue names: uniform, very skewed, one dominant symbol, 2 symbols, largest alphabet.
    internal static FrequencyTable MakeTable(Random rng, int kind, int precision)
    {
        int m = 1 << precision;
        switch (kind)
        {
            case 0: return FrequencyTable.Uniform(rng.Next(1, Math.Min(m, 300) + 1), precision);
            case 1:
            {
                int n = rng.Next(2, Math.Min(m, 200) + 1);
                var p = new double[n];
                double decay = 0.3 + rng.NextDouble() * 3;
                for (int i = 0; i < n; i++) p[i] = Math.Exp(-decay * i);
                return FrequencyTable.FromProbabilities(p, precision);
            }
            case 2:
            {
                int n = rng.Next(2, Math.Min(m, 64) + 1);
                var p = new double[n];
                for (int i = 0; i < n; i++) p[i] = 1e-9;
                p[rng.Next(n)] = 1;
                return FrequencyTable.FromProbabilities(p, precision);
            }
            case 3: return FrequencyTable.FromProbabilities([rng.NextDouble(), rng.NextDouble() + 1e-3], precision);
            case 4: return FrequencyTable.Uniform(m, precision); // the largest alphabet: every symbol frequency 1
            default:
            {
                int n = rng.Next(1, Math.Min(m, 1000) + 1);
                var p = new double[n];
                for (int i = 0; i < n; i++) p[i] = Math.Pow(rng.NextDouble(), 4);
                p[0] += 1e-6;
                return FrequencyTable.FromProbabilities(p, precision);
            }
        }
    }

    internal static int Sample(FrequencyTable t, Random rng)
    {
        uint slot = (uint)rng.Next((int)t.Total);
        return t.FindSymbol(slot);
    }

    [Fact]
    public void SingleSymbolRoundTripsOnEveryTableKindAndPrecision()
    {
        var rng = new Random(1);
        for (int trial = 0; trial < 120; trial++)
        {
            int precision = trial % 3 == 0 ? 16 : rng.Next(1, 17);
            var table = MakeTable(rng, trial % 6, precision);
            int n = rng.Next(0, 3000);
            var symbols = new int[n];
            for (int i = 0; i < n; i++) symbols[i] = rng.Next(4) == 0 ? rng.Next(table.Count) : Sample(table, rng);
            var enc = new RansEncoder();
            foreach (var s in symbols) enc.Encode(s, table);
            var block = enc.Finish();
            var dec = new RansDecoder(block);
            for (int i = 0; i < n; i++) Assert.Equal(symbols[i], dec.Decode(table));
            dec.Finish();
        }
    }

    [Fact]
    public void StaticBatchMatchesPerSymbolCodingAndRoundTrips()
    {
        var rng = new Random(2);
        for (int trial = 0; trial < 40; trial++)
        {
            int precision = trial % 2 == 0 ? 16 : rng.Next(1, 17);
            var tables = Enumerable.Range(0, rng.Next(1, 6)).Select(k => MakeTable(rng, rng.Next(6), precision)).ToArray();
            var index = Enumerable.Range(0, rng.Next(1, 9)).Select(_ => rng.Next(tables.Length)).ToArray();
            int n = rng.Next(0, 5000);
            var symbols = new int[n];
            for (int i = 0; i < n; i++) symbols[i] = Sample(tables[index[i % index.Length]], rng);

            var batch = new RansEncoder();
            batch.EncodeStatic(symbols, tables, index);
            var a = batch.Finish();
            var single = new RansEncoder();
            for (int i = 0; i < n; i++) single.Encode(symbols[i], tables[index[i % index.Length]]);
            Assert.Equal(a, single.Finish());

            // Decode with a misaligned start (one conditional symbol first) as well as aligned.
            var dec = new RansDecoder(a);
            var got = new int[n];
            dec.DecodeStatic(got, tables, index);
            dec.Finish();
            Assert.Equal(symbols, got);
        }
    }

    [Fact]
    public void LargestAlphabetsRoundTripAtSixteenBits()
    {
        var rng = new Random(8);
        var full = FrequencyTable.Uniform(1 << 16, 16);
        var ints = IntegerTable.FromProbabilities(-30000, Enumerable.Range(0, (1 << 16) - 1).Select(k => 1.0 + k % 7).ToArray(), 0.5);
        Assert.Equal(1 << 16, ints.Table.Count);
        var symbols = Enumerable.Range(0, 20000).Select(_ => rng.Next(1 << 16)).ToArray();
        var values = Enumerable.Range(0, 20000).Select(_ => rng.NextInt64(-70000, 70000)).ToArray();
        var enc = new RansEncoder();
        enc.EncodeStatic(symbols, [full], [0]);
        enc.EncodeIntegers(values, [ints], [0]);
        var dec = new RansDecoder(enc.Finish());
        var gotS = new int[symbols.Length];
        var gotV = new long[values.Length];
        dec.DecodeStatic(gotS, [full], [0]);
        dec.DecodeIntegers(gotV, [ints], [0]);
        dec.Finish();
        Assert.Equal(symbols, gotS);
        Assert.Equal(values, gotV);
    }

    [Fact]
    public void MixedModesShareOneStream()
    {
        var rng = new Random(3);
        var t16 = MakeTable(rng, 1, 16);
        var t5 = MakeTable(rng, 5, 5);
        var it = IntegerTable.FromProbabilities(-3, [0.1, 0.2, 0.4, 0.2, 0.1], 0.01);
        var head = new int[3];
        var body = new int[1001];
        var ints = new long[777];
        for (int i = 0; i < head.Length; i++) head[i] = Sample(t5, rng);
        for (int i = 0; i < body.Length; i++) body[i] = Sample(t16, rng);
        var mixed = new int[998];
        for (int i = 0; i < mixed.Length; i++) mixed[i] = Sample(i % 3 == 0 ? t16 : t5, rng);
        for (int i = 0; i < ints.Length; i++) ints[i] = rng.Next(10) == 0 ? rng.NextInt64(long.MinValue, long.MaxValue) : rng.Next(-4, 3);

        var enc = new RansEncoder();
        foreach (var s in head) enc.Encode(s, t5);
        enc.EncodeBits(0xDEADBEEFCAFEul, 48);
        enc.EncodeStatic(body, [t16, t5], [0]);
        enc.EncodeStatic(mixed, [t16, t5], [0, 1, 1]); // mixed precisions take the per-symbol path
        enc.EncodeIntegers(ints, [it], [0]);
        enc.EncodeInteger(long.MinValue, it);
        enc.EncodeInteger(long.MaxValue, it);
        var block = enc.Finish();

        var dec = new RansDecoder(block);
        foreach (var s in head) Assert.Equal(s, dec.Decode(t5));
        Assert.Equal(0xDEADBEEFCAFEul, dec.DecodeBits(48));
        var gotBody = new int[body.Length];
        dec.DecodeStatic(gotBody, [t16, t5], [0]);
        Assert.Equal(body, gotBody);
        var gotMixed = new int[mixed.Length];
        dec.DecodeStatic(gotMixed, [t16, t5], [0, 1, 1]);
        Assert.Equal(mixed, gotMixed);
        var gotInts = new long[ints.Length];
        dec.DecodeIntegers(gotInts, [it], [0]);
        Assert.Equal(ints, gotInts);
        Assert.Equal(long.MinValue, dec.DecodeInteger(it));
        Assert.Equal(long.MaxValue, dec.DecodeInteger(it));
        dec.Finish();
    }

    [Fact]
    public void EscapesRoundTripEveryLongIncludingExtremesProperty()
    {
        var tables = new[]
        {
            IntegerTable.FromProbabilities(0, [0.5, 0.5], 0),
            IntegerTable.FromProbabilities(long.MinValue, [1.0], 0.5),
            IntegerTable.FromProbabilities(long.MaxValue - 2, [1, 1, 1], 0.1),
            IntegerTable.FromCdf(x => 1 / (1 + Math.Exp(-x / 3)), -20, 20),
        };
        var extremes = new[] { long.MinValue, long.MinValue + 1, -1, 0, 1, long.MaxValue - 1, long.MaxValue };
        Gen.Select(Gen.Long.Array[0, 60], Gen.Int[0, 3].Array[1, 5]).Sample((values, idx) =>
        {
            var all = values.Concat(extremes).ToArray();
            var enc = new RansEncoder();
            enc.EncodeIntegers(all, tables, idx);
            var block = enc.Finish();
            var dec = new RansDecoder(block);
            var got = new long[all.Length];
            dec.DecodeIntegers(got, tables, idx);
            dec.Finish();
            Assert.Equal(all, got);
        }, seed: "0000000000001", iter: 300);
    }

    [Fact]
    public void ConditionalModeWithTablesComputedFromPreviousSymbols()
    {
        // An autoregressive model over integer coordinates: coordinate i is Laplace-like around a mean that depends
        // on the coordinates before it, with a scale that shrinks; the decoder rebuilds each table on the fly.
        static IntegerTable Model(ReadOnlySpan<long> prefix)
        {
            double mean = 0;
            foreach (var v in prefix) mean = 0.7 * mean + 0.5 * v;
            double scale = 0.5 + 3.0 / (1 + prefix.Length);
            long c = (long)Math.Round(mean);
            return IntegerTable.FromCdf(x => x < mean ? 0.5 * Math.Exp((x - mean) / scale) : 1 - 0.5 * Math.Exp(-(x - mean) / scale), c - 12, c + 12);
        }

        var rng = new Random(5);
        const int dim = 24, points = 150;
        var data = new long[points][];
        var enc = new RansEncoder();
        for (int pt = 0; pt < points; pt++)
        {
            var k = new long[dim];
            for (int i = 0; i < dim; i++)
            {
                double mean = 0;
                for (int j = 0; j < i; j++) mean = 0.7 * mean + 0.5 * k[j];
                k[i] = (long)Math.Round(mean + (rng.NextDouble() - 0.5) * 6) + (rng.Next(50) == 0 ? rng.Next(-1000, 1000) : 0);
                enc.EncodeInteger(k[i], Model(k.AsSpan(0, i)));
            }
            data[pt] = k;
        }
        var block = enc.Finish();
        var dec = new RansDecoder(block);
        for (int pt = 0; pt < points; pt++)
        {
            var k = new long[dim];
            for (int i = 0; i < dim; i++) k[i] = dec.DecodeInteger(Model(k.AsSpan(0, i)));
            Assert.Equal(data[pt], k);
        }
        dec.Finish();
    }

    [Fact]
    public void CodedSizeIsWithinATenthOfAPercentPlus16BytesOfTheIdeal()
    {
        var rng = new Random(6);
        const int n = 1_000_000;
        var tables = new FrequencyTable[8];
        for (int t = 0; t < tables.Length; t++) tables[t] = MakeTable(rng, t % 2 == 0 ? 1 : 5, 16);
        var index = Enumerable.Range(0, tables.Length).ToArray();
        var symbols = new int[n];
        double ideal = 0;
        for (int i = 0; i < n; i++)
        {
            var t = tables[i % tables.Length];
            symbols[i] = Sample(t, rng);
            ideal += t.CodeLength(symbols[i]);
        }
        var enc = new RansEncoder();
        enc.EncodeStatic(symbols, tables, index);
        var block = enc.Finish();
        double idealBytes = ideal / 8;
        Assert.True(block.Length <= idealBytes * 1.001 + 16,
            $"coded {block.Length} bytes, ideal {idealBytes:F1}, overhead {100 * (block.Length / idealBytes - 1):F4}%");
        var got = new int[n];
        var dec = new RansDecoder(block);
        dec.DecodeStatic(got, tables, index);
        dec.Finish();
        Assert.Equal(symbols, got);
    }

    [Fact]
    public void CorruptOrRandomBlocksGiveOnlyFormatErrors()
    {
        var rng = new Random(7);
        var table = MakeTable(rng, 1, 16);
        var it = IntegerTable.FromProbabilities(-2, [1, 2, 3, 2, 1], 0.05);
        var symbols = new long[500];
        for (int i = 0; i < symbols.Length; i++) symbols[i] = rng.Next(20) == 0 ? rng.NextInt64() : rng.Next(-2, 3);
        var enc = new RansEncoder();
        enc.EncodeIntegers(symbols, [it], [0]);
        var good = enc.Finish();
        int cases = TestPaths.Heavy ? 20000 : 1000, detected = 0;
        for (int c = 0; c < cases; c++)
        {
            byte[] bad = c % 4 == 0 ? RandomBytes(rng, rng.Next(0, 100)) : Mutate(good, rng);
            try
            {
                var dec = new RansDecoder(bad);
                var got = new long[symbols.Length];
                dec.DecodeIntegers(got, [it], [0]);
                dec.Finish();
            }
            catch (LtcFormatException) { detected++; }
        }
        // Not every corruption is detectable in a bare block (the file's checksums are), but most must be.
        Assert.True(detected > cases / 2, $"only {detected} of {cases} corruptions detected");
    }

    internal static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    internal static byte[] Mutate(byte[] good, Random rng)
    {
        var b = (byte[])good.Clone();
        switch (rng.Next(3))
        {
            case 0: return b[..rng.Next(b.Length)];
            case 1:
                int pos = rng.Next(b.Length);
                b[pos] ^= (byte)(1 << rng.Next(8));
                return b;
            default:
                for (int k = rng.Next(1, 5); k > 0; k--) b[rng.Next(b.Length)] = (byte)rng.Next(256);
                return b;
        }
    }
}
