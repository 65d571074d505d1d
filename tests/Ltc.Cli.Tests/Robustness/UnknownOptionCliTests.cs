namespace Ltc.Cli.Tests.Robustness;

/// <summary>A mistyped option is named as an unknown option wherever it stands, not mistaken for a file.</summary>
public sealed class UnknownOptionCliTests
{
    [Theory]
    [InlineData("compress", "--model", "m.ltcm", "--frobnicate", "in.npy", "out.ltc")]
    [InlineData("decompress", "--frobnicate", "in.ltc", "out.npy", "--model", "m.ltcm")]
    [InlineData("lattice", "quantize", "--lattice", "E8", "--frobnicate", "in.npy", "out.npy")]
    public void AnUnknownOptionBeforeTheArgumentsIsNamed(params string[] args)
    {
        var (code, stdout, err) = LtcApp.RunCaptured(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("ltc: error: unknown option '--frobnicate' (ltc ", err);
        Assert.Single(err.TrimEnd().Split('\n'));
    }
}
