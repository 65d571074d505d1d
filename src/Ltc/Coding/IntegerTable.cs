namespace Ltc.Coding;

/// <summary>
/// A table for an unbounded integer alphabet: the integers <see cref="Lowest"/> .. <see cref="Highest"/> are table
/// symbols 0 .. n−1 and symbol n is an escape. An integer outside the range is coded as the escape followed, in the
/// coder's bypass stream, by one side bit and the Exp-Golomb code of its distance beyond the range, so every
/// <see cref="long"/> can be coded, however unlikely.
/// </summary>
public sealed class IntegerTable
{
    /// <summary>Wraps <paramref name="table"/>, whose last symbol is the escape and whose first is <paramref name="lowest"/>.</summary>
    public IntegerTable(long lowest, FrequencyTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Count < 2) throw new ArgumentException("an integer table needs at least one value and the escape", nameof(table));
        if ((Int128)lowest + table.Count - 2 > long.MaxValue) throw new ArgumentOutOfRangeException(nameof(lowest), "the table's range exceeds long");
        Lowest = lowest;
        Table = table;
    }

    /// <summary>The integer coded as table symbol 0.</summary>
    public long Lowest { get; }

    /// <summary>The largest integer coded without escape.</summary>
    public long Highest => Lowest + (Table.Count - 2);

    /// <summary>The underlying table: symbols 0 .. Count−2 are integers, symbol Count−1 the escape.</summary>
    public FrequencyTable Table { get; }

    /// <summary>Table index of the escape symbol.</summary>
    public int EscapeSymbol => Table.Count - 1;

    /// <summary>
    /// Quantizes probabilities of the integers <paramref name="lowest"/> .. lowest + pmf.Length − 1 and the mass
    /// <paramref name="tailMass"/> of every integer outside (given to the escape; 0 still leaves it frequency 1).
    /// </summary>
    public static IntegerTable FromProbabilities(long lowest, ReadOnlySpan<double> pmf, double tailMass, int precision = FrequencyTable.DefaultPrecision)
    {
        var all = new double[pmf.Length + 1];
        pmf.CopyTo(all);
        all[^1] = tailMass;
        return new IntegerTable(lowest, FrequencyTable.FromProbabilities(all, precision));
    }

    /// <summary>
    /// The table of a continuous density rounded to integers: integer k gets cdf(k + ½) − cdf(k − ½) for
    /// k in [lowest, highest], and the escape gets both tails (as the factorized prior of a learned codec does).
    /// </summary>
    public static IntegerTable FromCdf(Func<double, double> cdf, long lowest, long highest, int precision = FrequencyTable.DefaultPrecision)
    {
        ArgumentNullException.ThrowIfNull(cdf);
        if (highest < lowest || (Int128)highest - lowest + 2 > 1 << precision)
            throw new ArgumentOutOfRangeException(nameof(highest), $"range [{lowest}, {highest}] does not fit a table of precision {precision}");
        int n = (int)(highest - lowest + 1);
        var pmf = new double[n];
        double first = cdf(lowest - 0.5), prev = first;
        for (int i = 0; i < n; i++)
        {
            double next = cdf(lowest + i + 0.5);
            pmf[i] = Math.Max(0, next - prev);
            prev = next;
        }
        double tail = Math.Max(0, first) + Math.Max(0, 1 - prev);
        return FromProbabilities(lowest, pmf, tail, precision);
    }

    /// <summary>Code length in bits of <paramref name="value"/>: its table code, or the escape plus the bypass bits.</summary>
    public double CodeLength(long value)
    {
        if (value >= Lowest && value <= Highest) return Table.CodeLength((int)(value - Lowest));
        return Table.CodeLength(EscapeSymbol) + 1 + ExpGolomb.Length(Overflow(value));
    }

    /// <summary>Distance beyond the range minus one (0 for the first integer outside), as an unsigned number.</summary>
    internal ulong Overflow(long value) => value > Highest
        ? unchecked((ulong)value - (ulong)Highest - 1)
        : unchecked((ulong)Lowest - (ulong)value - 1);
}

/// <summary>Order-0 Exp-Golomb code of unsigned 64-bit numbers (v + 1 written as z zeros then its z + 1 bits).</summary>
internal static class ExpGolomb
{
    /// <summary>Largest number of leading zeros a valid code has (for v = 2^64 − 1, v + 1 = 2^64).</summary>
    public const int MaxZeros = 64;

    public static int Length(ulong v)
    {
        int z = v == ulong.MaxValue ? 64 : 63 - System.Numerics.BitOperations.LeadingZeroCount(v + 1);
        return 2 * z + 1;
    }
}
