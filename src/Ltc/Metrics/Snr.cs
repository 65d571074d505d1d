namespace Ltc.Metrics;

/// <summary>Signal-to-noise ratio and the gap to a rate-distortion function.</summary>
public static class Snr
{
    /// <summary>SNR in dB: 10·log10(σ²/D).</summary>
    public static double Db(double variance, double mse) => 10 * Math.Log10(variance / mse);

    /// <summary>An SNR in dB written with <paramref name="decimals"/> decimals (invariant culture); a value that rounds to
    /// zero is written without a sign: at rate 0, D is σ²·(1 + ε) in floating point and would print as −0.000.</summary>
    public static string Format(double db, int decimals) =>
        (Math.Round(db, decimals) == 0 ? 0 : db).ToString("F" + decimals, System.Globalization.CultureInfo.InvariantCulture);

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
