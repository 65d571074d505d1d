namespace Ltc.Tests;

/// <summary>Locations the tests read from: the repository root and ../shared beside it.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string SharedData => Path.Combine(RepoRoot, "..", "shared", "data");

    /// <summary>True when LTC_TEST_HEAVY=1: tests run their heavier mode (more points, more fuzz cases).</summary>
    public static bool Heavy => Environment.GetEnvironmentVariable("LTC_TEST_HEAVY") == "1";

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Ltc.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Ltc.slnx)");
    }
}
