using System.CommandLine;
using Ltc.Cli.Commands;

namespace Ltc.Cli;

/// <summary>The <c>ltc</c> command: builds the command tree and runs it with the project's error conventions.</summary>
/// <remarks>
/// Exit codes: 0 success; 2 bad input (one line <c>ltc: error: ...</c> on stderr, nothing written); 130 and 143 a
/// training or sweep interrupted by SIGINT or SIGTERM (one line saying what was kept); 141 (128 + SIGPIPE, what a shell
/// shows for a tool its reader left) and no message when the reader of a pipe closed it (<c>ltc ... | head</c>). Warnings (a deprecated option
/// spelling, an unfinished checkpoint used) are printed as <c>ltc: warning: ...</c> lines when the command succeeds.
/// </remarks>
internal static partial class LtcApp
{
    /// <summary>Exit code for bad input (unknown names, malformed files, wrong dimensions, NaN).</summary>
    public const int BadInput = 2;

    /// <summary>Exit code after SIGINT (128 + 2).</summary>
    public const int InterruptedBySigint = 130;

    /// <summary>Exit code after SIGTERM (128 + 15).</summary>
    public const int InterruptedBySigterm = 143;

    /// <summary>Exit code when the reader of a pipe went away (128 + 13, as if killed by SIGPIPE, which .NET ignores).</summary>
    public const int BrokenPipe = 141;

    /// <summary>errno EPIPE (32 on Linux and macOS), which .NET carries as the HResult of the IOException it throws.</summary>
    private const int Epipe = 32;

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("ltc — Lattice Transform Coding: lattice quantizers, learned compressors and real bitstreams.");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(LatticeCommands.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(BenchCommands.Create());
        root.Subcommands.Add(BoundsCommand.Create());
        root.Subcommands.Add(BdRateCommand.Create());
        root.Subcommands.Add(PlotCommands.Create());
        root.Subcommands.Add(ModelCommands.CreateTrain());
        root.Subcommands.Add(ModelCommands.CreateSweep());
        root.Subcommands.Add(ModelCommands.CreateEval());
        root.Subcommands.Add(CodecCommands.CreateCompress());
        root.Subcommands.Add(CodecCommands.CreateDecompress());
        root.Subcommands.Add(CodecCommands.CreateFitCoder());
        root.Subcommands.Add(InteropCommands.CreateExport());
        root.Subcommands.Add(InteropCommands.CreateImport());
        root.Subcommands.Add(DataCommands.Create());
        return root;
    }

    /// <summary>What one invocation carries besides its parse result: queued warnings and an outside interruption.</summary>
    private sealed class Invocation(CancellationToken interrupt)
    {
        public readonly List<string> Warnings = [];
        public readonly CancellationToken Interrupt = interrupt;
    }

    private static readonly AsyncLocal<Invocation?> Current = new();

    /// <summary>Parses and runs; a parse error or an <see cref="LtcException"/> is one line on stderr and exit code 2.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="stdout">Where results go (default: the console).</param>
    /// <param name="stderr">Where errors, warnings and progress go (default: the console).</param>
    /// <param name="interrupt">An interruption from outside, handled by train and sweep as SIGINT is (for embedding and tests).</param>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null, CancellationToken interrupt = default)
    {
        var root = BuildRoot();
        var config = new InvocationConfiguration
        {
            // A stream closed when ltc started (>&-, 2>&-) takes reports as /dev/null would: writing them would fail
            // after the work is done (stdout) or abort the process (stderr). Data on "-" is refused (CliOptions.StandardStream).
            Output = stdout ?? (CliOptions.StandardStreamWasClosed(1) ? TextWriter.Null : Console.Out),
            Error = stderr ?? (CliOptions.StandardStreamWasClosed(2) ? TextWriter.Null : Console.Error),
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        var err = config.Error;
        var parsed = root.Parse(args);
        if (parsed.Action is not System.CommandLine.Help.HelpAction
            && (parsed.Errors.Count > 0 ? FirstError(parsed, args) : UnknownOptionTakenAsArgument(parsed, args)) is string error)
        {
            err.WriteLine($"ltc: error: {CliOutput.Escape(OneLine(Readable(error)))}");
            return BadInput;
        }
        var previous = Current.Value;
        var invocation = new Invocation(interrupt);
        Current.Value = invocation;
        try
        {
            int code = parsed.Invoke(config);
            if (code == 0)
                foreach (var w in invocation.Warnings) err.WriteLine($"ltc: warning: {CliOutput.Escape(NameStreams(OneLine(w)))}");
            return code;
        }
        catch (Exception e) when (IsBrokenPipe(e))
        {
            // The reader has all it wanted (head, a pager quit early); an error line would only be noise, and the
            // stream it would go to may be the closed one.
            return BrokenPipe;
        }
        catch (Exception e) when (Describe(e) is string message)
        {
            err.WriteLine($"ltc: error: {CliOutput.Escape(NameStreams(message))}");
            return BadInput;
        }
        finally
        {
            Current.Value = previous;
        }
    }

    /// <summary>Runs in-process with stdout and stderr captured (for tests and commands that read another's output).</summary>
    internal static (int Code, string Out, string Err) RunCaptured(params string[] args) => RunCaptured(default, args);

    /// <summary>Runs in-process with stdout and stderr captured; <paramref name="interrupt"/> acts as SIGINT for train and sweep.</summary>
    internal static (int Code, string Out, string Err) RunCaptured(CancellationToken interrupt, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Run(args, o, e, interrupt);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>Queues a one-line warning, printed on stderr if the command succeeds.</summary>
    public static void Warn(string message)
    {
        var invocation = Current.Value;
        if (invocation is null) return;
        lock (invocation.Warnings) invocation.Warnings.Add(message);
    }

    /// <summary>
    /// Prints a one-line warning on <paramref name="err"/> at once: for what a user must read before a long training
    /// starts (it may be too late when the command ends, or the command may be interrupted before it ends).
    /// </summary>
    public static void WarnNow(TextWriter err, string message)
    {
        ArgumentNullException.ThrowIfNull(err);
        err.WriteLine($"ltc: warning: {CliOutput.Escape(NameStreams(OneLine(message)))}");
    }

    /// <summary>
    /// <paramref name="message"/> with the paths "-" stands for (<see cref="CliOptions.StandardStream"/>) named as the
    /// streams the user gave: "standard input: not an .ltc file", not "/dev/stdin: ...", which was never typed.
    /// </summary>
    internal static string NameStreams(string message) => StreamPath().Replace(message,
        m => m.Value == "/dev/stdin" ? "standard input" : "standard output");

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![\w/.])/dev/std(in|out)(?![\w/])")]
    private static partial System.Text.RegularExpressions.Regex StreamPath();

    /// <summary>Whether <paramref name="e"/> is a write to a pipe whose reader closed it (EPIPE).</summary>
    internal static bool IsBrokenPipe(Exception e) =>
        e is IOException { HResult: Epipe } || (e.InnerException is { } inner && IsBrokenPipe(inner));

    /// <summary>The one-line message for errors caused by input, or null for bugs (which keep their trace).</summary>
    internal static string? Describe(Exception e) => e switch
    {
        LtcException => OneLine(e.Message),
        FileNotFoundException f => $"{f.FileName ?? "file"}: file not found",
        DirectoryNotFoundException => OneLine(e.Message),
        UnauthorizedAccessException => OneLine(e.Message),
        IOException => OneLine(e.Message),
        OperationCanceledException => "cancelled",
        AggregateException { InnerExceptions.Count: > 0 } a => Describe(a.InnerExceptions[0]),
        _ => null,
    };

    /// <summary>
    /// The error to show: an unknown word in place of a command (<c>ltc frobnicate</c>) is named as such, rather than
    /// the parser's first complaint, which is that no command was given.
    /// </summary>
    private static string FirstError(ParseResult parsed, string[] args)
    {
        var command = parsed.CommandResult.Command;
        string path = CommandPath(parsed);
        if (command.Subcommands.Count > 0 && parsed.UnmatchedTokens.Count > 0 && !LooksLikeOption(parsed.UnmatchedTokens[0]))
            return $"unknown command '{parsed.UnmatchedTokens[0]}' ({path} --help lists the commands)";
        // An unknown option before the arguments is bound as one of them ("compress --frob in.npy out.ltc"), and the
        // parser then complains about the last argument instead; name the option.
        if (UnknownOptionTakenAsArgument(parsed, args) is string unknown) return unknown;
        if (parsed.UnmatchedTokens.Count > 0 && LooksLikeOption(parsed.UnmatchedTokens[0]))
            return $"unknown option '{parsed.UnmatchedTokens[0]}' ({path} --help lists the options)";
        if (command.Subcommands.Count > 0 && command.Action is null)
            return $"{path} needs a command ({path} --help lists them)";
        // The parser says only that an argument is missing; name the ones not given ("compress in.npy": <output>).
        // Required options the same way, so that one line names everything missing.
        string[] missing = [.. command.Options.Where(o => o.Required && parsed.GetResult(o) is not { Implicit: false }).Select(o => o.Name),
            .. command.Arguments.Where(a => a.Arity.MinimumNumberOfValues > 0 && parsed.GetResult(a) is not { Tokens.Count: > 0 }).Select(a => $"<{a.Name}>")];
        if (missing.Length > 0 && parsed.Errors.Any(e => e.Message.StartsWith("Required argument missing", StringComparison.Ordinal) || e.Message.EndsWith("is required.", StringComparison.Ordinal)))
            return $"{path}: missing {(missing.Length == 1 ? missing[0] : string.Join(", ", missing[..^1]) + " and " + missing[^1])} ({path} --help)";
        var first = parsed.Errors[0];
        // "--model x --kind y" in train is one option twice: name the old spelling behind the count.
        if (first.SymbolResult is System.CommandLine.Parsing.OptionResult { Option: var option } && CliOptions.DeprecatedSpellingsOf(option) is [_, ..] old
            && first.Message.Contains("expects a single argument", StringComparison.Ordinal))
            return $"{first.Message} ({string.Join(", ", old)} is the old spelling of {option.Name}: give one of them, once)";
        return first.Message;
    }

    /// <summary>
    /// An option-like word ("--frob", "-x") that the parser bound to one of the command's arguments (file names) or
    /// to an option that takes several values (plot's --csv a=c.csv --frob), or null. Words after "--" in
    /// <paramref name="args"/> are arguments as typed.
    /// </summary>
    private static string? UnknownOptionTakenAsArgument(ParseResult parsed, string[] args)
    {
        int separator = Array.IndexOf(args, "--") is int i and >= 0 ? i : int.MaxValue;
        foreach (var child in parsed.CommandResult.Children)
        {
            var tokens = child switch
            {
                System.CommandLine.Parsing.ArgumentResult argument => argument.Tokens,
                System.CommandLine.Parsing.OptionResult { Option.AllowMultipleArgumentsPerToken: true } option => option.Tokens,
                _ => [],
            };
            foreach (var token in tokens)
                if (LooksLikeOption(token.Value) && Array.IndexOf(args, token.Value) is int at and >= 0 && at < separator)
                    return $"unknown option '{token.Value}' ({CommandPath(parsed)} --help lists the options)";
        }
        return null;
    }

    /// <summary>"--frob", "--frob=1" or "-x"; not "-" (standard input) nor a negative number.</summary>
    private static bool LooksLikeOption(string word) =>
        word.Length > 1 && word[0] == '-' && (word[1] == '-' ? word.Length > 2 : char.IsLetter(word[1]));

    /// <summary>"ltc lattice quantize": the command as the user types it.</summary>
    private static string CommandPath(ParseResult parsed)
    {
        var names = new List<string>();
        for (var r = parsed.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(r.Command is RootCommand ? "ltc" : r.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();

    // "as expected type 'System.Nullable`1[System.Int32]'" says the right thing in .NET's words; say it in the user's.
    private static string Readable(string message) => System.Text.RegularExpressions.Regex.Replace(message,
        @" as expected type '(?:System\.Nullable`1\[)?System\.([A-Za-z0-9]+)\]?'\.?", m => m.Groups[1].Value switch
        {
            "Int32" => ": expected a whole number from -2147483648 to 2147483647.",
            "Int64" => ": expected a whole number.",
            "Double" or "Single" => ": expected a number.",
            "Boolean" => ": expected true or false.",
            var t => $": expected a value of type {t}.",
        });
}
