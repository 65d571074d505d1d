namespace Ltc.Tests.Robustness;

/// <summary>
/// Degenerate data sets for the bounds tests here and, as a linked file, the <c>ltc bounds</c> tests in Ltc.Cli.Tests.
/// </summary>
internal static class DegenerateData
{
    /// <summary>Random degenerate data set number <paramref name="k"/>: rows, dimension, values, and what kind it is.</summary>
    internal static (int Rows, int Dim, double[] Data, string What) Draw(Random rng, int k)
    {
        int dim = 1 + rng.Next(2);
        double c = Math.Round((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-3, 6)), 3);
        switch (k % 5)
        {
            case 0:
            {
                int rows = 2 + rng.Next(200);
                return (rows, dim, Enumerable.Repeat(c, rows * dim).ToArray(), "constant");
            }
            case 1:
                return (2, dim, Enumerable.Repeat(c, 2 * dim).ToArray(), "two equal rows");
            case 2:
                return (1, dim, Enumerable.Repeat(c, dim).ToArray(), "single row");
            case 3:
            {
                int rows = 10 + rng.Next(100);
                var d = new double[rows * dim];
                for (int i = 0; i < d.Length; i++) d[i] = rng.Next(2) == 0 ? c : c + 1;
                return (rows, dim, d, "two-valued");
            }
            default:
            {
                int rows = 20 + rng.Next(100);
                var d = new double[rows * 2];
                for (int i = 0; i < rows; i++) { d[2 * i] = c; d[2 * i + 1] = rng.NextDouble(); }
                return (rows, 2, d, "one constant coordinate");
            }
        }
    }
}
