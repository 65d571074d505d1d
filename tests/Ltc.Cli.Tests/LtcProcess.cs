using System.Diagnostics;

namespace Ltc.Cli.Tests;

/// <summary>The built <c>ltc</c> in a child process, for what needs real standard streams (pipes, "-").</summary>
internal static class LtcProcess
{
    /// <summary>Runs <c>ltc args</c> with <paramref name="stdin"/> as its standard input; stdout comes back as bytes.</summary>
    public static async Task<(int Code, byte[] Out, string Err)> RunAsync(byte[] stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ltc.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = new MemoryStream();
        var copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(stdin);
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        await copyOut;
        return (process.ExitCode, stdout.ToArray(), await stderr);
    }
}
