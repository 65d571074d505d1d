using Ltc.Metrics;
using Ltc.RateDistortion;

namespace Ltc.Tests.RateDistortion;

public class RdCsvTests
{
    [Fact]
    public void AZeroRatePointAtTheVarianceReadsZeroDecibelsWithoutASign()
    {
        // Water-filling returns D = σ²·(1 + ε) at rate 0; its SNR, −4e-16 dB, must not print as −0.0000.
        const double variance = 0.6961027548034815;
        var text = RdCsv.Format([new RdPoint(0, variance * (1 + 1e-15)), new RdPoint(1, variance / 2)], variance);
        var rows = text.Trim().Split('\n');
        Assert.Equal("0.0000", rows[1].Split(',')[2]);
        Assert.Equal("3.0103", rows[2].Split(',')[2]);
    }

    [Theory]
    [InlineData("-4.9E-05,0.696,0.0004", true)]   // a sweep's estimate of a model that sends nothing: zero within its error
    [InlineData("-0.01,0.696,0.0004", false)]     // 25 standard errors below zero
    [InlineData("-4.9E-05,0.696,", false)]        // no error to judge it by
    public void ANegativeEstimatedRateReadsAsZeroOnlyWithinItsStandardError(string row, bool accepted)
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "rate_bits_per_sample,distortion_mse,rate_stderr\n" + row + "\n1.5,0.3,0.001\n");
            if (accepted) Assert.Equal(0.0, RdCsv.Read(path)[0].Rate);
            else Assert.Matches("is negative|rate_stderr '.*' is not", Assert.Throws<LtcException>(() => RdCsv.Read(path)).Message);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-0.001")]
    [InlineData("NaN")]
    public void AMalformedStderrIsNamedEvenOnAPositiveRate(string stderr)
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, $"rate_bits_per_sample,distortion_mse,rate_stderr\n0.5,0.696,{stderr}\n1.5,0.3,0.001\n");
            Assert.Contains($"rate_stderr '{stderr}' is not a finite non-negative number", Assert.Throws<LtcException>(() => RdCsv.Read(path)).Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ANegativeRateWithoutAStderrColumnIsRefused()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "rate_bits_per_sample,distortion_mse\n-0.00001,0.696\n1.5,0.3\n");
            Assert.Contains("is negative", Assert.Throws<LtcException>(() => RdCsv.Read(path)).Message);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData(-4e-16, 3, "0.000")]
    [InlineData(-0.0004, 3, "0.000")]
    [InlineData(-0.0006, 3, "-0.001")]
    [InlineData(18.0617, 3, "18.062")]
    public void SnrIsFormattedWithoutANegativeZero(double db, int decimals, string text) => Assert.Equal(text, Ltc.Metrics.Snr.Format(db, decimals));
}
