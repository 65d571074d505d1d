using System.Diagnostics;

namespace Ltc.Torch.Tests;

/// <summary>
/// Packs Ltc and Ltc.Torch with <c>dotnet pack</c> and runs samples/Ltc.Sample against the packages, as an
/// application would use them: a package that does not build, lacks an assembly or cannot load TorchSharp fails here.
/// </summary>
public class SamplePackageTests
{
    [Fact]
    public void SampleBuildsAgainstThePackedPackagesAndCompressesAnArray()
    {
        string repo = FindRoot();
        // A copy of the sources, so packing with a version of its own touches neither this build's outputs nor the
        // NuGet cache's entry of the real version.
        string work = Directory.CreateTempSubdirectory("ltc-pack-").FullName;
        string version = $"0.2.0-test{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        try
        {
            foreach (var dir in new[] { "src/Ltc", "src/Ltc.Torch", "build", "docs/packages", "samples" }) CopyTree(Path.Combine(repo, dir), Path.Combine(work, dir));
            foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "LICENSE" })
                File.Copy(Path.Combine(repo, file), Path.Combine(work, file));
            string feed = Path.Combine(work, "artifacts", "packages");
            Dotnet(work, "pack", "src/Ltc", "-c", "Release", "-o", feed, $"-p:Version={version}");
            Dotnet(work, "pack", "src/Ltc.Torch", "-c", "Release", "-o", feed, $"-p:Version={version}");
            Assert.True(File.Exists(Path.Combine(feed, $"Ltc.{version}.nupkg")));
            using (var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"Ltc.Torch.{version}.nupkg")))
            {
                var names = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("lib/net10.0/Ltc.Torch.dll", names);
                Assert.Contains("lib/net10.0/Ltc.Torch.xml", names);
                Assert.Contains("README.md", names);
                Assert.Contains("buildTransitive/Ltc.Torch.targets", names);
            }
            var output = Dotnet(work, "run", "--project", "samples/Ltc.Sample", "-c", "Release", $"-p:LtcVersion={version}", "--", "100");
            Assert.Contains("bit-exact", output);
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
            // The test versions would otherwise pile up in the NuGet cache.
            string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (var id in new[] { "ltc", "ltc.torch" })
            {
                var dir = Path.Combine(cache, id, version);
                try { if (Directory.Exists(dir)) Directory.Delete(dir, true); } catch (IOException) { }
            }
        }
    }

    private static string Dotnet(string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(10)), $"dotnet {string.Join(' ', args)} did not finish");
        string all = stdout.Result + stderr.Result;
        Assert.True(p.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed:\n{all}");
        return all;
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, dir);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")) continue;
            Directory.CreateDirectory(Path.Combine(to, rel));
        }
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, file);
            if (rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")) continue;
            File.Copy(file, Path.Combine(to, rel));
        }
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Ltc.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Ltc.slnx)");
    }
}
