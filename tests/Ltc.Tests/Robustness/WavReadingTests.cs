using System.Buffers.Binary;
using System.Text;
using Ltc.Cli;
using Ltc.IO;
using Ltc.Sources;

namespace Ltc.Tests.Robustness;

/// <summary>
/// Kind 4, WAV files scipy reads: 16-bit PCM mono in a WAVE_FORMAT_EXTENSIBLE header, an odd data chunk followed by
/// another chunk, a file truncated mid-sample, RIFX (big-endian), extra chunks, upper-case extensions. Each is read as
/// scipy.io.wavfile reads it (whole samples only); a file it cannot read is skipped and named on stderr, and the rest of
/// the folder is used.
/// </summary>
public sealed class WavReadingTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ltc-wav-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static short[] Samples(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (short)rng.Next(-30000, 30000)).ToArray();
    }

    /// <summary>A WAV file built chunk by chunk, so that every layout scipy accepts can be made.</summary>
    private static byte[] Wav(short[] samples, bool extensible = false, bool bigEndian = false, int extraDataBytes = 0,
        bool listAfterData = false, bool factBeforeFmt = false, int channels = 1, int bits = 16, int truncateBy = 0)
    {
        var body = new MemoryStream();
        void U32(uint v) { Span<byte> b = stackalloc byte[4]; if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, v); else BinaryPrimitives.WriteUInt32LittleEndian(b, v); body.Write(b); }
        void U16(ushort v) { Span<byte> b = stackalloc byte[2]; if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, v); else BinaryPrimitives.WriteUInt16LittleEndian(b, v); body.Write(b); }
        void Id(string s) => body.Write(Encoding.ASCII.GetBytes(s));
        body.Write(Encoding.ASCII.GetBytes("WAVE"));
        if (factBeforeFmt) { Id("fact"); U32(4); U32((uint)samples.Length); }
        int blockAlign = channels * bits / 8;
        Id("fmt ");
        U32(extensible ? 40u : 16u);
        U16(extensible ? (ushort)0xFFFE : (ushort)1);
        U16((ushort)channels);
        U32(8000);
        U32((uint)(8000 * blockAlign));
        U16((ushort)blockAlign);
        U16((ushort)bits);
        if (extensible)
        {
            U16(22);
            U16((ushort)bits);
            U32(4); // channel mask
            // KSDATAFORMAT_SUBTYPE_PCM: format tag 1, then the standard GUID tail.
            U32(1);
            body.Write(bigEndian
                ? (byte[])[0x00, 0x00, 0x00, 0x10, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
                : [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]);
        }
        var data = new byte[samples.Length * 2 + extraDataBytes];
        for (int i = 0; i < samples.Length; i++)
        {
            if (bigEndian) BinaryPrimitives.WriteInt16BigEndian(data.AsSpan(2 * i), samples[i]);
            else BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(2 * i), samples[i]);
        }
        Id("data");
        U32((uint)data.Length);
        body.Write(data);
        if (data.Length % 2 == 1) body.WriteByte(0);
        if (listAfterData) { Id("LIST"); U32(4); Id("INFO"); }
        var all = new MemoryStream();
        all.Write(Encoding.ASCII.GetBytes(bigEndian ? "RIFX" : "RIFF"));
        Span<byte> size = stackalloc byte[4];
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(size, (uint)body.Length); else BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)body.Length);
        all.Write(size);
        body.Position = 0;
        body.CopyTo(all);
        var bytes = all.ToArray();
        return bytes[..(bytes.Length - truncateBy)];
    }

    private string Write(string name, byte[] bytes)
    {
        string p = Path.Combine(_dir.FullName, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    [Fact]
    public void EveryLayoutScipyReadsAsSixteenBitMonoIsRead()
    {
        var s = Samples(400, 1);
        var expected = s.Select(v => v / 32768.0).ToArray();
        Assert.Equal(expected, SpeechSource.ReadPcm16(Write("plain.wav", Wav(s))));
        Assert.Equal(expected, SpeechSource.ReadPcm16(Write("ext.wav", Wav(s, extensible: true))));
        Assert.Equal(expected, SpeechSource.ReadPcm16(Write("rifx.wav", Wav(s, bigEndian: true))));
        Assert.Equal(expected, SpeechSource.ReadPcm16(Write("rifx-ext.wav", Wav(s, bigEndian: true, extensible: true))));
        Assert.Equal(expected, SpeechSource.ReadPcm16(Write("fact.wav", Wav(s, factBeforeFmt: true, listAfterData: true))));
        // 801 data bytes then a LIST chunk: the 400 whole samples.
        Assert.Equal(expected, SpeechSource.ReadPcm16(Write("odd.wav", Wav(s, extraDataBytes: 1, listAfterData: true))));
        // Truncated in the middle of a sample (and before the declared end): the whole samples it holds.
        Assert.Equal(expected[..399], SpeechSource.ReadPcm16(Write("cut.wav", Wav(s, truncateBy: 1))));
        // Not 16-bit mono: one-line errors that say what the file is.
        Assert.Contains("mono", Assert.Throws<LtcException>(() => SpeechSource.ReadPcm16(Write("st.wav", Wav(Samples(400, 2), channels: 2)))).Message);
        Assert.Contains("16-bit", Assert.Throws<LtcException>(() => SpeechSource.ReadPcm16(Write("b8.wav", Wav(Samples(200, 2), bits: 8)))).Message);
        Assert.Throws<LtcException>(() => SpeechSource.ReadPcm16(Write("junk.wav", Encoding.ASCII.GetBytes("not a wav file at all"))));
        Assert.Throws<LtcException>(() => SpeechSource.ReadPcm16(Write("short.wav", Wav(s)[..30])));
    }

    [Fact]
    public void AFolderWithUpperCaseNamesOddChunksAndBadFilesIsReadAndTheBadOnesNamed()
    {
        var folder = _dir.CreateSubdirectory("speech");
        void Put(string name, byte[] b) => File.WriteAllBytes(Path.Combine(folder.FullName, name), b);
        Put("0_s_0.WAV", Wav(Samples(500, 3), extensible: true));
        Put("0_s_1.wav", Wav(Samples(400, 4), extraDataBytes: 1, listAfterData: true));
        Put("0_s_5.Wav", Wav(Samples(450, 5)));
        Put("0_s_6.wav", Wav(Samples(300, 6), truncateBy: 1));
        Put("1_s_2.wav", Wav(Samples(400, 7), channels: 2));
        Put("1_s_7.wav", Encoding.ASCII.GetBytes("RIFF...."));
        string outPath = Path.Combine(_dir.FullName, "frames.npy");
        var (code, stdout, err) = LtcApp.RunCaptured("data", "export", "--source", "speech:" + folder.FullName, "--split", "test", "--out", outPath);
        Assert.True(code == 0, err);
        Assert.Contains("wrote", stdout);
        var warnings = err.Trim().Split('\n');
        Assert.All(warnings, w => Assert.StartsWith("ltc: warning: ", w));
        Assert.Contains(warnings, w => w.Contains("1_s_2.wav: skipped") && w.Contains("channel"));
        Assert.Contains(warnings, w => w.Contains("1_s_7.wav: skipped"));
        Assert.Contains(warnings, w => w.Contains("0_s_1.wav") && w.Contains("400 whole samples"));
        Assert.Contains(warnings, w => w.Contains("0_s_6.wav") && w.Contains("299 whole samples"));
        // Test split: 0_s_0 (500 samples) and 0_s_1 (400): (500 − 62) + (400 − 62) frames of 33 bins.
        Assert.Equal([(500L - 62) + (400 - 62), 33L], Npy.Read(outPath).Shape);

        var src = SourceCatalog.Parse("speech:" + folder.FullName, null);
        Assert.Equal(4, src.Warnings.Count);
        Assert.Equal(6, src.InputFiles.Count);
    }

    [Fact]
    public void AFolderWhoseFilesAreAllUnreadableSaysWhy()
    {
        var folder = _dir.CreateSubdirectory("stereo");
        File.WriteAllBytes(Path.Combine(folder.FullName, "3_x_0.wav"), Wav(Samples(400, 8), channels: 2));
        File.WriteAllBytes(Path.Combine(folder.FullName, "3_x_5.wav"), Wav(Samples(400, 9), channels: 2));
        var (code, stdout, err) = LtcApp.RunCaptured("data", "export", "--source", "speech:" + folder.FullName, "--out", Path.Combine(_dir.FullName, "x.npy"));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("skipped", err);
        Assert.Contains("mono", err);
        Assert.False(File.Exists(Path.Combine(_dir.FullName, "x.npy")));
    }
}
