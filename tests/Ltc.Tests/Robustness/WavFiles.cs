using System.Buffers.Binary;
using System.Text;

namespace Ltc.Tests.Robustness;

/// <summary>
/// Synthetic WAV recordings for the reader tests here and, as a linked file, the <c>ltc data export</c> tests in
/// Ltc.Cli.Tests.
/// </summary>
internal static class WavFiles
{
    /// <summary><paramref name="count"/> random 16-bit samples, fixed by <paramref name="seed"/>.</summary>
    internal static short[] Samples(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (short)rng.Next(-30000, 30000)).ToArray();
    }

    /// <summary>A WAV file built chunk by chunk, so that every layout scipy accepts can be made.</summary>
    internal static byte[] Wav(short[] samples, bool extensible = false, bool bigEndian = false, int extraDataBytes = 0,
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

    /// <summary>
    /// A speech folder of six recordings: three readable ones with upper-case extensions, an odd data chunk or a LIST
    /// chunk after the data, one truncated mid-sample, one stereo and one that is not a WAV file.
    /// </summary>
    internal static void MixedFolder(DirectoryInfo folder)
    {
        void Put(string name, byte[] b) => File.WriteAllBytes(Path.Combine(folder.FullName, name), b);
        Put("0_s_0.WAV", Wav(Samples(500, 3), extensible: true));
        Put("0_s_1.wav", Wav(Samples(400, 4), extraDataBytes: 1, listAfterData: true));
        Put("0_s_5.Wav", Wav(Samples(450, 5)));
        Put("0_s_6.wav", Wav(Samples(300, 6), truncateBy: 1));
        Put("1_s_2.wav", Wav(Samples(400, 7), channels: 2));
        Put("1_s_7.wav", Encoding.ASCII.GetBytes("RIFF...."));
    }
}
