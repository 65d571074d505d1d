using System.CommandLine;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc demo</c>: the main job on built-in defaults (README's first command).</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var cmd = new Command("demo", "Run the main job on built-in defaults.");
        cmd.SetAction(pr =>
        {
            var o = pr.InvocationConfiguration;
            return LtcApp.Run(["lattice", "list"], o.Output, o.Error);
        });
        return cmd;
    }
}
