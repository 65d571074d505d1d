using System.Diagnostics;
using Ltc.IO;

namespace Ltc.Cli.Tests.Robustness;

/// <summary>A reader that leaves early (<c>ltc ... - | head</c>) ends ltc quietly, as it ends any Unix tool.</summary>
public sealed class BrokenPipeCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-pipe-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task AReaderThatClosesThePipeEndsLtcWith141AndNoMessage()
    {
        // 4 MB of lattice points on stdout: far more than a pipe buffer holds, so the writes meet the closed pipe.
        var input = Path.Combine(_dir, "in.npy");
        var values = new double[65536 * 8];
        var random = new Random(5);
        for (int i = 0; i < values.Length; i++) values[i] = random.NextDouble() * 8 - 4;
        Npy.Write(input, values, 65536, 8);
        string errPath = Path.Combine(_dir, "err.txt");

        var psi = new ProcessStartInfo("/bin/bash") { UseShellExecute = false, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("\"$0\" exec \"$1\" lattice quantize --lattice E8 \"$2\" - 2> \"$3\" | head -c 16 > /dev/null; echo ${PIPESTATUS[0]}");
        psi.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ltc.dll"));
        psi.ArgumentList.Add(input);
        psi.ArgumentList.Add(errPath);
        using var process = Process.Start(psi)!;
        string status;
        // A hang (ltc blocked on the closed pipe) fails the test instead of stalling the run.
        try { status = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromMinutes(1)); }
        catch (TimeoutException) { process.Kill(true); throw; }
        await process.WaitForExitAsync();

        Assert.Equal("", File.ReadAllText(errPath));
        Assert.Equal(LtcApp.BrokenPipe.ToString(), status.Trim());
    }
}
