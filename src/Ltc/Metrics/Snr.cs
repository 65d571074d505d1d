namespace Ltc.Metrics;

/// <summary>Signal-to-noise ratio and the gap to a rate-distortion function.</summary>
public static class Snr
{
    /// <summary>SNR in dB: 10·log10(σ²/D).</summary>
    public static double Db(double variance, double mse) => 10 * Math.Log10(variance / mse);

    /// <summary>The MSE at a given SNR in dB for data of variance σ².</summary>
    public static double Mse(double variance, double snrDb) => variance * Math.Pow(10, -snrDb / 10);

    /// <summary>
    /// The gap in dB to the unit-variance memoryless Gaussian's R(D) at equal rate: SNR_R(D)(R) − SNR =
    /// 6.0206·R − 10·log10(σ²/D), for a rate in bits per sample. Positive means worse than the bound.
    /// </summary>
    public static double GaussianGapDb(double rateBitsPerSample, double mse, double variance = 1.0) =>
        20 * Math.Log10(2) * rateBitsPerSample - Db(variance, mse);

    /// <summary>
    /// The gap in dB at equal rate to a curve given by <paramref name="distortionAtRate"/> (e.g. a computed R(D)):
    /// 10·log10(D / D_bound(R)).
    /// </summary>
    public static double GapDb(double rate, double mse, Func<double, double> distortionAtRate) =>
        10 * Math.Log10(mse / distortionAtRate(rate));
}
