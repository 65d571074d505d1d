namespace Ltc.Sources;

/// <summary>The scalar distributions of i.i.d. sequences.</summary>
public enum IidDistribution
{
    /// <summary>Standard normal N(0, 1).</summary>
    Gaussian,
    /// <summary>Laplace with scale 1 (variance 2).</summary>
    Laplace,
    /// <summary>Uniform on [−√3, √3) (unit variance).</summary>
    Uniform,
}

/// <summary>An i.i.d. sequence of n scalars, treated as one n-dimensional vector; rates are per scalar sample.</summary>
public sealed class IidSource : VectorSource
{
    /// <summary>Creates an i.i.d. source of the given distribution and block length.</summary>
    public IidSource(IidDistribution distribution, int length)
    {
        if (length < 1) throw new LtcException($"source length must be at least 1, got {length}");
        Distribution = distribution;
        Dimension = length;
    }

    /// <summary>The scalar distribution.</summary>
    public IidDistribution Distribution { get; }

    /// <inheritdoc/>
    public override string Name => Distribution.ToString().ToLowerInvariant();

    /// <inheritdoc/>
    public override int Dimension { get; }

    /// <inheritdoc/>
    public override int ScalarsPerSample => Dimension;

    /// <inheritdoc/>
    /// <remarks>Always per scalar, even for n = 1, so sequences of every length report comparable rates.</remarks>
    public override string RateUnit => "bits/sample";

    /// <inheritdoc/>
    public override bool IsSynthetic => true;

    /// <inheritdoc/>
    public override double Variance(SourceSplit split) => Distribution == IidDistribution.Laplace ? 2.0 : 1.0;

    /// <inheritdoc/>
    public override void Draw(Span<double> destination, SourceSplit split, Random random)
    {
        switch (Distribution)
        {
            case IidDistribution.Gaussian:
                for (int i = 0; i < destination.Length; i += 2)
                {
                    // Box–Muller, both outputs used.
                    double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
                    double r = Math.Sqrt(-2.0 * Math.Log(u1));
                    destination[i] = r * Math.Cos(2 * Math.PI * u2);
                    if (i + 1 < destination.Length) destination[i + 1] = r * Math.Sin(2 * Math.PI * u2);
                }
                break;
            case IidDistribution.Laplace:
                for (int i = 0; i < destination.Length; i++)
                {
                    double u = random.NextDouble() - 0.5;
                    destination[i] = -Math.Sign(u) * Math.Log(1 - 2 * Math.Abs(u));
                }
                break;
            case IidDistribution.Uniform:
                for (int i = 0; i < destination.Length; i++) destination[i] = (2 * random.NextDouble() - 1) * Math.Sqrt(3);
                break;
        }
    }
}
