using System.Security.Cryptography;
using Ltc.Coding;

namespace Ltc.Tests.Coding;

/// <summary>
/// Small valid <c>.ltc</c> files for the container tests here and the <c>ltc inspect</c> tests in Ltc.Cli.Tests
/// (which compiles this file in as a link).
/// </summary>
internal static class LtcFileSamples
{
    /// <summary>A header with one extra of every kind; the fingerprint is the SHA-256 of <paramref name="seed"/>.</summary>
    internal static LtcHeader Header(int seed = 0) => new(
        SHA256.HashData(BitConverter.GetBytes(seed)), "ntc-test", LtcElementType.Float32, [1000, 16], [0.5, -1.25],
        [LtcExtra.Text("lattice", "E8"), LtcExtra.Int64("latents", 8), LtcExtra.Float64("lambda", 0.01),
         LtcExtra.Float64Array("scales", [1, 2, 3]), LtcExtra.Int64Array("dims", [4, -5]), LtcExtra.Bytes("raw", [1, 2, 3])]);

    /// <summary>The bytes of a file with <see cref="Header"/> and 1 + seed mod 4 chunks of random rANS-coded symbols.</summary>
    internal static byte[] File(int seed)
    {
        var rng = new Random(seed);
        var table = FrequencyTable.FromProbabilities([0.6, 0.2, 0.1, 0.05, 0.05]);
        var ms = new MemoryStream();
        var w = new LtcWriter(ms, Header(seed));
        for (int c = 0; c < 1 + seed % 4; c++)
        {
            var enc = new RansEncoder();
            for (int i = 0; i < rng.Next(0, 300); i++) enc.Encode(Draw(table, rng), table);
            w.WriteChunk(enc.Finish());
        }
        w.Complete();
        return ms.ToArray();
    }

    /// <summary>
    /// A file whose second chunk (3 MiB of zeros) is larger than one piece a streamed reader takes at a time.
    /// </summary>
    internal static byte[] Streamed()
    {
        var header = new LtcHeader(SHA256.HashData("m"u8), "m", LtcElementType.Float32, [2, 2]);
        var ms = new MemoryStream();
        var w = new LtcWriter(ms, header);
        w.WriteChunk([1, 2, 3]);
        w.WriteChunk(new byte[3 << 20]);
        w.Complete();
        return ms.ToArray();
    }

    /// <summary>
    /// A symbol drawn with probability frequency/total: a uniform slot, then the symbol whose range holds it (through
    /// the public table only, so that the CLI tests need no internals of the core).
    /// </summary>
    private static int Draw(FrequencyTable table, Random rng)
    {
        uint slot = (uint)rng.Next((int)table.Total);
        int s = 0;
        while (slot >= table.Start(s) + table.Frequency(s)) s++;
        return s;
    }
}
