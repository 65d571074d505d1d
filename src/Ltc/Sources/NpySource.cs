using Ltc.IO;

namespace Ltc.Sources;

/// <summary>
/// Vectors from a user's .npy file (float32 or float64, shape (count, d)). The first 80% of rows (in file order) are the
/// train split and the rest the test split, so the split is deterministic and reproducible.
/// </summary>
public sealed class NpySource : DataSetSource
{
    /// <summary>
    /// Loads the file; NaN, infinite values and wrong shapes are one-line errors, and so are arrays with no rows
    /// ("no vectors"), with 0 columns, or with a single row (nothing to split into train and test).
    /// </summary>
    public NpySource(string path) : this(path, Load(path)) { }

    private NpySource(string path, (double[] Train, double[] Test, int Dimension) d) : base(d.Train, d.Test, d.Dimension) => Path = path;

    private static (double[] Train, double[] Test, int Dimension) Load(string path)
    {
        var a = Npy.ReadMatrix(path);
        if (a.Type is not (NpyType.Float32 or NpyType.Float64))
            throw new LtcException($"{path}: expected float32 or float64 data, got {a.Type}");
        string shape = NpyArray.ShapeText(a.Shape);
        // From the shape: an empty (3·10⁹, 0) array is valid, and its row count does not fit an int.
        if (a.Shape.Length == 2 && a.Shape[1] == 0)
            throw new LtcException($"{path}: shape {shape} has 0 columns: vectors of dimension 0 cannot be a source");
        if (a.RowCount == 0) throw new LtcException($"{path}: no vectors (shape {shape})");
        if (a.RowCount < 2) throw new LtcException($"{path}: need at least 2 rows (vectors) to split into train and test, got shape {shape}");
        int trainRows = Math.Max(1, (int)(a.Rows * 0.8));
        return (a.Data[..(trainRows * a.Columns)], a.Data[(trainRows * a.Columns)..], a.Columns);
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public override string Name => $"npy:{Path}";

    /// <inheritdoc/>
    public override IReadOnlyList<string> InputFiles => [Path];
}

/// <summary>Helpers shared by data-set sources.</summary>
public static class SourceStatistics
{
    /// <summary>
    /// A fixed order of <paramref name="count"/> rows (a permutation of 0 … count − 1) from <paramref name="seed"/>:
    /// MathNet's Fisher–Yates shuffle driven by its Mersenne Twister, the same on every machine.
    /// </summary>
    public static int[] FixedOrder(int count, int seed) =>
        MathNet.Numerics.Combinatorics.GeneratePermutation(count, new MathNet.Numerics.Random.MersenneTwister(seed));

    /// <summary>
    /// The per-coordinate (population) variance averaged over coordinates, of count × dim row-major data: 0 for a single
    /// row or constant data, NaN for no rows.
    /// </summary>
    public static double MeanCoordinateVariance(ReadOnlySpan<double> rows, int dim)
    {
        int count = rows.Length / dim;
        if (count < 1) return double.NaN;
        double total = 0;
        for (int j = 0; j < dim; j++)
        {
            // A constant coordinate has variance exactly 0 (its computed mean can differ from the value by rounding).
            bool constant = true;
            for (int i = 1; i < count && constant; i++) constant = rows[i * dim + j] == rows[j];
            if (constant) continue;
            double mean = 0;
            for (int i = 0; i < count; i++) mean += rows[i * dim + j];
            mean /= count;
            double ss = 0;
            for (int i = 0; i < count; i++) { double d = rows[i * dim + j] - mean; ss += d * d; }
            total += ss / count;
        }
        return total / dim;
    }

    /// <summary>
    /// Copies <paramref name="columns"/> of each row of count × <paramref name="dim"/> row-major data into
    /// <paramref name="destination"/> (count × columns.Length, row-major), in the order given.
    /// </summary>
    /// <exception cref="ArgumentException">The destination does not hold count rows of the selected columns.</exception>
    public static void SelectColumns(ReadOnlySpan<double> rows, int dim, ReadOnlySpan<int> columns, Span<double> destination)
    {
        int count = rows.Length / dim, n = columns.Length;
        if (destination.Length != count * n) throw new ArgumentException($"destination holds {destination.Length} values, expected {count} × {n}");
        for (int i = 0; i < count; i++)
            for (int j = 0; j < n; j++) destination[i * n + j] = rows[i * dim + columns[j]];
    }

    /// <summary>Fills destination with rows drawn uniformly with replacement.</summary>
    public static void DrawRows(ReadOnlySpan<double> rows, int dim, Span<double> destination, Random random)
    {
        int count = rows.Length / dim;
        for (int o = 0; o < destination.Length; o += dim)
            rows.Slice(random.Next(count) * dim, dim).CopyTo(destination.Slice(o, dim));
    }
}
