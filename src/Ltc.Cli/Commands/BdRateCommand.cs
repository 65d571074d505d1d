using System.CommandLine;
using Ltc.Metrics;
using Ltc.RateDistortion;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc bdrate</c>: Bjøntegaard deltas of two RD curves (<see cref="Bjontegaard.Compute"/>).</summary>
internal static class BdRateCommand
{
    public static Command Create()
    {
        var a = new Argument<string>("anchor") { Description = "Anchor curve CSV (rate_bits_per_sample,distortion_mse), or several separated by commas (e.g. one per seed)." };
        var b = new Argument<string>("test") { Description = "Test curve CSV, or as many as anchors separated by commas, paired in order: the deltas of each pair, then their mean ± standard deviation." };
        var variance = new Option<double>("--variance") { Description = "σ² for SNR = 10·log10(σ²/D), positive and finite.", DefaultValueFactory = _ => 1.0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (bd_snr_db is null when the rate ranges do not overlap)." };
        var minRate = new Option<double>("--min-rate") { Description = "Ignore points below this rate (log rates of near-zero-rate points dominate the average otherwise); non-negative.", DefaultValueFactory = _ => 0.0 };
        var cmd = new Command("bdrate", "Bjøntegaard deltas of the test curve against the anchor (PCHIP, log rates against SNR). "
            + "Each curve is first reduced to its RD front: points at rate 0, and points that another point of the same curve matches or beats "
            + "in both rate and MSE (more bits for no better MSE), are left out, and each one left out is named on stderr. "
            + $"stderr also warns when the curves share less than {Bjontegaard.MinimumOverlap:P0} of the narrower curve's SNR range (the deltas then rest on little data) "
            + "and when their rate ranges do not overlap (no BD-SNR), and names a point near zero rate (under 0.1, more than 10× below the next point) that --min-rate would leave out.");
        cmd.Arguments.Add(a);
        cmd.Arguments.Add(b);
        cmd.Options.Add(variance);
        cmd.Options.Add(minRate);
        cmd.Options.Add(json);
        cmd.SetAction(pr =>
        {
            double v = pr.GetValue(variance);
            if (!(v > 0) || !double.IsFinite(v)) throw new LtcException($"--variance must be positive and finite, got {v}");
            double floor = pr.GetValue(minRate);
            if (!(floor >= 0) || !double.IsFinite(floor)) throw new LtcException($"--min-rate must be a non-negative number, got {floor}");
            var anchors = pr.GetValue(a)!.Split(',', StringSplitOptions.TrimEntries);
            var tests = pr.GetValue(b)!.Split(',', StringSplitOptions.TrimEntries);
            // An empty entry (",," or a trailing comma) would shift the pairing silently.
            if (anchors.Concat(tests).Any(p => p.Length == 0)) throw new LtcException("a curve list has an empty entry (two commas in a row, or one at an end)");
            if (anchors.Length == 0 || anchors.Length != tests.Length)
                throw new LtcException($"give as many test curves as anchor curves ({anchors.Length} anchor, {tests.Length} test)");
            RdPoint[] Load(string path)
            {
                var pts = RdCsv.Read(path).Where(p => p.Rate >= floor).ToArray();
                return pts.Length >= 2 ? pts : throw new LtcException($"{path}: fewer than 2 points at rates >= {floor}");
            }
            BjontegaardDelta Pair(string pa, string pb)
            {
                BjontegaardDelta r;
                try { r = Bjontegaard.Compute(Load(pa), Load(pb), v); }
                catch (LtcException e) when (!e.Message.StartsWith(pa, StringComparison.Ordinal) && !e.Message.StartsWith(pb, StringComparison.Ordinal))
                {
                    throw new LtcException($"{pa} vs {pb}: {e.Message}", e);
                }
                if (!double.IsFinite(r.RatePercent) || !double.IsFinite(r.RateBits))
                    throw new LtcException($"{pa} vs {pb}: the BD-rate is not finite (rate {r.RatePercent} %, {r.RateBits} bits)");
                foreach (var w in r.Warnings)
                {
                    string which = w.StartsWith("anchor", StringComparison.Ordinal) ? $"{pa}: " : w.StartsWith("test", StringComparison.Ordinal) ? $"{pb}: " : "";
                    LtcApp.Warn(which + w);
                }
                return r;
            }
            var deltas = anchors.Zip(tests, Pair).ToArray();
            var output = pr.InvocationConfiguration.Output;
            if (deltas.Length > 1)
            {
                var spread = Bjontegaard.Spread(deltas);
                if (pr.GetValue(json))
                    CliOutput.WriteJson(output, new
                    {
                        spread.Pairs,
                        BdRatePercentMean = spread.RatePercentMean,
                        BdRatePercentSd = spread.RatePercentSd,
                        BdSnrDbMean = CliOutput.FiniteOrNull(spread.SnrDbMean),
                        BdSnrDbSd = CliOutput.FiniteOrNull(spread.SnrDbSd),
                        PerPair = deltas.Select((d, i) => new { Anchor = anchors[i], Test = tests[i], BdRatePercent = d.RatePercent, BdSnrDb = CliOutput.FiniteOrNull(d.SnrDb), SnrOverlap = d.Overlap }).ToArray(),
                    });
                else
                {
                    for (int i = 0; i < deltas.Length; i++)
                        output.WriteLine($"{CliOutput.Escape(tests[i])} vs {CliOutput.Escape(anchors[i])}: BD-rate {deltas[i].RatePercent:F3} %, BD-SNR " +
                            (double.IsFinite(deltas[i].SnrDb) ? $"{deltas[i].SnrDb:F3} dB" : "none"));
                    output.WriteLine($"BD-rate {spread.RatePercentMean:F3} ± {spread.RatePercentSd:F3} %  (mean ± standard deviation over {spread.Pairs} pairs; negative: the tests need fewer bits than their anchors)");
                    output.WriteLine(double.IsFinite(spread.SnrDbMean) ? $"BD-SNR  {spread.SnrDbMean:F3} ± {spread.SnrDbSd:F3} dB" : "BD-SNR  none (no pair's rate ranges overlap)");
                }
                return 0;
            }
            var r = deltas[0];
            object Dropped(IEnumerable<DroppedPoint> ds) => ds.Select(d => new { RateBitsPerSample = d.Point.Rate, DistortionMse = d.Point.Distortion, d.Reason }).ToArray();
            if (pr.GetValue(json))
                CliOutput.WriteJson(output, new
                {
                    Anchor = anchors[0],
                    Test = tests[0],
                    BdRatePercent = r.RatePercent,
                    BdRateBits = r.RateBits,
                    BdSnrDb = CliOutput.FiniteOrNull(r.SnrDb),
                    SnrLowDb = r.SnrLow,
                    SnrHighDb = r.SnrHigh,
                    SnrOverlap = r.Overlap,
                    DroppedAnchor = Dropped(r.DroppedAnchor),
                    DroppedTest = Dropped(r.DroppedTest),
                });
            else
            {
                // Which curve is which, and the sign convention, so a printed delta cannot be read the wrong way round.
                output.WriteLine($"{CliOutput.Escape(tests[0])} against the anchor {CliOutput.Escape(anchors[0])} (negative BD-rate: the test needs fewer bits)");
                output.WriteLine($"BD-rate {r.RatePercent:F3} %  ({r.RateBits:F4} bits)  over SNR {r.SnrLow:F2}–{r.SnrHigh:F2} dB");
                output.WriteLine(double.IsFinite(r.SnrDb) ? $"BD-SNR  {r.SnrDb:F3} dB" : "BD-SNR  none (the rate ranges do not overlap)");
            }
            return 0;
        });
        return cmd;
    }
}
