namespace Ltc.RateDistortion;

/// <summary>
/// One point of a rate-distortion curve: the rate in bits per rate unit (per scalar sample for i.i.d. sequences,
/// per vector for vector sources) and the distortion as mean squared error per scalar entry.
/// </summary>
/// <param name="Rate">Rate in bits per scalar sample (i.i.d. sources) or per vector (vector sources).</param>
/// <param name="Distortion">Mean squared error per scalar entry (or mean absolute error where stated).</param>
public readonly record struct RdPoint(double Rate, double Distortion)
{
    /// <summary>SNR in dB for data of per-coordinate variance <paramref name="variance"/>: 10·log10(σ²/D).</summary>
    public double SnrDb(double variance = 1.0) => Metrics.Snr.Db(variance, Distortion);
}

/// <summary>Helpers for lists of <see cref="RdPoint"/>.</summary>
public static class RdCurve
{
    /// <summary>The points sorted by increasing rate (ties by decreasing distortion).</summary>
    public static RdPoint[] SortByRate(IEnumerable<RdPoint> points) =>
        points.OrderBy(p => p.Rate).ThenByDescending(p => p.Distortion).ToArray();

    /// <summary>
    /// The lower convex hull of the points in the (rate, distortion) plane, sorted by rate: the operational curve of
    /// time-sharing between the points. Points that are dominated or above the hull are dropped.
    /// </summary>
    public static RdPoint[] LowerConvexHull(IEnumerable<RdPoint> points)
    {
        var sorted = SortByRate(points);
        var hull = new List<RdPoint>();
        foreach (var p in sorted)
        {
            if (hull.Count > 0 && p.Distortion >= hull[^1].Distortion) continue;
            while (hull.Count >= 2)
            {
                var a = hull[^2];
                var b = hull[^1];
                // b is above the chord from a to p when the cross product says the turn is not convex.
                double cross = (b.Rate - a.Rate) * (p.Distortion - a.Distortion) - (b.Distortion - a.Distortion) * (p.Rate - a.Rate);
                if (cross <= 0) hull.RemoveAt(hull.Count - 1);
                else break;
            }
            hull.Add(p);
        }
        return hull.ToArray();
    }
}
