using Ltc.IO;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Ltc.Cli;

/// <summary>
/// Checked ranges and deprecated spellings of options. A range is checked while parsing, so a value out of range is a
/// one-line error before any work; a deprecated spelling still works and earns a warning on stderr when the command
/// succeeds.
/// </summary>
internal static class CliOptions
{
    /// <summary>Accepts only <paramref name="min"/> ≤ value ≤ <paramref name="max"/>.</summary>
    public static Option<int> Range(this Option<int> option, int min, int max)
    {
        option.Validators.Add(r =>
        {
            if (TryValue(r, out int v)) Check(r, v, min, max);
        });
        return option;
    }

    /// <summary>Accepts only <paramref name="min"/> ≤ value ≤ <paramref name="max"/> (or no value).</summary>
    public static Option<int?> Range(this Option<int?> option, int min, int max)
    {
        option.Validators.Add(r =>
        {
            if (TryValue(r, out int? v) && v is int value) Check(r, value, min, max);
        });
        return option;
    }

    /// <summary>Accepts only <paramref name="min"/> ≤ value ≤ <paramref name="max"/>.</summary>
    public static Option<long> Range(this Option<long> option, long min, long max)
    {
        option.Validators.Add(r =>
        {
            if (TryValue(r, out long v) && (v < min || v > max))
                r.AddError($"{r.IdentifierToken?.Value ?? r.Option.Name} must be between {min} and {max}, got {v}");
        });
        return option;
    }

    /// <summary>Accepts only finite <paramref name="min"/> ≤ value ≤ <paramref name="max"/>.</summary>
    public static Option<double> Between(this Option<double> option, double min, double max)
    {
        option.Validators.Add(r =>
        {
            if (TryValue(r, out double v) && !(v >= min && v <= max))
                r.AddError($"{r.IdentifierToken?.Value ?? r.Option.Name} must be between {min.ToString("G", CultureInfo.InvariantCulture)} and {max.ToString("G", CultureInfo.InvariantCulture)}, got {v.ToString("R", CultureInfo.InvariantCulture)}");
        });
        return option;
    }

    /// <summary>Accepts only finite values with 0 &lt; value ≤ <paramref name="max"/>.</summary>
    public static Option<double> Positive(this Option<double> option, double max)
    {
        option.Validators.Add(r =>
        {
            if (TryValue(r, out double v)) CheckPositive(r, v, max);
        });
        return option;
    }

    /// <summary>Accepts only finite values with 0 &lt; value ≤ <paramref name="max"/> (or no value).</summary>
    public static Option<double?> Positive(this Option<double?> option, double max)
    {
        option.Validators.Add(r =>
        {
            if (TryValue(r, out double? v) && v is double value) CheckPositive(r, value, max);
        });
        return option;
    }

    // A value that does not even parse is reported by the parser itself (one line); the range waits for a number.
    private static bool TryValue<T>(OptionResult r, out T value)
    {
        value = default!;
        if (r.Errors.Any()) return false;
        try
        {
            value = r.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void CheckPositive(OptionResult r, double v, double max)
    {
        if (v > 0 && v <= max) return;
        r.AddError($"{r.IdentifierToken?.Value ?? r.Option.Name} must be positive and at most {max.ToString("G", CultureInfo.InvariantCulture)}, got {v.ToString("R", CultureInfo.InvariantCulture)}");
    }

    private static void Check(OptionResult r, long v, long min, long max)
    {
        if (v >= min && v <= max) return;
        string name = r.IdentifierToken?.Value ?? r.Option.Name;
        r.AddError(min == 1
            ? $"{name} must be positive and at most {max}, got {v}"
            : $"{name} must be between {min} and {max}, got {v}");
    }

    /// <summary>Adds <paramref name="oldSpelling"/> as a deprecated alias of <paramref name="option"/>.</summary>
    public static T DeprecatedAlias<T>(this T option, string oldSpelling) where T : Option
    {
        option.Aliases.Add(oldSpelling);
        var set = DeprecatedSpellings.GetOrCreateValue(option);
        lock (set) set.Add(oldSpelling);
        return option;
    }

    private static readonly ConditionalWeakTable<Option, HashSet<string>> DeprecatedSpellings = new();

    /// <summary>The deprecated spellings of <paramref name="option"/> (none for most options).</summary>
    public static string[] DeprecatedSpellingsOf(Option option)
    {
        if (!DeprecatedSpellings.TryGetValue(option, out var set)) return [];
        lock (set) return [.. set.Order(StringComparer.Ordinal)];
    }

    /// <summary>Refuses "-" for an output that is a file to keep (a model, a folder, a picture), not a stream, or, with
    /// <paramref name="input"/>, for an input that must be a file.</summary>
    public static Option<T> FileOnly<T>(this Option<T> option, bool input = false) where T : class?
    {
        option.Validators.Add(r =>
        {
            if (r.Tokens is [{ Value: "-" }])
                r.AddError($"{r.IdentifierToken?.Value ?? r.Option.Name} -: " + (input
                    ? "this option reads a file, not standard input; name a file"
                    : "this output is a file, not a stream (an output whose help mentions '-' can go to standard output); name a file"));
        });
        return option;
    }

    /// <summary>
    /// The path a file argument stands for: "-" is standard input (<paramref name="write"/> false) or standard output,
    /// as /dev/stdin and /dev/stdout, which the file checks already treat as the streams they are.
    /// </summary>
    /// <exception cref="LtcException">"-" on Windows, which has no such paths.</exception>
    public static string StandardStream(string path, bool write)
    {
        if (path != "-") return path;
        if (OperatingSystem.IsWindows()) throw new LtcException($"'-' for standard {(write ? "output" : "input")} needs Linux or macOS; give a file name");
        // As gzip does: binary data is neither typed in nor printed on a terminal (reading would wait for input forever).
        if (!write && !Console.IsInputRedirected) throw new LtcException("'-' reads standard input, which is a terminal: pipe the data in or name a file");
        if (StandardStreamWasClosed(write ? 1 : 0)) throw new LtcException($"'-' {(write ? "writes standard output" : "reads standard input")}, which is closed: {(write ? "redirect it" : "pipe the data in")} or name a file");
        if (write && !Console.IsOutputRedirected) throw new LtcException("'-' writes binary data to standard output, which is a terminal: redirect it or name a file");
        return write ? "/dev/stdout" : "/dev/stdin";
    }

    /// <summary>
    /// Whether the process started with standard input (<paramref name="fd"/> 0, <c>&lt;&amp;-</c>), output (1,
    /// <c>&gt;&amp;-</c>) or error (2, <c>2&gt;&amp;-</c>) closed. The .NET runtime then takes the free descriptor for a
    /// pipe of its own and holds its other end, so reading "-" would wait forever and writing would fail (or abort the
    /// process, for stderr): the descriptor is such a pipe when this process holds the same pipe the other way round
    /// (written, for stdin; read, for stdout and stderr), which a pipe from the parent never is. Linux only (/proc);
    /// false elsewhere.
    /// </summary>
    internal static bool StandardStreamWasClosed(int fd)
    {
        try
        {
            if (!OperatingSystem.IsLinux() || new FileInfo($"/proc/self/fd/{fd}").LinkTarget is not { } pipe || !pipe.StartsWith("pipe:", StringComparison.Ordinal))
                return false;
            int otherWay = fd == 0 ? 1 : 0;
            foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
                if (int.TryParse(Path.GetFileName(entry), out var other) && new FileInfo(entry).LinkTarget == pipe && AccessMode(other) == otherWay)
                    return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return false;
    }

    /// <summary>The access mode of a descriptor of this process: 0 read-only, 1 write-only, 2 read-write (fdinfo's octal open(2) flags).</summary>
    private static int AccessMode(int fd)
    {
        var flags = File.ReadLines($"/proc/self/fdinfo/{fd}").FirstOrDefault(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return flags is null ? 2 : Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & 3;
    }

    /// <summary>Where a command's report goes: stderr when one of <paramref name="outputs"/> is standard output (the data has it), else stdout.</summary>
    public static TextWriter ReportWriter(ParseResult pr, params string?[] outputs) =>
        outputs.Any(o => o is not null && AtomicFile.IsStandardOutput(o)) ? pr.InvocationConfiguration.Error : pr.InvocationConfiguration.Output;

    /// <summary>The spelling of <paramref name="option"/> written on the command line, or null when it was not given.</summary>
    public static string? SpellingUsed(ParseResult pr, Option option) =>
        pr.GetResult(option) is OptionResult { Implicit: false } used ? used.IdentifierToken?.Value : null;

    /// <summary>Queues a warning for every deprecated spelling used on the command line.</summary>
    public static void WarnDeprecated(ParseResult pr)
    {
        foreach (var option in pr.CommandResult.Command.Options)
        {
            if (!DeprecatedSpellings.TryGetValue(option, out var set)) continue;
            if (SpellingUsed(pr, option) is not string spelling) continue;
            bool deprecated;
            lock (set) deprecated = set.Contains(spelling);
            if (deprecated) LtcApp.Warn($"{spelling} is deprecated in '{pr.CommandResult.Command.Name}'; use {option.Name}");
        }
    }
}
