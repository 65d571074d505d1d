using System.CommandLine;
using System.Globalization;
using Ltc.Lattices;
using Spectre.Console;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc lattice ...</c>: list, inspect, estimate NSM of, quantize with, and benchmark lattices.</summary>
internal static class LatticeCommands
{
    /// <summary>The most threads any lattice command accepts.</summary>
    internal const int MaxThreads = 1024;

    internal static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var lattice = new Command("lattice", "Lattice quantizers: list, info, nsm, quantize, bench.");
        lattice.Subcommands.Add(List());
        lattice.Subcommands.Add(Info());
        lattice.Subcommands.Add(LatticeNsmCommand.Create());
        lattice.Subcommands.Add(LatticeQuantizeCommand.Create());
        lattice.Subcommands.Add(LatticeBenchCommand.Create());
        return lattice;
    }

    internal static Option<bool> JsonOption() => new("--json") { Description = "Print one JSON object on stdout and nothing else." };

    internal static Option<string> LatticeOption(bool required = true) => new("--lattice", "-l")
    {
        Description = "Lattice name: Z8, A2, D4, D4*, E8, BW16, Leech, E8^3, A2+Z1, G:generator.npy, ...",
        Required = required,
    };

    internal static Option<bool> UnitVolumeOption() => new("--unit-volume") { Description = "Scale the lattice so its Voronoi cell has volume 1 (as LTC uses it)." };

    internal static Option<int> ThreadsOption(string description) =>
        new Option<int>("--threads", "-t") { Description = description }.Range(0, MaxThreads);

    internal static Lattice Load(string name, bool unitVolume)
    {
        var l = LatticeCatalog.Parse(name);
        return unitVolume ? l.WithUnitVolume() : l;
    }

    private static Command List()
    {
        var json = JsonOption();
        var cmd = new Command("list", "Every named lattice: dimension, published NSM, granular gain over Z, decoder.");
        cmd.Options.Add(json);
        cmd.SetAction(pr =>
        {
            var output = pr.InvocationConfiguration.Output;
            var rows = LatticeCatalog.ListedNames.Select(LatticeCatalog.Parse).Select(l => new ListRow(
                l.Name, l.Dimension, l.PublishedNsm, l.PublishedGranularGainDb, l.Decoder)).ToList();
            if (pr.GetValue(json))
            {
                CliOutput.WriteJson(output, new { Lattices = rows });
                return 0;
            }
            var table = new Table().AddColumns("lattice", "n", "published NSM", "gain over Z (dB)", "decoder");
            foreach (var c in table.Columns.Skip(1).Take(3)) c.RightAligned();
            foreach (var r in rows)
                table.AddRow(Markup.Escape(r.Name), r.Dimension.ToString(Inv), r.PublishedNsm?.ToString("F9", Inv) ?? "-",
                    r.GranularGainDb?.ToString("F3", Inv) ?? "-", Markup.Escape(r.Decoder));
            CliOutput.Console(output).Write(table);
            return 0;
        });
        return cmd;
    }

    private sealed record ListRow(string Name, int Dimension, double? PublishedNsm, double? GranularGainDb, string Decoder);

    /// <summary>Generic lattices above this dimension skip the minimum norm (an enumeration exponential in n).</summary>
    private const int MaxMinimumNormSearch = 48;

    private static Command Info()
    {
        var json = JsonOption();
        var name = LatticeOption();
        var unit = UnitVolumeOption();
        var cmd = new Command("info", "Generator matrix, volume, minimum norm and published NSM of a lattice.");
        cmd.Options.Add(name);
        cmd.Options.Add(unit);
        cmd.Options.Add(json);
        cmd.SetAction(pr =>
        {
            var output = pr.InvocationConfiguration.Output;
            var l = Load(pr.GetValue(name)!, pr.GetValue(unit));
            int n = l.Dimension;
            var rows = Enumerable.Range(0, n).Select(i => l.Generator.Slice(i * n, n).ToArray()).ToArray();
            double? minNorm = l.IsMinimumNormKnown || n <= MaxMinimumNormSearch ? l.MinimumNorm : null;
            if (pr.GetValue(json))
            {
                CliOutput.WriteJson(output, new
                {
                    Lattice = l.Name,
                    Dimension = n,
                    UnitVolume = pr.GetValue(unit),
                    Generator = rows,
                    l.Volume,
                    MinimumNorm = minNorm,
                    PublishedNsm = l.PublishedNsm,
                    GranularGainDb = l.PublishedGranularGainDb,
                    l.Decoder,
                });
                return 0;
            }
            output.WriteLine($"{l.Name}: dimension {n}{(pr.GetValue(unit) ? ", scaled to unit volume" : "")}");
            output.WriteLine($"volume         {l.Volume.ToString("G10", Inv)}");
            if (minNorm is double mn) output.WriteLine($"minimum norm   {mn.ToString("G10", Inv)}");
            output.WriteLine($"published NSM  {(l.PublishedNsm is double p ? $"{p.ToString("F9", Inv)} ({Lattice.GranularGainDb(p).ToString("F3", Inv)} dB over Z)" : "-")}");
            output.WriteLine($"decoder        {l.Decoder}");
            output.WriteLine("generator (rows are basis vectors):");
            foreach (var row in rows) output.WriteLine("  " + string.Join(" ", row.Select(v => v.ToString("G8", Inv).PadLeft(11))));
            return 0;
        });
        return cmd;
    }
}
