using System.Security.Cryptography;
using System.Text;
using Ltc.IO;
using static TorchSharp.torch;

namespace Ltc.Torch;

/// <summary>A model read from a file, with the state of the training that wrote it.</summary>
/// <param name="Model">The model, in evaluation mode.</param>
/// <param name="State">Where its training stood.</param>
/// <param name="OptimizerState">The optimizer's moments (empty when not saved).</param>
public sealed record LoadedModel(CompressionModel Model, TrainingState State, byte[] OptimizerState);

/// <summary>
/// The <c>.ltcm</c> model file: magic "LTCM", format version, the configuration as JSON, the training state as JSON,
/// every parameter and buffer as named float32 tensors (little-endian), the optimizer state (checkpoints only), and
/// (version 2) the latent codec's frozen coding tables (empty until fitted).
/// Each part is a length-prefixed block whose length is checked against the file before it is read. Written
/// atomically, so an interrupted checkpoint leaves the previous one intact.
/// </summary>
/// <remarks>The fingerprint covers the configuration, the weights and the coding tables, not the training state or
/// optimizer. Version 1 files (no coding tables) are still read.</remarks>
public static class ModelFile
{
    private static readonly byte[] Magic = "LTCM"u8.ToArray();
    private const int Version = 2;

    /// <summary>Writes <paramref name="model"/> (and optional <paramref name="trainingState"/> JSON) to <paramref name="path"/>.</summary>
    public static void Save(string path, CompressionModel model, TrainingState? trainingState = null, byte[]? optimizerState = null)
    {
        var (config, weights) = Serialize(model);
        AtomicFile.Write(path, s =>
        {
            using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(Version);
            WriteBlock(w, config);
            WriteBlock(w, Encoding.UTF8.GetBytes(trainingState?.ToJson() ?? ""));
            WriteBlock(w, weights);
            WriteBlock(w, optimizerState ?? []);
            WriteBlock(w, model.Codec?.ToBytes() ?? []);
        });
    }

    /// <summary>A stable SHA-256 fingerprint (hex) over the configuration JSON and the weights.</summary>
    public static string Fingerprint(CompressionModel model)
    {
        var (config, weights) = Serialize(model);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(config);
        sha.AppendData(weights);
        // Models without tables keep the fingerprint they had before coding tables existed.
        if (model.Codec is { } codec) sha.AppendData(codec.ToBytes());
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Reads a model; any malformed file is a one-line <see cref="LtcException"/>.</summary>
    public static LoadedModel Load(string path)
    {
        if (!File.Exists(path)) throw new LtcException($"{path}: model file not found");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw new LtcException($"{path}: cannot read ({e.Message})"); }
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes));
            if (bytes.Length < 8 || !r.ReadBytes(4).AsSpan().SequenceEqual(Magic)) throw new LtcException($"{path}: not an ltc model file (bad magic)");
            int v = r.ReadInt32();
            if (v is not (1 or Version)) throw new LtcException($"{path}: unsupported model format version {v}");
            var config = ModelConfig.FromJson(Encoding.UTF8.GetString(ReadBlock(r, path)), path);
            var state = TrainingState.FromJson(Encoding.UTF8.GetString(ReadBlock(r, path)), path);
            var weights = ReadBlock(r, path);
            var optimizer = ReadBlock(r, path);
            var coder = v >= 2 ? ReadBlock(r, path) : [];
            if (r.BaseStream.Position != bytes.Length) throw new LtcException($"{path}: trailing bytes after the model");
            var model = new CompressionModel(config);
            LoadWeights(model, weights, path);
            if (coder.Length > 0) model.Codec = Codec.LatentCodec.Read(coder, path).Bind(model.CodecLattice);
            return new LoadedModel(model, state, optimizer);
        }
        catch (EndOfStreamException) { throw new LtcException($"{path}: truncated model file"); }
        catch (DecoderFallbackException) { throw new LtcException($"{path}: corrupt model file (bad text)"); }
    }

    private static (byte[] Config, byte[] Weights) Serialize(CompressionModel model)
    {
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            var sd = model.state_dict();
            w.Write(sd.Count);
            foreach (var (name, t) in sd)
            {
                w.Write(name);
                w.Write((byte)t.dim());
                foreach (var s in t.shape) w.Write(s);
                var data = t.detach().to(float32).cpu().contiguous().data<float>().ToArray();
                foreach (var f in data) w.Write(f);
            }
        }
        return (Encoding.UTF8.GetBytes(model.Config.ToJson()), ms.ToArray());
    }

    private static void LoadWeights(CompressionModel model, byte[] weights, string path)
    {
        using var r = new BinaryReader(new MemoryStream(weights));
        var sd = model.state_dict();
        int count = r.ReadInt32();
        if (count != sd.Count) throw new LtcException($"{path}: {count} weight tensors, but the configuration needs {sd.Count}");
        using var _ = no_grad();
        for (int i = 0; i < count; i++)
        {
            var name = r.ReadString();
            if (!sd.TryGetValue(name, out var target)) throw new LtcException($"{path}: unexpected weight tensor '{name}'");
            int rank = r.ReadByte();
            var shape = new long[rank];
            for (int k = 0; k < rank; k++) shape[k] = r.ReadInt64();
            if (!shape.SequenceEqual(target.shape)) throw new LtcException($"{path}: weight '{name}' has shape [{string.Join(",", shape)}], expected [{string.Join(",", target.shape)}]");
            long n = shape.Aggregate(1L, (a, b) => a * b);
            var data = new float[n];
            for (long k = 0; k < n; k++)
            {
                data[k] = r.ReadSingle();
                if (!float.IsFinite(data[k])) throw new LtcException($"{path}: weight '{name}' contains NaN or infinity");
            }
            target.copy_(tensor(data, shape));
        }
        if (r.BaseStream.Position != r.BaseStream.Length) throw new LtcException($"{path}: trailing bytes after the weights");
    }

    private static void WriteBlock(BinaryWriter w, byte[] b)
    {
        w.Write(b.Length);
        w.Write(b);
    }

    private static byte[] ReadBlock(BinaryReader r, string path)
    {
        int len = r.ReadInt32();
        if (len < 0 || len > r.BaseStream.Length - r.BaseStream.Position) throw new LtcException($"{path}: truncated or corrupt model file");
        return r.ReadBytes(len);
    }
}
