using MathNet.Numerics.Interpolation;
using Ltc.RateDistortion;

namespace Ltc.Metrics;

/// <summary>The Bjøntegaard deltas between a test curve and an anchor curve.</summary>
/// <param name="RatePercent">BD-rate: the average rate difference of the test against the anchor in percent at equal
/// SNR (negative = the test needs fewer bits), from log-rates integrated over the common SNR range.</param>
/// <param name="RateBits">The average rate difference in bits (linear rates) over the same range.</param>
/// <param name="SnrDb">BD-SNR: the average SNR difference in dB at equal rate over the common log-rate range
/// (positive = the test is better).</param>
/// <param name="SnrLow">Lower end of the common SNR range (dB).</param>
/// <param name="SnrHigh">Upper end of the common SNR range (dB).</param>
public sealed record BjontegaardDelta(double RatePercent, double RateBits, double SnrDb, double SnrLow, double SnrHigh)
{
    /// <summary>Anchor points left out of the interpolation (rate 0, or dominated within the curve), with the reason.</summary>
    public IReadOnlyList<DroppedPoint> DroppedAnchor { get; init; } = [];

    /// <summary>Test points left out of the interpolation, with the reason.</summary>
    public IReadOnlyList<DroppedPoint> DroppedTest { get; init; } = [];

    /// <summary>
    /// The common SNR range as a fraction of the narrower curve's SNR range (1 when one curve's range contains the
    /// other's). Below <see cref="Bjontegaard.MinimumOverlap"/> the deltas rest on little of either curve.
    /// </summary>
    public double Overlap { get; init; } = 1;

    /// <summary>One-line warnings about the data the deltas rest on (dropped points, small overlap, no BD-SNR).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>The mean and spread of Bjøntegaard deltas of paired curves (e.g. one pair per training seed).</summary>
/// <param name="Pairs">Pairs of curves.</param>
/// <param name="RatePercentMean">Mean BD-rate (%).</param>
/// <param name="RatePercentSd">Sample standard deviation of the BD-rates (0 for one pair).</param>
/// <param name="SnrDbMean">Mean BD-SNR (dB) over the pairs whose rate ranges overlap; NaN when none do.</param>
/// <param name="SnrDbSd">Sample standard deviation of those BD-SNRs (0 for one, NaN for none).</param>
public sealed record BjontegaardSpread(int Pairs, double RatePercentMean, double RatePercentSd, double SnrDbMean, double SnrDbSd);

/// <summary>A point of an RD curve that the Bjøntegaard computation did not use, and why.</summary>
/// <param name="Point">The point as read.</param>
/// <param name="Reason">Why it was dropped, e.g. "dominated by (0.5 bits, mse 0.5)".</param>
public sealed record DroppedPoint(RdPoint Point, string Reason);

/// <summary>
/// Bjøntegaard deltas (VCEG-M33) with piecewise cubic Hermite (PCHIP) interpolation, as in the <c>bjontegaard</c>
/// Python package's "pchip" mode: rates in log domain as a function of SNR (and vice versa for BD-SNR), each curve
/// interpolated through its own points, the difference integrated over the range both curves cover and averaged.
/// </summary>
public static class Bjontegaard
{
    // PCHIP through two points is the straight line; MathNet's PCHIP wants three.
    private static MathNet.Numerics.Interpolation.IInterpolation Pchip(double[] x, double[] y) =>
        x.Length >= 3 ? CubicSpline.InterpolatePchipSorted(x, y) : MathNet.Numerics.Interpolation.LinearSpline.InterpolateSorted(x, y);

    /// <summary>Mean and sample standard deviation of the deltas of paired curves.</summary>
    /// <exception cref="ArgumentException">No deltas.</exception>
    public static BjontegaardSpread Spread(IReadOnlyList<BjontegaardDelta> deltas)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        if (deltas.Count == 0) throw new ArgumentException("no deltas to summarize", nameof(deltas));
        static (double Mean, double Sd) Stats(double[] v) => v.Length == 0 ? (double.NaN, double.NaN)
            : (MathNet.Numerics.Statistics.Statistics.Mean(v), v.Length == 1 ? 0 : MathNet.Numerics.Statistics.Statistics.StandardDeviation(v));
        var (rm, rs) = Stats([.. deltas.Select(d => d.RatePercent)]);
        var (sm, ss) = Stats([.. deltas.Select(d => d.SnrDb).Where(double.IsFinite)]);
        return new BjontegaardSpread(deltas.Count, rm, rs, sm, ss);
    }

    /// <summary>
    /// A point under <see cref="NearZeroRate"/> (in the curve's rate unit) followed on its curve by one more than this
    /// factor higher is warned about: the segment between them spans a decade or more of log rate, so a model that
    /// almost stopped sending moves the average far more than its place on the curve deserves.
    /// </summary>
    public const double NearZeroRateRatio = 10;

    /// <summary>The rate under which a point counts as near zero (<see cref="NearZeroRateRatio"/>).</summary>
    public const double NearZeroRate = 0.1;

    /// <summary>The overlap below which <see cref="Compute"/> warns (<see cref="BjontegaardDelta.Overlap"/>).</summary>
    public const double MinimumOverlap = 0.5;

    /// <summary>
    /// The deltas of <paramref name="test"/> against <paramref name="anchor"/>, both lists of (rate, MSE) with the
    /// same per-coordinate variance <paramref name="variance"/>. Each curve is reduced to its RD front (points with
    /// positive rate that no other point beats in both rate and distortion), which needs at least 2 points; the points
    /// left out are returned with their reasons, and <see cref="BjontegaardDelta.Warnings"/> says so, and when the
    /// curves share little of their SNR ranges or none of their rate ranges (BD-SNR is then NaN).
    /// </summary>
    public static BjontegaardDelta Compute(IReadOnlyList<RdPoint> anchor, IReadOnlyList<RdPoint> test, double variance = 1.0)
    {
        var (ra, sa, droppedA) = Prepare(anchor, "anchor", variance);
        var (rt, st, droppedT) = Prepare(test, "test", variance);
        var la = ra.Select(Math.Log10).ToArray();
        var lt = rt.Select(Math.Log10).ToArray();

        double lo = Math.Max(sa[0], st[0]), hi = Math.Min(sa[^1], st[^1]);
        if (!(hi > lo)) throw new LtcException($"the curves do not overlap in SNR (anchor {sa[0]:F2}–{sa[^1]:F2} dB, test {st[0]:F2}–{st[^1]:F2} dB)");
        var logRateA = Pchip(sa, la);
        var logRateT = Pchip(st, lt);
        double avgLog = (logRateT.Integrate(lo, hi) - logRateA.Integrate(lo, hi)) / (hi - lo);
        var rateA = Pchip(sa, ra);
        var rateT = Pchip(st, rt);
        double avgBits = (rateT.Integrate(lo, hi) - rateA.Integrate(lo, hi)) / (hi - lo);

        double rlo = Math.Max(la[0], lt[0]), rhi = Math.Min(la[^1], lt[^1]);
        double bdSnr = double.NaN;
        if (rhi > rlo)
        {
            var snrA = Pchip(la, sa);
            var snrT = Pchip(lt, st);
            bdSnr = (snrT.Integrate(rlo, rhi) - snrA.Integrate(rlo, rhi)) / (rhi - rlo);
        }
        var warnings = new List<string>();
        foreach (var (what, dropped) in new[] { ("anchor", droppedA), ("test", droppedT) })
            foreach (var d in dropped)
                warnings.Add($"{what} point (rate {Fmt(d.Point.Rate)}, mse {Fmt(d.Point.Distortion)}) left out: {d.Reason}");
        double overlap = (hi - lo) / Math.Min(sa[^1] - sa[0], st[^1] - st[0]);
        if (overlap < MinimumOverlap)
            warnings.Add($"the curves share only {hi - lo:F2} dB of SNR ({lo:F2}–{hi:F2} dB), {overlap * 100:F0} % of the narrower curve's range: the deltas rest on little data");
        foreach (var (what, rates) in new[] { ("anchor", ra), ("test", rt) })
            for (int i = 0; i + 1 < rates.Length; i++)
                if (rates[i] < NearZeroRate && rates[i + 1] > NearZeroRateRatio * rates[i])
                    warnings.Add($"{what} point at rate {Fmt(rates[i])} is more than {NearZeroRateRatio:G}× below the next ({Fmt(rates[i + 1])}): " +
                        "log rates near zero weigh heavily in the average (a rate floor leaves such points out)");
        if (double.IsNaN(bdSnr))
            warnings.Add($"no BD-SNR: the curves' rate ranges do not overlap (anchor {ra[0]:G4}–{ra[^1]:G4}, test {rt[0]:G4}–{rt[^1]:G4})");
        return new BjontegaardDelta((Math.Pow(10, avgLog) - 1) * 100, avgBits, bdSnr, lo, hi)
        {
            DroppedAnchor = droppedA,
            DroppedTest = droppedT,
            Overlap = overlap,
            Warnings = warnings,
        };
    }

    private static string Fmt(double v) => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);

    private static (double[] Rates, double[] Snrs, List<DroppedPoint> Dropped) Prepare(IReadOnlyList<RdPoint> curve, string what, double variance)
    {
        foreach (var p in curve)
            if (!double.IsFinite(p.Rate) || p.Rate < 0 || !(p.Distortion > 0) || !double.IsFinite(p.Distortion))
                throw new LtcException($"{what} curve has an invalid point (rate {p.Rate}, mse {p.Distortion})");
        // Operational curves from sweeps repeat points and contain dominated ones (more rate, no better SNR); the
        // interpolation needs a strictly increasing curve, so only the Pareto front is kept.
        var front = new List<RdPoint>();
        var dropped = new List<DroppedPoint>();
        foreach (var p in curve.OrderBy(p => p.Rate).ThenBy(p => p.Distortion))
        {
            if (p.Rate == 0) { dropped.Add(new DroppedPoint(p, "rate 0 has no logarithm")); continue; }
            if (front.Count > 0 && (p.Rate <= front[^1].Rate || p.Distortion >= front[^1].Distortion))
            {
                var by = front[^1];
                dropped.Add(new DroppedPoint(p, p == by
                    ? "repeats an earlier point"
                    : $"dominated by (rate {Fmt(by.Rate)}, mse {Fmt(by.Distortion)}), which has no more rate and no more MSE"));
                continue;
            }
            front.Add(p);
        }
        if (front.Count < 2)
        {
            // Say which points went where: "has 1" alone leaves the user to redo the Pareto filtering by hand.
            string left = dropped.Count == 0 ? "" : "; left out: " + string.Join("; ",
                dropped.Take(3).Select(d => $"(rate {Fmt(d.Point.Rate)}, mse {Fmt(d.Point.Distortion)}) {d.Reason}")) + (dropped.Count > 3 ? $"; and {dropped.Count - 3} more" : "");
            throw new LtcException($"{what} curve needs at least 2 points with positive rate on its RD front, has {front.Count}{left}");
        }
        return (front.Select(p => p.Rate).ToArray(), front.Select(p => Snr.Db(variance, p.Distortion)).ToArray(), dropped);
    }
}
