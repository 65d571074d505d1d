using Ltc.Cli;
using Ltc.IO;

namespace Ltc.Cli.Tests.Robustness;

/// <summary><c>ltc lattice quantize</c> writes both of its outputs or neither, and never over an input.</summary>
public sealed class QuantizeOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-quantize-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Input()
    {
        var path = Path.Combine(_dir, "in.npy");
        Npy.Write(path, new double[] { 0.3, 1.2, -0.7, 2.2, 0.1, 0.0, 0.9, -1.4 }, 1, 8);
        return path;
    }

    [Fact]
    public void AFailingCoordsPathWritesNothing()
    {
        string input = Input(), output = Path.Combine(_dir, "q.npy");
        var (code, _, err) = LtcApp.RunCaptured("lattice", "quantize", "--lattice", "E8", input, output, "--coords", Path.Combine(_dir, "missing", "k.npy"));
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(output));
        Assert.Equal(new[] { "in.npy" }, Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void AnOutputThatIsTheInputIsRefusedAndTheInputKept()
    {
        string input = Input();
        var before = File.ReadAllBytes(input);
        var (code, _, err) = LtcApp.RunCaptured("lattice", "quantize", "--lattice", "E8", input, input);
        Assert.Equal(2, code);
        Assert.StartsWith("ltc: error:", err);
        Assert.Equal(before, File.ReadAllBytes(input));
        string output = Path.Combine(_dir, "q.npy");
        (code, _, _) = LtcApp.RunCaptured("lattice", "quantize", "--lattice", "E8", input, output, "--coords", output);
        Assert.Equal(2, code);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void BothOutputsAreWrittenOnSuccess()
    {
        string input = Input(), output = Path.Combine(_dir, "q.npy"), coords = Path.Combine(_dir, "k.npy");
        var (code, _, err) = LtcApp.RunCaptured("lattice", "quantize", "--lattice", "E8", input, output, "--coords", coords);
        Assert.True(code == 0, err);
        var q = Npy.Read(output);
        var k = Npy.Read(coords);
        Assert.Equal(new long[] { 1, 8 }, q.Shape);
        Assert.Equal(new long[] { 1, 8 }, k.Shape);
        var lattice = Ltc.Lattices.LatticeCatalog.Parse("E8");
        var y = new double[8];
        lattice.PointFromCoordinates(k.Data.Select(v => (long)v).ToArray(), y);
        for (int i = 0; i < 8; i++) Assert.Equal(q.Data[i], y[i], 12);
    }

    [Fact]
    public async Task DashIsStandardInputAndOutputAndTheReportGoesToStderr()
    {
        string input = Input(), output = Path.Combine(_dir, "q.npy");
        Assert.Equal(0, LtcApp.RunCaptured("lattice", "quantize", "--lattice", "E8", input, output).Code);
        var (code, stdout, err) = await LtcProcess.RunAsync(File.ReadAllBytes(input), "lattice", "quantize", "--lattice", "E8", "-", "-");
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllBytes(output), stdout); // the array alone: the report went to stderr
        Assert.Contains("vectors quantized to E8", err);
        Assert.Equal(new[] { "in.npy", "q.npy" }, Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
