namespace Ltc.Lattices;

/// <summary>
/// The extended binary Golay code C24 in MOG coordinates (coordinate index = row·6 + column of a 4 × 6 array), built
/// from the hexacode (Conway–Sloane, SPLAG ch. 11): an array is a codeword iff every column has the parity of the
/// top row and the column scores (rows weighted 0, 1, ω, ω̄ in F4) form a hexacode word.
/// </summary>
internal static class GolayCode
{
    /// <summary>F4 = {0, 1, ω, ω̄} as 0, 1, 2, 3 (addition is XOR); Mul[a·4 + b] = a·b.</summary>
    public static ReadOnlySpan<byte> Mul => [0, 0, 0, 0, 0, 1, 2, 3, 0, 2, 3, 1, 0, 3, 1, 2];

    /// <summary>
    /// The column pattern (bit r = row r) of score s, parity p and top-row bit t, at index (p·4 + s)·2 + t.
    /// The two patterns of one (s, p) are complements of each other.
    /// </summary>
    public static ReadOnlySpan<byte> Pattern => PatternTable;

    private static readonly byte[] PatternTable = BuildPatterns();

    /// <summary>The 64 hexacode words (a, b, c, φ(1), φ(ω), φ(ω̄)) with φ(x) = ax² + bx + c, 6 symbols each.</summary>
    public static readonly byte[] Hexacode = BuildHexacode();

    /// <summary>The column score of a 4-bit column pattern.</summary>
    public static int Score(int v) => ((v >> 1) & 1) * 1 ^ ((v >> 2) & 1) * 2 ^ ((v >> 3) & 1) * 3;

    /// <summary>All 4096 codewords as 24-bit masks (bit row·6 + column).</summary>
    public static int[] Codewords()
    {
        var list = new List<int>(4096);
        for (int h = 0; h < 64; h++)
            for (int p = 0; p < 2; p++)
                for (int ts = 0; ts < 64; ts++)
                {
                    if ((System.Numerics.BitOperations.PopCount((uint)ts) & 1) != p) continue;
                    int w = 0;
                    for (int j = 0; j < 6; j++)
                    {
                        int v = PatternTable[(p * 4 + Hexacode[h * 6 + j]) * 2 + ((ts >> j) & 1)];
                        for (int r = 0; r < 4; r++)
                            if (((v >> r) & 1) != 0) w |= 1 << (r * 6 + j);
                    }
                    list.Add(w);
                }
        return [.. list];
    }

    private static byte[] BuildPatterns()
    {
        var t = new byte[16];
        for (int v = 0; v < 16; v++)
        {
            int p = System.Numerics.BitOperations.PopCount((uint)v) & 1;
            t[(p * 4 + Score(v)) * 2 + (v & 1)] = (byte)v;
        }
        return t;
    }

    private static byte[] BuildHexacode()
    {
        var m = Mul;
        var w = new byte[64 * 6];
        for (int a = 0; a < 4; a++)
            for (int b = 0; b < 4; b++)
                for (int c = 0; c < 4; c++)
                {
                    int i = (a * 16 + b * 4 + c) * 6;
                    w[i] = (byte)a;
                    w[i + 1] = (byte)b;
                    w[i + 2] = (byte)c;
                    for (int x = 1; x < 4; x++)
                        w[i + 2 + x] = (byte)(m[a * 4 + m[x * 4 + x]] ^ m[b * 4 + x] ^ c);
                }
        return w;
    }
}
