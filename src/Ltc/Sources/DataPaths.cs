namespace Ltc.Sources;

/// <summary>
/// Finds the shared data folder (<c>shared/data</c> beside the repository) without copying data into the project:
/// <c>LTC_DATA</c> if set, else the first <c>shared/data</c> found walking up from the working directory or from the
/// program's own folder.
/// </summary>
public static class DataPaths
{
    /// <summary>The full path of <paramref name="relative"/> inside the shared data folder; a one-line error if absent.</summary>
    public static string Resolve(string relative)
    {
        var env = Environment.GetEnvironmentVariable("LTC_DATA");
        if (!string.IsNullOrEmpty(env))
        {
            var p = Path.Combine(env, relative);
            if (File.Exists(p) || Directory.Exists(p)) return p;
            throw new LtcException($"{p}: not found (LTC_DATA is set to '{env}')");
        }
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var p = Path.Combine(dir.FullName, "shared", "data", relative);
                if (File.Exists(p) || Directory.Exists(p)) return p;
            }
        }
        throw new LtcException($"shared/data/{relative}: not found beside the repository (set LTC_DATA to the data folder, or give a path)");
    }
}
