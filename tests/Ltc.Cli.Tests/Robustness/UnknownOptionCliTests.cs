namespace Ltc.Cli.Tests.Robustness;

/// <summary>
/// A mistyped option or command is named as such wherever it stands, never mistaken for a file, with the full command
/// whose help lists the right ones.
/// </summary>
public sealed class UnknownOptionCliTests
{
    [Theory]
    // Before the arguments, with one argument too many for the parser...
    [InlineData("ltc compress", "compress", "--model", "m.ltcm", "--frob", "in.npy", "out.ltc")]
    [InlineData("ltc decompress", "decompress", "--frob", "in.ltc", "out.npy", "--model", "m.ltcm")]
    [InlineData("ltc lattice quantize", "lattice", "quantize", "--lattice", "E8", "--frob", "in.npy", "out.npy")]
    // ... or taking an argument's place, so that the parse succeeds and the option would be opened as a file.
    [InlineData("ltc compress", "compress", "-m", "m.ltcm", "--frob", "in.npy")]
    [InlineData("ltc lattice quantize", "lattice", "quantize", "--lattice", "E8", "--frob", "in.npy")]
    [InlineData("ltc inspect", "inspect", "--frob")]
    // A single dash and a letter, and an unknown option after the arguments.
    [InlineData("ltc lattice quantize", "lattice", "quantize", "--lattice", "E8", "-x", "in.npy", "q.npy")]
    [InlineData("ltc decompress", "decompress", "-m", "m.ltcm", "in.ltc", "out.npy", "--frob")]
    // After an option that takes several values, where it would be read as one of them.
    [InlineData("ltc plot loss", "plot", "loss", "--csv", "a=c.csv", "--frob", "--out", "l.png")]
    [InlineData("ltc plot loss", "plot", "loss", "--csv", "a=c.csv", "b=d.csv", "-x", "--out", "l.png")]
    public void AnUnknownOptionIsNamed(string command, params string[] args)
    {
        string option = args.First(a => a is "--frob" or "-x");
        AssertOneLine(args, $"ltc: error: unknown option '{option}' ({command} --help lists the options)");
    }

    [Theory]
    [InlineData("ltc: error: unknown command 'los' (ltc plot --help lists the commands)", "plot", "los", "--csv", "a=b.csv", "-o", "x.png")]
    [InlineData("ltc: error: unknown command 'quantise' (ltc lattice --help lists the commands)", "lattice", "quantise", "in.npy", "out.npy")]
    [InlineData("ltc: error: ltc lattice needs a command (ltc lattice --help lists them)", "lattice")]
    public void AnUnknownOrMissingSubcommandIsNamed(string expected, params string[] args) => AssertOneLine(args, expected);

    [Theory]
    [InlineData("ltc: error: ltc lattice quantize: missing <input> and <output> (ltc lattice quantize --help)", "lattice", "quantize", "--lattice", "E8")]
    [InlineData("ltc: error: ltc compress: missing <output> (ltc compress --help)", "compress", "-m", "m.ltcm", "in.npy")]
    [InlineData("ltc: error: ltc bdrate: missing <test> (ltc bdrate --help)", "bdrate", "a.csv")]
    // Required options with them, in one line.
    [InlineData("ltc: error: ltc compress: missing --model, <input> and <output> (ltc compress --help)", "compress")]
    [InlineData("ltc: error: ltc compress: missing --model (ltc compress --help)", "compress", "in.npy", "out.ltc")]
    [InlineData("ltc: error: ltc train: missing --lambda and --out (ltc train --help)", "train", "--source", "gaussian")]
    public void AMissingArgumentIsNamed(string expected, params string[] args) => AssertOneLine(args, expected);

    [Fact]
    public void AWordAfterTheSeparatorIsAFileName()
    {
        var (code, _, err) = LtcApp.RunCaptured("inspect", "--", "--odd.ltc");
        Assert.Equal(2, code);
        Assert.Equal("ltc: error: --odd.ltc: file not found", err.Trim());
        // Also when the command line is wrong for another reason (the output is missing): that reason is given.
        (code, _, err) = LtcApp.RunCaptured("compress", "-m", "m.ltcm", "--", "--odd.npy");
        Assert.Equal(2, code);
        Assert.DoesNotContain("unknown option", err);
    }

    private static void AssertOneLine(string[] args, string expected)
    {
        var (code, stdout, err) = LtcApp.RunCaptured(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal(expected, err.TrimEnd());
    }
}
