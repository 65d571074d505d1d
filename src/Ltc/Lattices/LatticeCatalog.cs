using System.Text.RegularExpressions;

namespace Ltc.Lattices;

/// <summary>
/// Parses lattice names as written on the command line (<c>Z8</c>, <c>A2</c>, <c>A5*</c>, <c>D4*</c>, <c>E6*</c>,
/// <c>E8</c>, <c>BW16</c>, <c>Leech</c>, <c>E8^3</c>, <c>A2+Z1</c>, <c>G:file.npy</c>) and lists the named lattices.
/// </summary>
public static partial class LatticeCatalog
{
    /// <summary>The largest dimension of a named family member (Zn, An, An*, Dn, Dn*) or of a direct sum.</summary>
    public const int MaxDimension = 4096;

    /// <summary>
    /// The largest coordinate magnitude, 2⁴⁰ ≈ 1.1·10¹², that the decoders of lattices with irrational or glued
    /// coordinates (A_n, A_n*, A2, E6, E6*, E7, E7*, G:) accept, in the lattice's own scale (for a scaled lattice sΛ,
    /// of x/s). Within it they return an exact closest point in O(n log n) (A_n family) or a bounded search (G:);
    /// beyond it they throw a one-line <see cref="LtcException"/>. Zⁿ rounds exactly at every finite magnitude.
    /// </summary>
    public const double MaxDecodeMagnitude = 1099511627776.0;

    /// <summary><see cref="MaxDecodeMagnitude"/> as error messages and help texts write it.</summary>
    public const string MaxDecodeMagnitudeText = "±2^40 (about 1.1e12)";

    /// <summary>Names of representative lattices for <c>ltc lattice list</c>.</summary>
    public static IReadOnlyList<string> ListedNames { get; } =
        ["Z1", "Z2", "A2", "A3", "A3*", "D4", "D4*", "D5", "D5*", "E6", "E6*", "E7", "E7*", "E8", "E8^2", "E8^3", "BW16", "Leech"];

    /// <summary>A one-line summary of the accepted names, for help texts and errors.</summary>
    public const string Syntax = "Zn, An, An*, Dn, Dn*, E6, E6*, E7, E7*, E8, BW16, Leech, L^k, L1+L2, G:<file>";

    /// <summary>Creates the lattice named <paramref name="name"/>, or throws a one-line <see cref="LtcException"/>.</summary>
    public static Lattice Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var s = name.Trim();
        if (s.Length == 0) throw new LtcException("empty lattice name");
        // A generator file takes the whole name, so its path may contain '+' or '^'.
        if (s.StartsWith("G:", StringComparison.OrdinalIgnoreCase)) return ParseFile(s);
        var terms = s.Split('+');
        if (terms.Length == 1) return ParsePower(s, name);
        var parts = new List<Lattice>();
        foreach (var t in terms)
        {
            var term = t.Trim();
            if (term.Length == 0) throw new LtcException($"lattice '{name}': empty term in a direct sum");
            parts.Add(ParsePower(term, name));
        }
        int n = parts.Sum(p => p.Dimension);
        if (n > MaxDimension) throw new LtcException($"lattice '{name}': dimension {n} exceeds {MaxDimension}");
        return new ProductLattice(string.Join("+", parts.Select(p => p.Name)), parts);
    }

    private static Lattice ParsePower(string s, string whole)
    {
        int caret = s.LastIndexOf('^');
        if (caret < 0) return ParseBase(s, whole);
        var exponent = s[(caret + 1)..].Trim();
        if (!int.TryParse(exponent, out int k) || k < 1 || k > MaxDimension)
            throw new LtcException($"lattice '{whole}': power '^{exponent}' must be a whole number between 1 and {MaxDimension}");
        var inner = ParseBase(s[..caret].Trim(), whole);
        if ((long)inner.Dimension * k > MaxDimension)
            throw new LtcException($"lattice '{whole}': dimension {(long)inner.Dimension * k} exceeds {MaxDimension}");
        return k == 1 ? inner : new ProductLattice(inner, k);
    }

    // Lattices with a fixed name rather than a family and a dimension (matched case-insensitively).
    private static readonly Dictionary<string, Func<Lattice>> Fixed = new(StringComparer.OrdinalIgnoreCase)
    {
        ["E6"] = () => new E6Lattice(),
        ["E6*"] = () => new E6Lattice(dual: true),
        ["E7"] = () => new E7Lattice(),
        ["E7*"] = () => new E7Lattice(dual: true),
        ["E8"] = () => new E8Lattice(),
        ["E8*"] = () => new E8Lattice(), // E8 is self-dual
    };

    private static Lattice ParseBase(string s, string whole)
    {
        if (s.StartsWith("G:", StringComparison.OrdinalIgnoreCase)) return ParseFile(s);
        if (Fixed.TryGetValue(s, out var make)) return make();
        if (s.Equals("BW16", StringComparison.OrdinalIgnoreCase)) return new BarnesWall16();
        if (s.Equals("Leech", StringComparison.OrdinalIgnoreCase) || s == "Λ24") return new LeechLattice();
        var m = FamilyRegex().Match(s);
        if (!m.Success) throw new LtcException($"unknown lattice '{whole}' (known: {Syntax}; see 'ltc lattice list')");
        char family = char.ToUpperInvariant(m.Groups[1].Value[0]);
        bool dual = m.Groups[3].Success;
        int n = ParseDimension(m.Groups[2].Value, whole);
        switch (family)
        {
            case 'Z':
                return new IntegerLattice(n); // Zⁿ is self-dual, so Zn* names it too
            case 'A':
                if (dual) return new AnDualLattice(n);
                return n == 2 ? new HexagonalLattice() : new AnLattice(n);
            case 'D':
                if (n < 2) throw new LtcException($"lattice '{whole}': D_n needs n ≥ 2");
                return dual ? new DnDualLattice(n) : new DnLattice(n);
            case 'E':
                throw new LtcException($"lattice '{whole}': the E lattices are E6, E6*, E7, E7* and E8");
            default:
                throw new LtcException($"unknown lattice '{whole}' (known: {Syntax}; see 'ltc lattice list')");
        }
    }

    private static GeneratorLattice ParseFile(string s)
    {
        var path = s[2..].Trim();
        if (path.Length == 0) throw new LtcException("lattice 'G:': missing generator file name");
        return GeneratorLattice.Load(path);
    }

    private static int ParseDimension(string digits, string name)
    {
        if (!int.TryParse(digits, out int n) || n < 1 || n > MaxDimension)
            throw new LtcException($"lattice '{name}': dimension must be between 1 and {MaxDimension}");
        return n;
    }

    [GeneratedRegex(@"^([ZzAaDdEe])(\d+)(\*)?$")]
    private static partial Regex FamilyRegex();
}
