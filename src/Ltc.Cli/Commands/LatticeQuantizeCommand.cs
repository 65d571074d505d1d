using System.CommandLine;
using System.Runtime.InteropServices;
using Ltc.IO;
using Ltc.Lattices;
using static Ltc.Cli.Commands.LatticeCommands;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc lattice quantize</c>: closest lattice points of the vectors in a .npy file.</summary>
internal static class LatticeQuantizeCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout and nothing else (on stderr when an array goes to standard output)." };
        var name = LatticeOption();
        var unit = UnitVolumeOption();
        var coords = new Option<string?>("--coords") { Description = "Also write the integer coordinates k (y = kG) as int64 .npy." };
        var threads = ThreadsOption($"Worker threads (0 = all cores, the default; at most {MaxThreads}).");
        var input = new Argument<string>("input") { Description = "float32 or float64 .npy of shape (count, n); - reads standard input." };
        var outputPath = new Argument<string>("output") { Description = "Closest lattice points, same shape and type as the input; - writes standard output." };
        var cmd = new Command("quantize", "Closest lattice points of the vectors in a .npy file.");
        foreach (var o in new Option[] { name, unit, coords, threads, json }) cmd.Options.Add(o);
        cmd.Arguments.Add(input);
        cmd.Arguments.Add(outputPath);
        cmd.SetAction(pr =>
        {
            var l = Load(pr.GetValue(name)!, pr.GetValue(unit));
            int n = l.Dimension;
            string inPath = CliOptions.StandardStream(pr.GetValue(input)!, write: false), outPath = CliOptions.StandardStream(pr.GetValue(outputPath)!, write: true);
            string? coordsPath = pr.GetValue(coords) is string c ? CliOptions.StandardStream(c, write: true) : null;
            // An array written to standard output leaves the report to stderr.
            var output = CliOptions.ReportWriter(pr, outPath, coordsPath);
            // Every path is checked before any work, and no output may be an input or the other output.
            AtomicFile.CheckInput(inPath);
            AtomicFile.CheckOutput(outPath, inPath);
            if (coordsPath != null)
            {
                AtomicFile.CheckOutput(coordsPath, inPath);
                if (AtomicFile.SameFile(coordsPath, outPath) || Path.GetFullPath(coordsPath) == Path.GetFullPath(outPath))
                    throw new LtcException($"{coordsPath}: --coords must differ from the output");
            }
            var a = Npy.ReadMatrix(inPath, n);
            if (a.Type is not (NpyType.Float32 or NpyType.Float64))
                throw new LtcException($"{inPath}: expected float32 or float64 vectors, got {a.Type.ToString().ToLowerInvariant()}");
            int count = a.Rows;
            // float32 inputs were widened exactly, so decoding the doubles is the float32 path, done in float64.
            var y = new double[a.Data.Length];
            l.ClosestPoints(a.Data, y, pr.GetValue(threads));
            long[]? k = null;
            if (coordsPath != null)
            {
                k = new long[y.Length];
                try { l.CheckedCoordinates(y, k); }
                catch (LtcException e) { throw new LtcException($"{inPath}: {e.Message}", e); }
            }
            // Both outputs or neither.
            using (var files = new AtomicFileSet())
            {
                byte[] points;
                if (a.Type == NpyType.Float32)
                {
                    var f = new float[y.Length];
                    for (int i = 0; i < y.Length; i++) f[i] = (float)y[i];
                    points = Npy.Encode("<f4", MemoryMarshal.AsBytes(f.AsSpan()), f.Length, [count, n]);
                }
                else points = Npy.Encode("<f8", MemoryMarshal.AsBytes(y.AsSpan()), y.Length, [count, n]);
                files.Write(outPath, s => s.Write(points));
                if (k != null)
                {
                    var coordBytes = Npy.Encode("<i8", MemoryMarshal.AsBytes(k.AsSpan()), k.Length, [count, n]);
                    files.Write(coordsPath!, s => s.Write(coordBytes));
                }
                files.Commit();
            }
            string type = a.Type.ToString().ToLowerInvariant();
            if (pr.GetValue(json))
                CliOutput.WriteJson(output, new { Lattice = l.Name, Dimension = n, Count = count, Type = type, Output = outPath, Coords = coordsPath });
            else
                output.WriteLine($"{count} {type} vectors quantized to {l.Name}{(pr.GetValue(unit) ? " (unit volume)" : "")} -> {outPath}{(coordsPath != null ? $", coordinates -> {coordsPath}" : "")}");
            return 0;
        });
        return cmd;
    }
}
