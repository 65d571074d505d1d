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

    /// <summary>
    /// Runs <c>ltc args</c> through /bin/sh with <paramref name="redirect"/> applied (e.g. <c>&lt;&amp;-</c>, which
    /// closes standard input: no .NET API starts a child that way). A child still running after a minute is killed.
    /// </summary>
    public static async Task<(int Code, string Err)> RunRedirectedAsync(string redirect, params string[] args)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"exec \"$0\" exec \"$@\" {redirect}");
        psi.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ltc.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try { await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1)); }
        catch (TimeoutException) { process.Kill(true); throw; }
        return (process.ExitCode, await stderr);
    }
}
