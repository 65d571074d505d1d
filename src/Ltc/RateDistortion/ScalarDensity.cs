using MathNet.Numerics;

namespace Ltc.RateDistortion;

/// <summary>
/// A probability density on the real line with the exact quantities that entropy-constrained scalar quantization
/// needs: the CDF and the partial moments ∫ₐᵇ xᵏ f(x) dx for k = 0, 1, 2.
/// </summary>
public abstract class ScalarDensity
{
    /// <summary>A short name, e.g. <c>gaussian</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The variance.</summary>
    public abstract double Variance { get; }

    /// <summary>The differential entropy h(X) in bits.</summary>
    public abstract double DifferentialEntropyBits { get; }

    /// <summary>ln f(x).</summary>
    public abstract double LogDensity(double x);

    /// <summary>
    /// The partial moments (m0, m1, m2) = ∫ₐᵇ (1, x, x²) f(x) dx. Either end may be infinite; a ≤ b.
    /// </summary>
    public abstract (double M0, double M1, double M2) PartialMoments(double a, double b);

    /// <summary>A half-width beyond which the probability mass is negligible (below about 1e-30).</summary>
    public abstract double SupportHalfWidth { get; }

    /// <summary>One draw from the density.</summary>
    public abstract double Sample(Random random);

    /// <summary>The standard normal density scaled by σ.</summary>
    public static ScalarDensity Gaussian(double sigma = 1.0) => new GaussianDensity(sigma);

    /// <summary>The Laplace density with scale β (variance 2β²).</summary>
    public static ScalarDensity Laplace(double scale = 1.0) => new LaplaceDensity(scale);
}

/// <summary>N(0, σ²).</summary>
public sealed class GaussianDensity : ScalarDensity
{
    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;

    /// <summary>Creates N(0, σ²).</summary>
    public GaussianDensity(double sigma)
    {
        if (!(sigma > 0) || double.IsInfinity(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma));
        Sigma = sigma;
    }

    /// <summary>The standard deviation σ.</summary>
    public double Sigma { get; }

    /// <inheritdoc/>
    public override string Name => "gaussian";

    /// <inheritdoc/>
    public override double Variance => Sigma * Sigma;

    /// <inheritdoc/>
    public override double DifferentialEntropyBits => 0.5 * Math.Log2(2 * Math.PI * Math.E * Variance);

    /// <inheritdoc/>
    public override double SupportHalfWidth => 12 * Sigma;

    /// <inheritdoc/>
    public override double Sample(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Sigma * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <inheritdoc/>
    public override double LogDensity(double x)
    {
        double z = x / Sigma;
        return -0.5 * z * z - Math.Log(Sigma) - 0.5 * Math.Log(2 * Math.PI);
    }

    /// <inheritdoc/>
    public override (double M0, double M1, double M2) PartialMoments(double a, double b)
    {
        double za = a / Sigma, zb = b / Sigma;
        double m0 = Mass(za, zb);
        double pa = Phi(za), pb = Phi(zb);
        double m1 = pa - pb;
        double m2 = m0 + Times(za, pa) - Times(zb, pb);
        if (m2 < 0) m2 = 0;
        return (m0, Sigma * m1, Sigma * Sigma * m2);
    }

    private static double Phi(double z) => double.IsInfinity(z) ? 0 : InvSqrt2Pi * Math.Exp(-0.5 * z * z);

    private static double Times(double z, double phi) => phi == 0 ? 0 : z * phi;

    // Differences of upper tails on the right and lower tails on the left keep tail cells accurate.
    private static double Mass(double a, double b)
    {
        if (a >= 0) return 0.5 * (SpecialFunctions.Erfc(a * InvSqrt2) - SpecialFunctions.Erfc(b * InvSqrt2));
        if (b <= 0) return 0.5 * (SpecialFunctions.Erfc(-b * InvSqrt2) - SpecialFunctions.Erfc(-a * InvSqrt2));
        return 1 - 0.5 * SpecialFunctions.Erfc(-a * InvSqrt2) - 0.5 * SpecialFunctions.Erfc(b * InvSqrt2);
    }
}

/// <summary>Laplace with scale β: f(x) = e^{−|x|/β} / (2β).</summary>
public sealed class LaplaceDensity : ScalarDensity
{
    /// <summary>Creates the Laplace density of scale β.</summary>
    public LaplaceDensity(double scale)
    {
        if (!(scale > 0) || double.IsInfinity(scale)) throw new ArgumentOutOfRangeException(nameof(scale));
        Scale = scale;
    }

    /// <summary>The scale β.</summary>
    public double Scale { get; }

    /// <inheritdoc/>
    public override string Name => "laplace";

    /// <inheritdoc/>
    public override double Variance => 2 * Scale * Scale;

    /// <inheritdoc/>
    public override double DifferentialEntropyBits => Math.Log2(2 * Math.E * Scale);

    /// <inheritdoc/>
    public override double SupportHalfWidth => 72 * Scale;

    /// <inheritdoc/>
    public override double Sample(Random random)
    {
        double u = random.NextDouble() - 0.5;
        return -Scale * Math.Sign(u) * Math.Log(1 - 2 * Math.Abs(u));
    }

    /// <inheritdoc/>
    public override double LogDensity(double x) => -Math.Abs(x) / Scale - Math.Log(2 * Scale);

    /// <inheritdoc/>
    public override (double M0, double M1, double M2) PartialMoments(double a, double b)
    {
        double za = a / Scale, zb = b / Scale;
        (double m0, double m1, double m2) r;
        if (za >= 0) r = Right(za, zb);
        else if (zb <= 0)
        {
            var m = Right(-zb, -za);
            r = (m.Item1, -m.Item2, m.Item3);
        }
        else
        {
            var left = Right(0, -za);
            var right = Right(0, zb);
            r = (left.Item1 + right.Item1, right.Item2 - left.Item2, left.Item3 + right.Item3);
        }
        return (r.m0, Scale * r.m1, Scale * Scale * r.m2);
    }

    // ∫ₐᵇ xᵏ ½e^{−x} dx for 0 ≤ a ≤ b ≤ ∞, from the antiderivatives −½ pₖ(x) e^{−x}.
    private static (double, double, double) Right(double a, double b)
    {
        double ea = Math.Exp(-a);
        double eb = double.IsPositiveInfinity(b) ? 0 : Math.Exp(-b);
        double bb = eb == 0 ? 0 : b;
        double m0 = 0.5 * (ea - eb);
        double m1 = 0.5 * ((a + 1) * ea - (bb + 1) * eb);
        double m2 = 0.5 * ((a * a + 2 * a + 2) * ea - (bb * bb + 2 * bb + 2) * eb);
        return (m0, m1, Math.Max(m2, 0));
    }
}
