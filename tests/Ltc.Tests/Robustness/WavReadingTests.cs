using System.Text;
using Ltc.Sources;
using static Ltc.Tests.Robustness.WavFiles;

namespace Ltc.Tests.Robustness;

/// <summary>
/// Kind 4, WAV files scipy reads: 16-bit PCM mono in a WAVE_FORMAT_EXTENSIBLE header, an odd data chunk followed by
/// another chunk, a file truncated mid-sample, RIFX (big-endian), extra chunks, upper-case extensions. Each is read as
/// scipy.io.wavfile reads it (whole samples only); a file it cannot read is skipped and named in the source's warnings,
/// and the rest of the folder is used. What <c>ltc data export</c> prints for such folders is tested in Ltc.Cli.Tests
/// (WavReadingCliTests).
/// </summary>
public sealed class WavReadingTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ltc-wav-");

    public void Dispose() => _dir.Delete(recursive: true);

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
        MixedFolder(folder);
        var src = SourceCatalog.Parse("speech:" + folder.FullName, null);
        Assert.Equal(4, src.Warnings.Count);
        Assert.Equal(6, src.InputFiles.Count);
    }
}
