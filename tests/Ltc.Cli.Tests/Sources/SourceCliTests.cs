using Ltc.IO;
using Ltc.Sources;

namespace Ltc.Cli.Tests.Sources;

/// <summary><c>ltc data export</c> writes a source's prepared data (tests/Ltc.Tests' SourceTests test the sources).</summary>
public sealed class SourceCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-src-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void ExportWritesThePreparedDataAsFloat32()
    {
        string path = Path.Combine(_dir, "banana.npy");
        var o = new StringWriter();
        var err = new StringWriter();
        Assert.Equal(0, LtcApp.Run(["data", "export", "--source", "banana", "--count", "100", "--seed", "3", "--out", path], o, err));
        var a = Npy.ReadMatrix(path);
        Assert.Equal(NpyType.Float32, a.Type);
        Assert.Equal((100, 2), (a.Rows, a.Columns));
        var expected = new BananaSource().Sample(SourceSplit.Test, 100, 3);
        for (int i = 0; i < expected.Length; i++) Assert.Equal((float)expected[i], (float)a.Data[i]);

        Assert.Equal(2, LtcApp.Run(["data", "export", "--source", "banana", "--split", "dev", "--out", path], o, err));
        Assert.Equal(2, LtcApp.Run(["data", "export", "--source", "physics:" + Path.Combine(_dir, "no.npy"), "--out", path], o, err));
        Assert.Contains("no.npy", err.ToString());
    }
}
