using System.CommandLine;
using Ltc.Lattices;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc lattice ...</c>: list, inspect, quantize with, and benchmark lattices.</summary>
internal static class LatticeCommands
{
    public static Command Create()
    {
        var lattice = new Command("lattice", "Lattice quantizers: list, info, nsm, quantize, bench.");
        lattice.Subcommands.Add(List());
        return lattice;
    }

    private static Command List()
    {
        var cmd = new Command("list", "Every named lattice: dimension, published NSM, granular gain over Z, decoder.");
        cmd.SetAction(pr =>
        {
            var output = pr.InvocationConfiguration.Output;
            foreach (var name in LatticeCatalog.ListedNames)
            {
                var l = LatticeCatalog.Parse(name);
                output.WriteLine($"{l.Name,-8} {l.Dimension,4} {l.PublishedNsm,10:F7} {l.Decoder}");
            }
            return 0;
        });
        return cmd;
    }
}
