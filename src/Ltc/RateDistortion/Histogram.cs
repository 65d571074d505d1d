namespace Ltc.RateDistortion;

/// <summary>
/// A histogram of 1-d or 2-d samples on a regular grid over the samples' bounding box: cell probabilities and
/// cell centres, row-major (the first coordinate is the slow index).
/// </summary>
public sealed class Histogram
{
    private Histogram(int dimension, int bins, double[] lower, double[] width, double[] probabilities, bool degenerate)
    {
        Degenerate = degenerate;
        Dimension = dimension;
        BinsPerAxis = bins;
        Lower = lower;
        BinWidth = width;
        Probabilities = probabilities;
    }

    /// <summary>True when the samples do not spread along some axis (constant data, a single sample): the grid then
    /// has a nominal width of 10⁻¹² there and all mass in one bin along it.</summary>
    public bool Degenerate { get; }

    /// <summary>1 or 2.</summary>
    public int Dimension { get; }

    /// <summary>Bins along each axis.</summary>
    public int BinsPerAxis { get; }

    /// <summary>Lower edge of the grid along each axis.</summary>
    public IReadOnlyList<double> Lower { get; }

    /// <summary>Bin width along each axis.</summary>
    public IReadOnlyList<double> BinWidth { get; }

    /// <summary>Cell probabilities, row-major, summing to 1.</summary>
    public double[] Probabilities { get; }

    /// <summary>The volume (length or area) of one cell.</summary>
    public double CellVolume => Dimension == 1 ? BinWidth[0] : BinWidth[0] * BinWidth[1];

    /// <summary>The number of cells.</summary>
    public int CellCount => Probabilities.Length;

    /// <summary>The centre of cell <paramref name="index"/> written to <paramref name="centre"/> (length = dimension).</summary>
    public void Centre(int index, Span<double> centre)
    {
        if (Dimension == 1) centre[0] = Lower[0] + (index + 0.5) * BinWidth[0];
        else
        {
            centre[0] = Lower[0] + (index / BinsPerAxis + 0.5) * BinWidth[0];
            centre[1] = Lower[1] + (index % BinsPerAxis + 0.5) * BinWidth[1];
        }
    }

    /// <summary>Builds the histogram of <paramref name="samples"/> (count × dimension, row-major; dimension 1 or 2).</summary>
    public static Histogram Build(ReadOnlySpan<double> samples, int dimension, int binsPerAxis)
    {
        if (dimension is not (1 or 2)) throw new LtcException($"histograms are built in 1 or 2 dimensions, not {dimension}");
        if (binsPerAxis < 2) throw new LtcException($"a histogram needs at least 2 bins per axis, got {binsPerAxis}");
        if (samples.Length == 0 || samples.Length % dimension != 0) throw new LtcException("no samples for the histogram");
        int count = samples.Length / dimension;
        var lo = new double[dimension];
        var hi = new double[dimension];
        Array.Fill(lo, double.PositiveInfinity);
        Array.Fill(hi, double.NegativeInfinity);
        for (int i = 0; i < count; i++)
            for (int j = 0; j < dimension; j++)
            {
                double v = samples[i * dimension + j];
                if (!double.IsFinite(v)) throw new LtcException("samples contain NaN or infinity");
                lo[j] = Math.Min(lo[j], v);
                hi[j] = Math.Max(hi[j], v);
            }
        var width = new double[dimension];
        bool degenerate = false;
        for (int j = 0; j < dimension; j++)
        {
            degenerate |= !(hi[j] > lo[j]);
            double span = Math.Max(hi[j] - lo[j], 1e-12);
            width[j] = span * (1 + 1e-9) / binsPerAxis;
        }
        var counts = new double[dimension == 1 ? binsPerAxis : binsPerAxis * binsPerAxis];
        for (int i = 0; i < count; i++)
        {
            int idx = 0;
            for (int j = 0; j < dimension; j++)
            {
                int b = Math.Clamp((int)((samples[i * dimension + j] - lo[j]) / width[j]), 0, binsPerAxis - 1);
                idx = idx * binsPerAxis + b;
            }
            counts[idx]++;
        }
        for (int i = 0; i < counts.Length; i++) counts[i] /= count;
        return new Histogram(dimension, binsPerAxis, lo, width, counts, degenerate);
    }
}
