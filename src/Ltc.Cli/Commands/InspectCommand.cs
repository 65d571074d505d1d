using System.CommandLine;
using Ltc.Coding;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc inspect file.ltc</c>: validate a compressed file (magic, version, checksums) and print its header.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The .ltc file to check; - (standard input), a pipe (e.g. /dev/stdin) or a FIFO is read as a stream." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var cmd = new Command("inspect", "Validate a compressed .ltc file (magic, version, checksums) and print its header.");
        cmd.Arguments.Add(file);
        cmd.Options.Add(json);
        cmd.SetAction(pr =>
        {
            var path = CliOptions.StandardStream(pr.GetValue(file)!, write: false);
            var output = pr.InvocationConfiguration.Output;
            using var reader = LtcReader.Open(path);
            long payload = reader.ValidateAll();
            var h = reader.Header;
            if (pr.GetValue(json))
            {
                CliOutput.WriteJson(output, new
                {
                    File = path,
                    Valid = true,
                    FileBytes = reader.FileBytes,
                    HeaderBytes = reader.HeaderBytes,
                    h.Version,
                    ModelFingerprint = h.FingerprintHex,
                    h.ModelName,
                    ElementType = h.ElementType.ToString().ToLowerInvariant(),
                    h.Shape,
                    h.Reconstruction,
                    Extra = h.Extra.ToDictionary(e => e.Key, e => new { Type = e.Type.ToString().ToLowerInvariant(), Bytes = e.Value.Length, Value = e.ToString() }),
                    h.ChunkCount,
                    PayloadBytes = payload,
                });
                return 0;
            }
            // Text from the file (model name, extra fields) and the path are escaped: a header cannot drive the terminal.
            output.WriteLine($"{CliOutput.Escape(path)}: valid .ltc file, {reader.FileBytes} bytes");
            output.WriteLine($"  version         {h.Version}");
            output.WriteLine($"  model           {(h.ModelName.Length > 0 ? CliOutput.Escape(h.ModelName) : "(unnamed)")}  sha256 {h.FingerprintHex}");
            output.WriteLine($"  tensor          {h.ElementType.ToString().ToLowerInvariant()} [{string.Join(", ", h.Shape)}]");
            // Model codecs decode through the model's synthesis transform and store no parameters here; an empty list
            // printed as "[]" read like a missing field.
            output.WriteLine(h.Reconstruction.Count == 0
                ? "  reconstruction  none (the model decodes)"
                : $"  reconstruction  [{string.Join(", ", h.Reconstruction.Select(r => r.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}] (the model's parameters)");
            foreach (var e in h.Extra) output.WriteLine($"  extra {CliOutput.Escape(e.Key),-12} {e.Type.ToString().ToLowerInvariant(),-12} {CliOutput.Escape(e.ToString())}");
            output.WriteLine($"  header          {reader.HeaderBytes} bytes");
            output.WriteLine($"  chunks          {h.ChunkCount} ({payload} payload bytes, checksums ok)");
            return 0;
        });
        return cmd;
    }
}
