using System.CommandLine;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc demo</c>: the main job on built-in defaults (README's first command).</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var cmd = new Command("demo", "Run the main job on built-in defaults: the lattice table, then E8's NSM from 10^6 samples.");
        cmd.SetAction(pr =>
        {
            var o = pr.InvocationConfiguration;
            int rc = LtcApp.Run(["lattice", "list"], o.Output, o.Error);
            if (rc != 0) return rc;
            o.Output.WriteLine();
            return LtcApp.Run(["lattice", "nsm", "--lattice", "E8", "--samples", "1000000", "--seed", "1"], o.Output, o.Error);
        });
        return cmd;
    }
}
