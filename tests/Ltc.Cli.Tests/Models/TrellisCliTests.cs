using Ltc.IO;
using Ltc.Torch;
using Ltc.Torch.Tests;

namespace Ltc.Cli.Tests.Models;

/// <summary><c>ltc train --kind ttc --states S</c>: a trellis transform coding model trained, saved and used for files.</summary>
[Collection("torch-serial")]
public class TrellisCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-ttc-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);

    [Fact]
    public void ATrainedTtcModelCompressesAndDecompressesExactly()
    {
        var (code, _, stderr) = LtcApp.RunCaptured("train", "--kind", "ttc", "--states", "8", "--trellis-rows", "16", "--dim", "8",
            "--lambda", "4", "--steps", "20", "--eval-samples", "256", "--seed", "2", "-o", P("m.ltcm"));
        Assert.True(code == 0, stderr);
        var config = ModelFile.Load(P("m.ltcm")).Model.Config;
        Assert.Equal((ModelKind.Ttc, 8, 16), (config.Model, config.States, config.TrellisRows));

        const int count = 300; // not a multiple of the 16 rows of a trellis sequence
        var x = CodecTestSupport.Gaussian(count, 8, 1, seed: 5);
        Npy.Write(P("in.npy"), x, count, 8);
        (code, _, stderr) = LtcApp.RunCaptured("compress", "--model", P("m.ltcm"), P("in.npy"), P("x.ltc"));
        Assert.True(code == 0, stderr);
        (code, _, stderr) = LtcApp.RunCaptured("decompress", "--model", P("m.ltcm"), P("x.ltc"), P("out.npy"));
        Assert.True(code == 0, stderr);
        var decoded = Npy.Read(P("out.npy"));
        Assert.Equal(new long[] { count, 8 }, decoded.Shape);
        var codec = new ModelCodec(ModelFile.Load(P("m.ltcm")).Model);
        Assert.Equal(Ltc.Codec.FileCodec.Decompress(codec, File.ReadAllBytes(P("x.ltc"))), decoded.Data);
    }

    [Theory]
    [InlineData("--kind", "ttc", "--dim", "8")]                                   // no --states
    [InlineData("--kind", "ttc", "--states", "5", "--dim", "8")]                  // no such trellis
    [InlineData("--kind", "ltc", "--states", "8", "--dim", "8")]                  // --states on another kind
    [InlineData("--kind", "ttc", "--states", "8", "--dim", "8", "--lattice", "E8")] // a trellis takes no lattice
    [InlineData("--kind", "ttc", "--states", "8", "--dim", "8", "--trellis-rows", "-1")]
    public void BadTrellisSettingsAreOneLineErrors(params string[] args)
    {
        var (code, stdout, stderr) = LtcApp.RunCaptured(["train", .. args, "--lambda", "1", "--steps", "1", "-o", P("x.ltcm")]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("ltc: error: ", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.False(File.Exists(P("x.ltcm")));
    }
}
