namespace Ltc.Lattices;

/// <summary>The first-order Reed–Muller code RM(1,4) of length 16 (32 codewords, minimum weight 8).</summary>
internal static class ReedMuller
{
    /// <summary>
    /// Codeword masks (bit i = coordinate i): entries 0–15 are the linear functions i ↦ popcount(a &amp; i) mod 2,
    /// entries 16–31 their complements, so that entry a pairs with the Hadamard coefficient H_a.
    /// </summary>
    public static readonly ushort[] Codewords = Build();

    private static ushort[] Build()
    {
        var c = new ushort[32];
        for (int a = 0; a < 16; a++)
        {
            int m = 0;
            for (int i = 0; i < 16; i++)
                if ((System.Numerics.BitOperations.PopCount((uint)(a & i)) & 1) == 1) m |= 1 << i;
            c[a] = (ushort)m;
            c[a + 16] = (ushort)(~m & 0xFFFF);
        }
        return c;
    }
}

/// <summary>Integer lattice bases from spanning sets (Hermite normal form), for the generators of the code lattices.</summary>
internal static class IntegerBasis
{
    /// <summary>
    /// A basis (row-major n × n, upper triangular with positive diagonal) of the full-rank integer lattice spanned by
    /// <paramref name="vectors"/>.
    /// </summary>
    public static double[] Hermite(int n, IEnumerable<long[]> vectors)
    {
        var rows = vectors.Select(v => (long[])v.Clone()).ToList();
        var basis = new long[n][];
        for (int col = 0; col < n; col++)
        {
            // Euclid on the column over all remaining rows until at most one is nonzero there.
            while (true)
            {
                int best = -1;
                for (int i = 0; i < rows.Count; i++)
                    if (rows[i][col] != 0 && (best < 0 || Math.Abs(rows[i][col]) < Math.Abs(rows[best][col]))) best = i;
                if (best < 0) throw new InvalidOperationException("spanning set does not have full rank");
                var p = rows[best];
                bool done = true;
                for (int i = 0; i < rows.Count; i++)
                {
                    if (i == best || rows[i][col] == 0) continue;
                    long q = rows[i][col] / p[col];
                    var r = rows[i];
                    for (int j = col; j < n; j++) r[j] -= q * p[j];
                    if (r[col] != 0) done = false;
                }
                if (!done) continue;
                if (p[col] < 0) for (int j = col; j < n; j++) p[j] = -p[j];
                basis[col] = p;
                rows.RemoveAt(best);
                rows.RemoveAll(r => r.All(v => v == 0));
                break;
            }
        }
        // Reduce entries above the diagonal into [0, pivot) so the basis is short and canonical.
        for (int col = n - 1; col >= 0; col--)
            for (int i = 0; i < col; i++)
            {
                long q = (long)Math.Floor((double)basis[i][col] / basis[col][col]);
                if (q != 0) for (int j = col; j < n; j++) basis[i][j] -= q * basis[col][j];
            }
        var g = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) g[i * n + j] = basis[i][j];
        return g;
    }
}
