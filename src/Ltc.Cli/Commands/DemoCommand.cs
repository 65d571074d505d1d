using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc demo</c>: the main job on built-in defaults (README's first command).</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var cmd = new Command("demo", "Run the main job on built-in defaults: the lattice table, E8's NSM from 10^6 samples, " +
            "then NTC against LTC (A2, E8) on i.i.d. Gaussian sequences at λ = 8, with their gaps to R(D) (about a minute).");
        cmd.SetAction(pr =>
        {
            var o = pr.InvocationConfiguration;
            int rc = LtcApp.Run(["lattice", "list"], o.Output, o.Error);
            if (rc != 0) return rc;
            o.Output.WriteLine();
            rc = LtcApp.Run(["lattice", "nsm", "--lattice", "E8", "--samples", "1000000", "--seed", "1"], o.Output, o.Error);
            if (rc != 0) return rc;
            o.Output.WriteLine();
            o.Output.WriteLine("NTC against LTC on i.i.d. unit Gaussian sequences, λ = 8 (quick profile; docs/results/iid.md has the full curves):");
            var dir = Directory.CreateTempSubdirectory("ltc-demo-").FullName;
            try
            {
                // Rounding recovers scalar quantization (≈ 1.53 dB from R(D)); lattices close the gap by their granular gain.
                var runs = new (string Label, string[] Args, double HighRateGap)[]
                {
                    ("NTC (n = 2, rounding)", ["--dim", "2", "--model", "ntc", "--steps", "4000", "--lr", "3e-3"], 1.533),
                    ("LTC A2 (n = 2)", ["--dim", "2", "--lattice", "A2"], 1.533 - 0.167),
                    ("LTC E8 (n = 8)", ["--dim", "8", "--lattice", "E8"], 1.533 - 0.654),
                };
                var inv = CultureInfo.InvariantCulture;
                o.Output.WriteLine($"  {"model",-24} {"rate (bits/sample)",18} {"SNR (dB)",9} {"gap to R(D)",12} {"high-rate theory",17} {"time",6}");
                foreach (var (label, args, theory) in runs)
                {
                    var sw = System.Diagnostics.Stopwatch.StartNew();
                    var json = new StringWriter();
                    rc = LtcApp.Run(["train", "--source", "gaussian", "--lambda", "8", "--profile", "quick", "--seed", "1", "--json",
                        "--out", Path.Combine(dir, $"{args[1]}-{args[3]}.ltcm"), .. args], json, o.Error);
                    if (rc != 0) return rc;
                    using var doc = JsonDocument.Parse(json.ToString());
                    var r = doc.RootElement;
                    o.Output.WriteLine(string.Format(inv, "  {0,-24} {1,18:F3} {2,9:F2} {3,9:F2} dB {4,14:F2} dB {5,5:F0}s", label,
                        r.GetProperty("rate_bits_per_sample").GetDouble(), r.GetProperty("snr_db").GetDouble(),
                        r.GetProperty("gap_to_rd_db").GetDouble(), theory, sw.Elapsed.TotalSeconds));
                }
            }
            finally
            {
                Directory.Delete(dir, true);
            }
            return 0;
        });
        return cmd;
    }
}
