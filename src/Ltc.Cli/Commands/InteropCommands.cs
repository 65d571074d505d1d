using System.CommandLine;
using Ltc.IO;
using Ltc.Torch;

namespace Ltc.Cli.Commands;

/// <summary>
/// <c>ltc export</c> and <c>ltc import</c>: a model file (.ltcm) to and from safetensors, the weights format PyTorch
/// reads (docs/safetensors.md).
/// </summary>
internal static class InteropCommands
{
    private static Option<bool> JsonOption() => new("--json") { Description = "Print one JSON object on stdout and nothing else." };

    public static Command CreateExport()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model file (.ltcm) to export.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Safetensors file to write (written atomically; nothing is written if it fails).", Required = true }.FileOnly();
        var json = JsonOption();
        var cmd = new Command("export", "Export a model's weights, configuration and coding tables to a safetensors file that PyTorch loads (docs/safetensors.md).");
        foreach (var o in new Option[] { model, output, json }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string inPath = pr.GetValue(model)!, outPath = pr.GetValue(output)!;
            AtomicFile.CheckInput(inPath);
            AtomicFile.CheckOutput(outPath, inPath);
            var loaded = ModelFile.Load(inPath);
            var bytes = SafetensorsFile.ToBytes(loaded.Model, loaded.State);
            string text = Report(pr, json, "exported", inPath, outPath, loaded.Model, bytes.LongLength);
            AtomicFile.Write(outPath, s => s.Write(bytes));
            pr.InvocationConfiguration.Output.WriteLine(text);
            return 0;
        });
        return cmd;
    }

    public static Command CreateImport()
    {
        var input = new Option<string>("--in", "-i") { Description = "Safetensors file written by ltc export (or re-saved from PyTorch with the same names and metadata).", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Model file (.ltcm) to write (written atomically; nothing is written if it fails).", Required = true }.FileOnly();
        var json = JsonOption();
        var cmd = new Command("import", "Import a safetensors export back into a model file; the model's fingerprint is the exported one's.");
        foreach (var o in new Option[] { input, output, json }) cmd.Options.Add(o);
        cmd.SetAction(pr =>
        {
            string inPath = pr.GetValue(input)!, outPath = pr.GetValue(output)!;
            AtomicFile.CheckInput(inPath);
            AtomicFile.CheckOutput(outPath, inPath);
            if (ModelCommands.ModelNameWarning(outPath) is string misnamed) LtcApp.Warn(misnamed);
            var loaded = SafetensorsFile.Import(inPath);
            string text = Report(pr, json, "imported", inPath, outPath, loaded.Model, null);
            ModelFile.Save(outPath, loaded.Model, loaded.State);
            pr.InvocationConfiguration.Output.WriteLine(text);
            return 0;
        });
        return cmd;
    }

    // Rendered before the output is written: a report that cannot be printed leaves nothing behind.
    private static string Report(ParseResult pr, Option<bool> json, string verb, string inPath, string outPath, CompressionModel model, long? bytes)
    {
        int tensors = model.state_dict().Count;
        long weights = model.Config.ParameterCount();
        var fingerprint = Convert.ToHexStringLower(ModelFile.Fingerprint(model));
        if (pr.GetValue(json))
            return CliOutput.ToJson(new
            {
                Input = inPath,
                Output = outPath,
                Model = model.Config.Model.Name(),
                Tensors = tensors,
                Weights = weights,
                CodingTables = model.Codec is not null,
                FileBytes = bytes,
                Fingerprint = fingerprint,
            });
        string tables = model.Codec is null ? "no coding tables" : "coding tables";
        string size = bytes is long b ? $", {b} bytes" : "";
        return $"{verb} {model.Config.Model.Name()} model {CliOutput.Escape(inPath)} → {CliOutput.Escape(outPath)}: {tensors} tensors, {weights} weights, {tables}{size}, fingerprint {fingerprint[..16]}";
    }
}
