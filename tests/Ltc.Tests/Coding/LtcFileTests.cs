using System.Security.Cryptography;
using Ltc.Coding;

namespace Ltc.Tests.Coding;

public class LtcFileTests
{
    [Fact]
    public void HeaderAndChunksRoundTripThroughAnAtomicallyWrittenFile()
    {
        var dir = Directory.CreateTempSubdirectory("ltc-file-");
        try
        {
            var path = Path.Combine(dir.FullName, "a.ltc");
            var header = LtcFileSamples.Header(3);
            var chunks = new[] { new byte[] { 1, 2, 3 }, Array.Empty<byte>(), RansTests.RandomBytes(new Random(1), 5000) };
            LtcFile.Write(path, header, chunks);
            Assert.Single(Directory.GetFiles(dir.FullName)); // no temporary file left behind
            var (h, got) = LtcFile.Read(path, header.ModelFingerprint.ToArray());
            Assert.Equal(header.ModelFingerprint, h.ModelFingerprint);
            Assert.Equal("ntc-test", h.ModelName);
            Assert.Equal(LtcElementType.Float32, h.ElementType);
            Assert.Equal([1000L, 16], h.Shape);
            Assert.Equal([0.5, -1.25], h.Reconstruction);
            Assert.Equal(3, h.ChunkCount);
            Assert.Equal("E8", h.Find("lattice")!.AsText());
            Assert.Equal(8, h.Find("latents")!.AsInt64());
            Assert.Equal(0.01, h.Find("lambda")!.AsFloat64());
            Assert.Equal([1.0, 2, 3], h.Find("scales")!.AsFloat64Array());
            Assert.Equal([4L, -5], h.Find("dims")!.AsInt64Array());
            Assert.Equal(chunks, got);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void SpecificErrorsForWrongMagicVersionModelChecksumAndTruncation()
    {
        var good = LtcFileSamples.File(1);
        string Error(byte[] bytes, byte[]? fp = null)
        {
            var e = Assert.Throws<LtcFormatException>(() =>
            {
                using var r = LtcReader.Open(new MemoryStream(bytes), "x.ltc", fp);
                r.ValidateAll();
            });
            Assert.DoesNotContain('\n', e.Message);
            Assert.StartsWith("x.ltc: ", e.Message);
            return e.Message;
        }
        var b = (byte[])good.Clone(); b[1] = (byte)'X';
        Assert.Contains("magic", Error(b));
        b = (byte[])good.Clone(); b[8] = 2;
        Assert.Contains("version 2", Error(b));
        Assert.Contains("model", Error(good, SHA256.HashData([9])));
        b = (byte[])good.Clone(); b[60] ^= 1;
        Assert.Contains("header checksum", Error(b));
        b = (byte[])good.Clone(); b[^1] ^= 0x40;
        Assert.Contains("chunk", Error(b));
        Assert.Contains("checksum", Error(b));
        Assert.Contains("truncated", Error(good[..(good.Length - 3)]));
        Assert.Contains("after the last chunk", Error([.. good, 0]));
        Assert.Contains("truncated", Error(good[..100]));
        // Cut anywhere (in the header, at its end, in the chunk table or a chunk), a file is called truncated.
        for (int length = 1; length < good.Length; length++)
            Assert.Contains("truncated", Error(good[..length]));
    }

    [Fact]
    public async Task FuzzedFilesAreRejectedWithTheFormatErrorOnly()
    {
        var originals = Enumerable.Range(0, 4).Select(LtcFileSamples.File).ToArray();
        var rng = new Random(11);
        int cases = TestPaths.Heavy ? 12000 : 400, rejected = 0;
        for (int c = 0; c < cases; c++)
        {
            var good = originals[c % originals.Length];
            var bad = MutateFile(good, rng);
            if (bad.AsSpan().SequenceEqual(good)) continue;
            // The harness enforces the per-file bound: a hang fails the test instead of stalling the run.
            var task = Task.Run(() =>
            {
                using var r = LtcReader.Open(new MemoryStream(bad), "fuzz.ltc");
                r.ValidateAll();
            });
            try { await task.WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (LtcFormatException) { rejected++; continue; }
            catch (TimeoutException) { Assert.Fail($"case {c}: reader did not finish within 10 s"); }
            Assert.Fail($"case {c}: a corrupted file of {bad.Length} bytes was accepted");
        }
        // Only mutations that left the bytes unchanged are skipped.
        Assert.True(rejected >= cases * 9 / 10, $"only {rejected} of {cases} cases exercised");
    }

    private static byte[] MutateFile(byte[] good, Random rng)
    {
        var b = (byte[])good.Clone();
        switch (rng.Next(6))
        {
            case 0: return b[..rng.Next(b.Length)];
            case 1: b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8)); return b;
            case 2:
                for (int k = rng.Next(1, 8); k > 0; k--) b[rng.Next(b.Length)] = (byte)rng.Next(256);
                return b;
            case 3:
            {
                // Overwrite a length-like field with a huge or random value.
                int pos = rng.Next(Math.Max(1, b.Length - 4));
                BitConverter.TryWriteBytes(b.AsSpan(pos), rng.Next(2) == 0 ? uint.MaxValue - (uint)rng.Next(16) : (uint)rng.Next());
                return b;
            }
            case 4:
            {
                int pos = rng.Next(b.Length);
                return [.. b[..pos], .. RansTests.RandomBytes(rng, rng.Next(1, 9)), .. b[pos..]];
            }
            default:
            {
                int pos = rng.Next(b.Length), len = rng.Next(1, Math.Min(16, b.Length - pos) + 1);
                return [.. b[..pos], .. b[(pos + len)..]];
            }
        }
    }

    [Fact]
    public void Crc32CMatchesTheStandardCheckValueOnBothPaths()
    {
        var check = "123456789"u8;
        Assert.Equal(0xE3069283u, Crc32C.Compute(check));
        Assert.Equal(0xE3069283u, Crc32C.ComputeSoftware(check));
        var rng = new Random(4);
        for (int n = 0; n < 100; n++)
        {
            var data = RansTests.RandomBytes(rng, n * 7);
            Assert.Equal(Crc32C.ComputeSoftware(data), Crc32C.Compute(data));
        }
    }
}
