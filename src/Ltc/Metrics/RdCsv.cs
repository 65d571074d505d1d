using System.Globalization;
using System.Text;
using Ltc.RateDistortion;

namespace Ltc.Metrics;

/// <summary>
/// Reads and writes RD curves as CSV with a header that names the columns <c>rate_bits_per_sample</c> and
/// <c>distortion_mse</c> (other columns, such as <c>snr_db</c>, are allowed and ignored on reading).
/// </summary>
public static class RdCsv
{
    /// <summary>The rate column.</summary>
    public const string RateColumn = "rate_bits_per_sample";

    /// <summary>The distortion column.</summary>
    public const string DistortionColumn = "distortion_mse";

    /// <summary>The optional column of a rate's Monte Carlo standard error (written by sweeps of lattice models).</summary>
    public const string RateStderrColumn = "rate_stderr";

    /// <summary>
    /// Standard errors by which an estimated rate may lie below zero and still read as a zero rate: a sweep's Monte
    /// Carlo estimate of a model that sends nothing scatters around 0 by its standard error.
    /// </summary>
    public const double NegativeRateStderrs = 4;

    /// <summary>
    /// Reads the curve in <paramref name="path"/>; malformed files raise a one-line <see cref="LtcException"/>. A
    /// negative rate reads as 0 when the file has a <c>rate_stderr</c> column and the rate is within
    /// <see cref="NegativeRateStderrs"/> standard errors of 0; any other negative rate is an error.
    /// </summary>
    public static RdPoint[] Read(string path)
    {
        if (!File.Exists(path)) throw new LtcException($"{path}: file not found");
        var lines = Ltc.IO.BoundedText.Read(path, MaxCharacters, $"larger than {MaxCharacters} characters, too long for an RD curve").Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToArray();
        if (lines.Length == 0) throw new LtcException($"{path}: empty file, expected a header with {RateColumn},{DistortionColumn}");
        // A binary file (a model, an .npy, a .ltc) is named for what it is, not echoed byte for byte into the error.
        if (lines[0].Any(c => c == '\uFFFD' || (char.IsControl(c) && c != '\t')))
            throw new LtcException($"{path}: not a CSV curve (binary data{Ltc.IO.FileSignature.ItIs(Encoding.UTF8.GetBytes(lines[0][..Math.Min(8, lines[0].Length)]))})");
        var header = lines[0].Split(',').Select(h => h.Trim().Trim('"')).ToArray();
        int ri = Array.IndexOf(header, RateColumn), di = Array.IndexOf(header, DistortionColumn), si = Array.IndexOf(header, RateStderrColumn);
        if (ri < 0 || di < 0) throw new LtcException($"{path}: header must name columns {RateColumn} and {DistortionColumn}, found '{lines[0].Trim()}'");
        var pts = new List<RdPoint>();
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            if (f.Length != header.Length) throw new LtcException($"{path}: line {i + 1} has {f.Length} fields, the header has {header.Length}");
            if (!double.TryParse(f[ri].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double r) || !double.IsFinite(r))
                throw new LtcException($"{path}: line {i + 1}: rate '{f[ri].Trim()}' is not a finite number");
            double? se = null;
            if (si >= 0 && f[si].Trim().Length > 0) // an empty field: no error known
            {
                if (!double.TryParse(f[si].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double e) || !double.IsFinite(e) || e < 0)
                    throw new LtcException($"{path}: line {i + 1}: {RateStderrColumn} '{f[si].Trim()}' is not a finite non-negative number");
                se = e;
            }
            if (r < 0)
            {
                if (se is not double err || r < -NegativeRateStderrs * err)
                    throw new LtcException($"{path}: line {i + 1}: rate '{f[ri].Trim()}' is negative" + (se is null ? "" : $" by more than {NegativeRateStderrs} times its {RateStderrColumn}"));
                r = 0;
            }
            if (!double.TryParse(f[di].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d) || d <= 0)
                throw new LtcException($"{path}: line {i + 1}: distortion '{f[di].Trim()}' is not a finite positive number");
            pts.Add(new RdPoint(r, d));
        }
        if (pts.Count == 0) throw new LtcException($"{path}: no data rows");
        return pts.ToArray();
    }

    /// <summary>The most characters of a curve file read: 16 Mi, so a device or a pipe cannot be read forever.</summary>
    public const int MaxCharacters = 1 << 24;

    /// <summary>The CSV text of a curve: rate, distortion and SNR for variance <paramref name="variance"/>.</summary>
    public static string Format(IEnumerable<RdPoint> points, double variance = 1.0)
    {
        var sb = new StringBuilder();
        sb.Append(RateColumn).Append(',').Append(DistortionColumn).Append(",snr_db\n");
        foreach (var p in points)
            sb.Append(p.Rate.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(p.Distortion.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(Snr.Format(p.SnrDb(variance), 4)).Append('\n');
        return sb.ToString();
    }
}
