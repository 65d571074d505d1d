using System.CommandLine;
using Ltc.Cli.Commands;

namespace Ltc.Cli;

/// <summary>The <c>ltc</c> command: builds the command tree and runs it with the project's error conventions.</summary>
internal static class LtcApp
{
    /// <summary>Exit code for bad input (unknown names, malformed files, wrong dimensions, NaN).</summary>
    public const int BadInput = 2;

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("ltc — Lattice Transform Coding: lattice quantizers, learned compressors and real bitstreams.");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(LatticeCommands.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(BenchCommands.Create());
        root.Subcommands.Add(BoundsCommands.CreateBounds());
        root.Subcommands.Add(BoundsCommands.CreateBdRate());
        root.Subcommands.Add(PlotCommands.Create());
        root.Subcommands.Add(ModelCommands.CreateTrain());
        root.Subcommands.Add(ModelCommands.CreateSweep());
        root.Subcommands.Add(ModelCommands.CreateEval());
        root.Subcommands.Add(CodecCommands.CreateCompress());
        root.Subcommands.Add(CodecCommands.CreateDecompress());
        root.Subcommands.Add(CodecCommands.CreateFitCoder());
        root.Subcommands.Add(DataCommands.Create());
        return root;
    }

    /// <summary>Parses and runs; a parse error or an <see cref="LtcException"/> is one line on stderr and exit code 2.</summary>
    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var root = BuildRoot();
        var config = new InvocationConfiguration
        {
            Output = stdout ?? Console.Out,
            Error = stderr ?? Console.Error,
            EnableDefaultExceptionHandler = false,
        };
        var err = config.Error;
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
        {
            err.WriteLine($"ltc: error: {parsed.Errors[0].Message}");
            return BadInput;
        }
        try
        {
            return parsed.Invoke(config);
        }
        catch (Exception e) when (Describe(e) is string message)
        {
            err.WriteLine($"ltc: error: {message}");
            return BadInput;
        }
    }

    /// <summary>Runs in-process with stdout and stderr captured (for tests and commands that read another's output).</summary>
    internal static (int Code, string Out, string Err) RunCaptured(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

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

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
