namespace Ltc.Sources;

/// <summary>
/// The "banana" toy source of tensorflow-compression as the LTC code uses it: z ~ N(0, diag(3², 0.5²)),
/// a = (z0, z1 − 0.1·z0²), b = R(−240°)·a, x = b − (1, 1); then the two coordinates are swapped, the mean removed and
/// the result divided by the standard deviation of all entries.
/// </summary>
/// <remarks>
/// The mean and scale are the exact moments, not estimates from a sample, so every process standardizes identically:
/// E[a] = (0, −0.9), Cov(a) = diag(9, 0.25 + 0.01·Var(z0²)) = diag(9, 1.87) (z0³ has mean 0), rotation keeps the
/// trace 10.87, so the pooled standard deviation is √(10.87 / 2) ≈ 2.3313 and the standardized data has variance 1
/// per coordinate on average.
/// </remarks>
public sealed class BananaSource : VectorSource
{
    private static readonly double Cos = Math.Cos(-240 * Math.PI / 180), Sin = Math.Sin(-240 * Math.PI / 180);

    /// <summary>The mean of x = R·a − (1, 1) before the swap.</summary>
    public static (double X0, double X1) RawMean { get; } = (-Sin * -0.9 - 1, Cos * -0.9 - 1);

    /// <summary>The pooled standard deviation √(trace Cov / 2) the data is divided by.</summary>
    public static double Scale { get; } = Math.Sqrt((9 + 0.25 + 0.01 * 2 * 81) / 2);

    /// <inheritdoc/>
    public override string Name => "banana";

    /// <inheritdoc/>
    public override int Dimension => 2;

    /// <inheritdoc/>
    public override bool IsSynthetic => true;

    /// <inheritdoc/>
    public override double Variance(SourceSplit split) => 1.0;

    /// <inheritdoc/>
    public override void Draw(Span<double> destination, SourceSplit split, Random random)
    {
        if (destination.Length % 2 != 0) throw new ArgumentException("length must be a multiple of 2", nameof(destination));
        for (int i = 0; i < destination.Length; i += 2)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            double z0 = 3 * r * Math.Cos(2 * Math.PI * u2), z1 = 0.5 * r * Math.Sin(2 * Math.PI * u2);
            double a0 = z0, a1 = z1 - 0.1 * z0 * z0;
            double x0 = Cos * a0 - Sin * a1 - 1, x1 = Sin * a0 + Cos * a1 - 1;
            // Swapped, centred, scaled.
            destination[i] = (x1 - RawMean.X1) / Scale;
            destination[i + 1] = (x0 - RawMean.X0) / Scale;
        }
    }
}
