using Ltc.Coding;

namespace Ltc.Tests.Coding;

/// <summary>
/// Golden bytes: one rANS block and one <c>.ltc</c> file pinned byte for byte, so that a change to the coder or the
/// container that alters what is written (and so what older files mean) fails here, not in a user's archive.
/// </summary>
/// <remarks>
/// How the expected values were produced: <see cref="Block"/> and <see cref="File"/> below were run once (at the commit
/// that added this test) and their bytes printed with <c>Convert.ToHexStringLower</c>. Both come from integer code only:
/// the rANS coder with a table given by integer frequencies (no float quantization of a PMF), the CRC-32C of each
/// chunk, and a header of fixed fields (the float64 reconstruction values and extra are written as their IEEE-754
/// little-endian bytes). Nothing depends on the CPU's vector width or on a thread count; .ci/run reruns this test
/// without AVX-512 and without intrinsics. Changing one byte of either literal makes the equality assertion fail.
/// </remarks>
public class GoldenBytesTests
{
    /// <summary>A skewed 6-symbol table at precision 16 (the frequencies sum to 2^16).</summary>
    private static readonly uint[] Frequencies = [40000, 12000, 8000, 3000, 1500, 1036];

    private static readonly int[] Symbols =
        [0, 0, 1, 0, 2, 5, 0, 1, 3, 0, 0, 4, 1, 0, 2, 0, 0, 1, 5, 0, 3, 0, 1, 2, 0, 0, 4, 0, 1, 0, 0, 2, 0, 5, 1, 0, 0, 3, 0, 1];

    // After every tenth symbol, 8 raw bits (the bypass stream, appended after the rANS bytes).
    private static ulong BypassValue(int i) => (ulong)(i * 37 % 256);

    private const string BlockHex = "190a7d026e46805f2e00cabadb07e68120d43adc0f252000a0c04dbf31a3";

    private const string FileHex =
        "894c54430d0a1a0a01000000d800000001080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3da06676f6c6465" +
        "6e0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000001020200030000000300000003000000000000000800000000000000000000000000e03f000000000000f4bf076c61747469" +
        "636503020000004538076c6174656e747301080000000800000000000000066c616d62646102080000007b14ae47e17a843f2576942d" +
        "1e0000001bebeed7190a7d026e46805f2e00cabadb07e68120d43adc0f252000a0c04dbf31a3030000001ef230f10102030000000000" +
        "000000";

    private static byte[] Block()
    {
        var table = FrequencyTable.FromFrequencies(Frequencies);
        var enc = new RansEncoder();
        for (int i = 0; i < Symbols.Length; i++)
        {
            enc.Encode(Symbols[i], table);
            if (i % 10 == 9) enc.EncodeBits(BypassValue(i), 8);
        }
        return enc.Finish();
    }

    private static byte[] Fingerprint() => Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 1)).ToArray();

    private static LtcHeader Header() => new(
        Fingerprint(), "golden", LtcElementType.Float32, [3, 8], [0.5, -1.25],
        [LtcExtra.Text("lattice", "E8"), LtcExtra.Int64("latents", 8), LtcExtra.Float64("lambda", 0.01)]);

    private static byte[][] Chunks() => [Block(), [1, 2, 3], []];

    private static byte[] File()
    {
        var ms = new MemoryStream();
        var w = new LtcWriter(ms, Header());
        foreach (var c in Chunks()) w.WriteChunk(c);
        w.Complete();
        return ms.ToArray();
    }

    [Fact]
    public void TheRansBlockHasItsPinnedBytesAndDecodesBack()
    {
        var block = Block();
        Assert.Equal(BlockHex, Convert.ToHexStringLower(block));

        var table = FrequencyTable.FromFrequencies(Frequencies);
        var dec = new RansDecoder(Convert.FromHexString(BlockHex), "golden block");
        for (int i = 0; i < Symbols.Length; i++)
        {
            Assert.Equal(Symbols[i], dec.Decode(table));
            if (i % 10 == 9) Assert.Equal(BypassValue(i), dec.DecodeBits(8));
        }
        dec.Finish(); // every byte consumed and the final states as the encoder started them
    }

    [Fact]
    public void TheLtcFileHasItsPinnedBytesAndReadsBack()
    {
        Assert.Equal(FileHex, Convert.ToHexStringLower(File()));

        using var reader = LtcReader.Open(new MemoryStream(Convert.FromHexString(FileHex)), "golden.ltc", Fingerprint());
        var h = reader.Header;
        Assert.Equal(LtcFormat.Version, h.Version);
        Assert.Equal("golden", h.ModelName);
        Assert.Equal(Fingerprint(), h.ModelFingerprint);
        Assert.Equal(LtcElementType.Float32, h.ElementType);
        Assert.Equal([3L, 8L], h.Shape);
        Assert.Equal([0.5, -1.25], h.Reconstruction);
        Assert.Equal("E8", h.Find("lattice")!.AsText());
        Assert.Equal(8, h.Find("latents")!.AsInt64());
        Assert.Equal(0.01, h.Find("lambda")!.AsFloat64());
        Assert.Equal(3, h.ChunkCount);
        foreach (var expected in Chunks()) Assert.Equal(expected, reader.ReadChunk());
        Assert.Null(reader.ReadChunk());
    }
}
