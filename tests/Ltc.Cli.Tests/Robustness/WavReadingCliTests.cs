using Ltc.IO;
using static Ltc.Tests.Robustness.WavFiles;

namespace Ltc.Cli.Tests.Robustness;

/// <summary>
/// <c>ltc data export</c> on speech folders with WAV files of every layout (tests/Ltc.Tests' WavReadingTests reads
/// them through the library): the readable files are used, and each file skipped or cut short is one warning line.
/// </summary>
public sealed class WavReadingCliTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ltc-wav-cli-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void DataExportUsesTheReadableFilesAndNamesTheOthersOnStderr()
    {
        var folder = _dir.CreateSubdirectory("speech");
        MixedFolder(folder);
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
