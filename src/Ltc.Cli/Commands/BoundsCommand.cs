using System.CommandLine;
using System.Diagnostics;
using Ltc.Lattices;
using Ltc.Metrics;
using Ltc.RateDistortion;
using Ltc.Sources;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc bounds</c>: theoretical and classical RD curves (<see cref="Baselines.Compute"/>).</summary>
internal static class BoundsCommand
{
    public static Command Create()
    {
        var source = new Option<string>("--source") { Description = $"Source: {SourceCatalog.Help}.", Required = true };
        var dim = new Option<int?>("--dim") { Description = "Block length n of i.i.d. sources (or the data's dimension), 1 to 4096." };
        var kind = new Option<string>("--kind") { Description = "rd | slb | ba | ecsq | ecvq | eclq | ectcq | gaussian-rd (R(D) of the Gaussian with the test split's covariance: every source's R(D) lies on or below it under MSE).", Required = true };
        var lattice = new Option<string?>("--lattice") { Description = "Lattice for --kind eclq, e.g. E8." };
        var points = new Option<int>("--points") { Description = "Number of curve points, 2 to 1000.", DefaultValueFactory = _ => 12 };
        var maxRate = new Option<double>("--max-rate") { Description = "Highest rate to aim for (per rate unit), in (0, 16]; gaussian-rd: bits per vector, up to 16 per coordinate.", DefaultValueFactory = _ => 3.0 };
        var samples = new Option<int?>("--samples") { Description = $"Source samples (ECVQ training and held-out sets each, at least 100; ECLQ draws, at least 10; BA and SLB histogram), at most {Baselines.MaxSamples:N0} and {Baselines.MaxSampleValues:N0} values." };
        var cellSamples = new Option<int>("--cell-samples") { Description = $"Voronoi cell samples per cell integral (eclq), 16 to {Baselines.MaxCellSamples:N0}.", DefaultValueFactory = _ => 4096 };
        var bins = new Option<int?>("--bins") { Description = "Histogram bins per axis for ba and slb on sample sources, 2 to 4096 in 1-d, 2 to 64 in 2-d (default 512 in 1-d, 48 for ba and 64 for slb in 2-d)." };
        var maxCodewords = new Option<int>("--max-codewords") { Description = $"ECVQ codebook size limit, 1 to {Baselines.MaxCodewordsLimit}.", DefaultValueFactory = _ => 4096 };
        var maxCells = new Option<int>("--max-cells") { Description = $"ECSQ codebook size limit: 0 (none) or 2 to {Baselines.MaxCellsLimit:N0}.", DefaultValueFactory = _ => 0 };
        var columns = new Option<string?>("--columns") { Description = "Use only these coordinates of each vector (a marginal), e.g. 0,1." };
        var states = new Option<int>("--states") { Description = "Trellis states of --kind ectcq: 4, 8, 16, 32, 64, 128 or 256.", DefaultValueFactory = _ => 8 };
        var seed = new Option<int>("--seed") { Description = "Seed.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {\"points\": [...]}; snr_db is null where the MSE is 0." };
        var csv = new Option<bool>("--csv") { Description = "Print CSV (rate_bits_per_sample,distortion_mse,snr_db)." };
        var cmd = new Command("bounds", "Rate-distortion bounds and classical quantizer curves (R(D), SLB, Blahut–Arimoto, ECSQ, ECVQ, ECLQ, ECTCQ). "
            + "A source with zero variance (every coordinate constant) is refused: its curve is the single point R = 0, D = 0.");
        foreach (var o in new Option[] { source, dim, kind, lattice, points, maxRate, samples, cellSamples, bins, maxCodewords, maxCells, columns, states, seed, json, csv }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            // Every option is checked before any source is read or any work is done.
            if (pr.GetValue(json) && pr.GetValue(csv)) throw new LtcException("--json and --csv are exclusive");
            var options = new BaselineOptions(pr.GetValue(points), pr.GetValue(maxRate), pr.GetValue(samples), pr.GetValue(cellSamples),
                pr.GetValue(bins), pr.GetValue(maxCodewords), pr.GetValue(maxCells), pr.GetValue(seed), States: pr.GetValue(states));
            var k = Baselines.ParseKind(pr.GetValue(kind)!);
            options.ValidateRateGrid(k);
            if (k != BaselineKind.Ectcq && pr.GetResult(states) is { Implicit: false }) throw new LtcException("--states is for --kind ectcq");
            // A lattice would also set the dimension, and a data set's would then be reported against an ungiven --dim.
            if (k != BaselineKind.Eclq && pr.GetValue(lattice) is not null) throw new LtcException("--lattice is for --kind eclq");
            int? dimValue = pr.GetValue(dim);
            if (dimValue is < 1 or > 4096) throw new LtcException($"--dim must be between 1 and 4096, got {dimValue}");
            options.Validate(k);

            var latName = pr.GetValue(lattice);
            Lattice? lat = latName != null ? LatticeCatalog.Parse(latName) : null;
            options = options with { Lattice = lat };
            int? d = dimValue ?? lat?.Dimension;
            var cols = pr.GetValue(columns);
            var src = cols == null
                ? SourceCatalog.Parse(pr.GetValue(source)!, d)
                : MarginalSource.Parse(SourceCatalog.Parse(pr.GetValue(source)!, null), cols, d);
            foreach (var w in src.Warnings) LtcApp.Warn(w);
            Baselines.CheckSizes(k, src, options);
            Baselines.RequireVariance(src);
            var sw = Stopwatch.StartNew();
            var curve = Baselines.Compute(k, src, options);
            double variance = src.Variance(SourceSplit.Test);
            string name = Baselines.NameOf(k), unit = src.RateUnit;
            var output = pr.InvocationConfiguration.Output;
            if (pr.GetValue(json))
                CliOutput.WriteJson(output, new
                {
                    Source = src.Name,
                    Dimension = src.Dimension,
                    Kind = name,
                    Lattice = lat?.Name,
                    States = k == BaselineKind.Ectcq ? options.States : (int?)null,
                    RateUnit = unit,
                    Variance = variance,
                    Seconds = sw.Elapsed.TotalSeconds,
                    Points = curve.Select(p => new { RateBitsPerSample = p.Rate, DistortionMse = p.Distortion, SnrDb = CliOutput.FiniteOrNull(p.SnrDb(variance)) }).ToArray(),
                });
            else if (pr.GetValue(csv)) output.Write(RdCsv.Format(curve, variance));
            else
            {
                output.WriteLine($"# {name} of {src.Name} (n = {src.Dimension}{(lat != null ? $", {lat.Name}" : "")}{(k == BaselineKind.Ectcq ? $", {options.States} states" : "")}), rate in {unit}, σ² = {variance:G4}, {sw.Elapsed.TotalSeconds:F1} s");
                output.WriteLine($"{"rate",10} {"mse",12} {"snr_db",8}");
                foreach (var p in curve) output.WriteLine($"{p.Rate,10:F4} {p.Distortion,12:G6} {Snr.Format(p.SnrDb(variance), 3),8}");
            }
            return 0;
        });
        return cmd;
    }
}
