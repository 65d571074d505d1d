using System.Security.Cryptography;
using Ltc.Cli;
using Ltc.Coding;
using Ltc.Tests.Coding;
using Ltc.Tests.Robustness;

namespace Ltc.Cli.Tests.Robustness;

/// <summary>
/// <c>ltc inspect</c> on the files of tests/Ltc.Tests' AtomicFileTests: an <c>.ltc</c> file read from a pipe, and
/// control characters from a file or a path that never reach the terminal; JSON output that never holds "NaN".
/// </summary>
public sealed class AtomicFileCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-atomic-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);

    [Fact]
    public void InspectReadsAnLtcFileFromAPipe()
    {
        // As `cat valid.ltc | ltc inspect /dev/stdin` does.
        var bytes = LtcFileSamples.Streamed();
        string fifo = Fifos.Create(P("in.fifo"));
        Fifos.WriteAllAsync(fifo, bytes);
        var (code, stdout, stderr) = LtcApp.RunCaptured("inspect", fifo, "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains($"\"file_bytes\": {bytes.Length}", stdout);
    }

    [Fact]
    public async Task InspectReadsStandardInputForADash()
    {
        var bytes = LtcFileSamples.Streamed();
        var (code, stdout, stderr) = await LtcProcess.RunAsync(bytes, "inspect", "-", "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains($"\"file_bytes\": {bytes.Length}", System.Text.Encoding.UTF8.GetString(stdout));
    }

    [Fact]
    public async Task ErrorsAboutDashNameTheStandardStreamNotItsDevicePath()
    {
        if (OperatingSystem.IsWindows()) return; // no "-" there
        var (code, _, stderr) = await LtcProcess.RunAsync("not a file"u8.ToArray(), "inspect", "-");
        Assert.Equal(2, code);
        Assert.StartsWith("ltc: error: standard input: neither an .ltc file nor a model file", stderr);
        Assert.DoesNotContain("/dev/", stderr);
        // Only the whole path is a stream's: a file under /dev/stdin-like names keeps its name.
        Assert.Equal("standard output: x; /dev/stdin2: y; data/dev/stdin: z", LtcApp.NameStreams("/dev/stdout: x; /dev/stdin2: y; data/dev/stdin: z"));
    }

    [Fact]
    public async Task ADashOnAClosedStandardStreamIsAnErrorNotAHang()
    {
        if (OperatingSystem.IsWindows()) return; // no "-" there
        // The runtime reuses a closed descriptor 0 for a pipe it holds open: reading it used to wait forever.
        var (code, stderr) = await LtcProcess.RunRedirectedAsync("<&-", "inspect", "-");
        Assert.Equal(2, code);
        Assert.Equal("ltc: error: '-' reads standard input, which is closed: pipe the data in or name a file", stderr.TrimEnd());

        string input = P("in.npy");
        Ltc.IO.Npy.Write(input, new float[8], [1, 8]);
        (code, stderr) = await LtcProcess.RunRedirectedAsync(">&-", "lattice", "quantize", "--lattice", "E8", input, "-");
        Assert.Equal(2, code);
        Assert.Equal("ltc: error: '-' writes standard output, which is closed: redirect it or name a file", stderr.TrimEnd());

        // A report with nowhere to go is dropped, as into /dev/null: not an error after the work is done (stdout), not
        // an abort (stderr, which used to end the process with SIGABRT).
        string ltc = P("x.ltc");
        File.WriteAllBytes(ltc, LtcFileSamples.Streamed());
        (code, stderr) = await LtcProcess.RunRedirectedAsync(">&-", "inspect", ltc);
        Assert.True(code == 0, stderr);
        (code, _) = await LtcProcess.RunRedirectedAsync("2>&-", "inspect", P("missing.ltc"));
        Assert.Equal(2, code);
    }

    [Fact]
    public void InspectEscapesControlCharactersFromTheFile()
    {
        string path = P("evil.ltc");
        var header = new LtcHeader(SHA256.HashData("m"u8), "evil\x1b[2J\nchunks 999", LtcElementType.Float32, [1, 1],
            extra: [LtcExtra.Text("note", "a\x1b]0;pwned\x07\u202egnp.exe\u0085")]);
        LtcFile.Write(path, header, [[1]]);
        var (code, stdout, stderr) = LtcApp.RunCaptured("inspect", path);
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain('\x1b', stdout);
        Assert.DoesNotContain('\x07', stdout);
        Assert.DoesNotContain('\u202e', stdout);
        Assert.DoesNotContain('\u0085', stdout);
        Assert.Contains("evil\\e[2J\\nchunks 999", stdout);
        Assert.Equal(8, stdout.TrimEnd().Split('\n').Length); // no forged lines
        (code, stdout, stderr) = LtcApp.RunCaptured("inspect", path, "--json");
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain('\x1b', stdout);
        Assert.DoesNotContain('\u202e', stdout);
        Assert.DoesNotContain('\u0085', stdout);
        Assert.Contains("\\u202e", stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void JsonNumbersStayNumbersOrTheCommandFailsWithOneLine()
    {
        var o = new StringWriter();
        CliOutput.WriteJson(o, new { Rate = 1.5, Gap = (double?)null, F = 2f });
        Assert.Contains("\"rate\": 1.5", o.ToString());
        Assert.Contains("\"gap\": null", o.ToString());
        foreach (var bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
        {
            var w = new StringWriter();
            var e = Assert.Throws<LtcException>(() => CliOutput.WriteJson(w, new { Outer = new { SnrDb = bad } }));
            Assert.Contains("snr_db", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Equal("", w.ToString()); // nothing half-written
        }
        Assert.Throws<LtcException>(() => CliOutput.WriteJson(new StringWriter(), new { Values = new[] { 1.0, double.NaN } }));
        Assert.Throws<LtcException>(() => CliOutput.WriteJson(new StringWriter(), new { V = float.NaN }));
    }

    [Fact]
    public void ErrorMessagesAreEscapedToo()
    {
        var (code, _, stderr) = LtcApp.RunCaptured("inspect", P("no\x1b[2Jsuch.ltc"));
        Assert.Equal(2, code);
        Assert.DoesNotContain('\x1b', stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }
}
