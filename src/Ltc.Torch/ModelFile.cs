using System.Security.Cryptography;
using System.Text;
using Ltc.IO;
using static TorchSharp.torch;

namespace Ltc.Torch;

/// <summary>A model read from a file, with the state of the training that wrote it.</summary>
/// <param name="Model">The model, in evaluation mode.</param>
/// <param name="State">Where its training stood.</param>
/// <param name="OptimizerState">The optimizer's moments (empty when not saved).</param>
public sealed record LoadedModel(CompressionModel Model, TrainingState State, byte[] OptimizerState)
{
    /// <summary>
    /// For a file of version 1 to 3: the legacy fingerprint (<see cref="ModelFile.LegacyFingerprint"/>) over the
    /// configuration, weights and tables blocks exactly as the file stores them, which is what the build that wrote the
    /// file recorded in its <c>.ltc</c> files; null for version 4 files. <see cref="ModelCodec(LoadedModel)"/> accepts it.
    /// </summary>
    public byte[]? StoredLegacyFingerprint { get; init; }

    /// <summary>
    /// Whether the file is a checkpoint of a training that did not finish (interrupted, failed or still running):
    /// marked so by <see cref="TrainingState.Unfinished"/>, or, in files written before the mark existed, a saved step
    /// count below the configured steps (a run trained until converged, which stops early by design, always has the mark).
    /// </summary>
    public bool Unfinished => State.Unfinished || (State.Convergence is null && State.Step > 0 && State.Step < Model.Config.Steps);

    /// <summary>One line saying that <paramref name="path"/> is an unfinished checkpoint, or null when it is not.</summary>
    public string? UnfinishedWarning(string path) => Unfinished
        ? $"{path} is an unfinished training checkpoint (step {State.Step} of {Model.Config.Steps}{(Model.Codec is null ? ", no coding tables" : "")}); " +
          "finish it with ltc train --resume"
        : null;

    /// <summary>Checks that the model read from <paramref name="path"/> can code (has coding tables) before any work.</summary>
    /// <exception cref="LtcException">It has none; the message names <paramref name="path"/> and the command that fits them.</exception>
    public void RequireCodingTables(string path)
    {
        if (Model.Codec is not null) return;
        // An unfinished checkpoint is usually meant to be finished, not coded with as it is.
        if (Unfinished)
            throw new LtcException($"{path} is an unfinished training checkpoint (step {State.Step} of {Model.Config.Steps}) without coding tables: " +
                $"finish it with ltc train --resume, or run 'ltc fit-coder --model {path}' to code with it as it is");
        throw new LtcException(ModelCodec.NoTablesMessage(path));
    }
}

/// <summary>
/// The <c>.ltcm</c> model file: magic "LTCM", format version, the configuration as JSON, the training state as JSON,
/// every parameter and buffer as named float32 tensors (little-endian), the optimizer state (checkpoints only), the
/// latent codec's frozen coding tables (version 2 on; empty until fitted) and (version 3 on) a SHA-256 of every byte
/// before it. Version 4 has the layout of version 3; its configuration stores a <c>G:</c> lattice whole (name and
/// generator matrix, see <see cref="ModelLattice"/>), and its models are identified by the architecture fingerprint
/// (<see cref="Fingerprint"/>).
/// Each part is a length-prefixed block whose length is checked against the file before it is read; the tensor sizes
/// the configuration implies are checked against the weights block before the network is built. Written atomically,
/// so an interrupted checkpoint leaves the previous one intact.
/// </summary>
/// <remarks>The fingerprint covers the architecture, the weights and the coding tables, not the training settings,
/// training state or optimizer. Versions 1 (no coding tables), 2 (no checksum) and 3 (a <c>G:</c> lattice recorded by
/// path only, read from that path when loaded) are still read. A model can be read from a regular
/// file or, as a bounded stream, from a FIFO or device (at most <see cref="MaxBytes"/> bytes).</remarks>
public static class ModelFile
{
    private static readonly byte[] Magic = FileSignature.Model.ToArray();
    private const int Version = 4;
    private const int ChecksumBytes = 32;

    /// <summary>Largest model file read (1 GiB).</summary>
    public const int MaxBytes = 1 << 30;

    /// <summary>Most tensors in a weights block.</summary>
    private const int MaxTensors = 100_000;

    /// <summary>Writes <paramref name="model"/> (and optional <paramref name="trainingState"/> JSON) to <paramref name="path"/>.</summary>
    public static void Save(string path, CompressionModel model, TrainingState? trainingState = null, byte[]? optimizerState = null)
    {
        var (config, weights) = Serialize(model);
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            WriteBlock(w, config);
            WriteBlock(w, Encoding.UTF8.GetBytes(trainingState?.ToJson() ?? ""));
            WriteBlock(w, weights);
            WriteBlock(w, optimizerState ?? []);
            WriteBlock(w, model.Codec?.ToBytes() ?? []);
        }
        if (ms.Length + ChecksumBytes > MaxBytes) throw new LtcException($"{path}: the model would be larger than {MaxBytes} bytes");
        var buffer = ms.GetBuffer();
        int length = (int)ms.Length;
        var sum = SHA256.HashData(buffer.AsSpan(0, length));
        AtomicFile.Write(path, s =>
        {
            s.Write(buffer, 0, length);
            s.Write(sum);
        });
    }

    /// <summary>Bytes of a fingerprint (SHA-256), as the <c>.ltc</c> header stores it.</summary>
    public const int FingerprintBytes = 32;

    /// <summary>
    /// The model's fingerprint: SHA-256 over a canonical encoding of its architecture (<see cref="ArchitectureBytes"/>),
    /// its weights (every parameter and buffer, by name, shape and float32 value, as the weights block stores them) and
    /// its coding tables (empty before they are fitted). A <c>.ltc</c> file records it, and decoding refuses a file
    /// written by another model.
    /// </summary>
    /// <remarks>
    /// Only what determines what the model computes is covered, so that two models that code alike have the same
    /// fingerprint however they were trained: the training settings (source, λ, steps, batch, learning rate, cell
    /// samples and their sampling, seed, profile) are not, and neither is the training state or the optimizer. The
    /// lattice is covered whole (its name, dimension and generator matrix), so a <c>G:</c> lattice with another matrix
    /// gives another fingerprint. Independent of the machine: integers and floats are little-endian, names UTF-8.
    /// </remarks>
    /// <returns>32 bytes; <see cref="Convert.ToHexStringLower(byte[])"/> for display.</returns>
    public static byte[] Fingerprint(CompressionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (_, weights) = Serialize(model);
        var tables = model.Codec?.ToBytes() ?? [];
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var length = new byte[8];
        foreach (var part in new[] { ArchitectureBytes(model.Config), weights, tables })
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, part.Length);
            sha.AppendData(length);
            sha.AppendData(part);
        }
        return sha.GetHashAndReset();
    }

    /// <summary>
    /// The fingerprint a model had before model file version 4 (the "legacy" definition, which <c>.ltc</c> files written
    /// by those builds record): SHA-256 over the configuration JSON text (UTF-8, as <see cref="ModelConfig.ToJson"/>
    /// writes it but with a <c>G:</c> lattice by its name only, as version 3 stored it), the weights block and, once
    /// fitted, the coding tables block, concatenated without lengths. Decoders accept it next to
    /// <see cref="Fingerprint"/> (<see cref="ModelCodec.AcceptedFingerprints"/>) so that old files still decode.
    /// </summary>
    /// <remarks>It covers training settings (λ, steps, seed, profile, ...) as well; that is why it was replaced.</remarks>
    /// <returns>32 bytes.</returns>
    public static byte[] LegacyFingerprint(CompressionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (_, weights) = Serialize(model);
        return LegacyHash(Encoding.UTF8.GetBytes(LegacyConfigJson(model.Config)), weights, model.Codec?.ToBytes() ?? []);
    }

    /// <summary>The configuration JSON as version 3 wrote it: a <c>G:</c> lattice by its name, without its generator.</summary>
    private static string LegacyConfigJson(ModelConfig config)
    {
        string json = config.ToJson();
        if (config.Lattice.EmbeddedGenerator is null) return json;
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node["lattice"] = config.Lattice.Name;
        return node.ToJsonString(ModelConfig.Json);
    }

    private static byte[] LegacyHash(byte[] config, byte[] weights, byte[] tables)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(config);
        sha.AppendData(weights);
        // Models without tables kept the fingerprint they had before coding tables existed.
        if (tables.Length > 0) sha.AppendData(tables);
        return sha.GetHashAndReset();
    }

    /// <summary>
    /// The canonical encoding of what in <paramref name="config"/> determines the network and its quantizer: a format
    /// tag, then the model kind, source dimension d, latent dimension dy, block length n, transform, hidden width,
    /// entropy model, proxy and distortion (names as UTF-8 strings with a length prefix, numbers as little-endian
    /// int32), then the lattice's name, dimension and n × n generator matrix (float64, little-endian, row-major); for
    /// TTC then the trellis states and the rows per trellis sequence (int32).
    /// </summary>
    public static byte[] ArchitectureBytes(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("ltc-model-architecture/1");
            w.Write(config.Model.Name());
            w.Write(config.Dim);
            w.Write(config.LatentDim);
            w.Write(config.Block);
            w.Write(config.Transform.Name());
            w.Write(config.Hidden);
            w.Write(config.Entropy.Name());
            w.Write(config.Proxy.Name());
            w.Write(config.Distortion.Name());
            var lattice = config.Lattice.Lattice;
            w.Write(config.Lattice.Name);
            w.Write(lattice.Dimension);
            foreach (double g in lattice.Generator) w.Write(g);
            // Only TTC has a trellis: every other kind keeps the bytes (and fingerprints) it always had.
            if (config.Model == ModelKind.Ttc)
            {
                w.Write(config.States);
                w.Write(config.SequenceRows);
            }
        }
        return ms.ToArray();
    }

    /// <summary>Reads a model; any malformed file is a one-line <see cref="LtcException"/>.</summary>
    public static LoadedModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Load(ReadBounded(path), path);
    }

    /// <summary>Reads a model from a stream (a pipe, or one whose first bytes were already read and are put back in
    /// front), at most <see cref="MaxBytes"/>; <paramref name="path"/> names it in messages. The stream is not closed.</summary>
    /// <exception cref="LtcException">Malformed or oversized content (one line).</exception>
    public static LoadedModel Load(Stream stream, string path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(path);
        try { return Load(ReadStream(stream, path), path); }
        catch (IOException e) { throw new LtcException($"{path}: cannot read ({e.Message})"); }
    }

    private static LoadedModel Load(byte[] bytes, string path)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes));
            if (bytes.Length == 0) throw new LtcException($"{path}: empty model file");
            // A start of the magic and nothing more is a file cut short, not another kind of file.
            if (bytes.Length < 8 && bytes.AsSpan().StartsWith(Magic.AsSpan(0, Math.Min(4, bytes.Length))))
                throw new LtcException($"{path}: truncated model file");
            if (bytes.Length < 8 || !r.ReadBytes(4).AsSpan().SequenceEqual(Magic)) throw new LtcException($"{path}: not an ltc model file (bad magic{FileSignature.ItIs(bytes)})");
            // Unsigned, so that random bytes are not reported as a negative version.
            uint version = r.ReadUInt32();
            if (version is not (1 or 2 or 3 or (uint)Version)) throw new LtcException($"{path}: unsupported model format version {version}");
            int v = (int)version;
            long end = bytes.Length;
            if (v >= 3)
            {
                // The checksum comes first: a damaged file is reported as such, not by whichever field it broke.
                if (bytes.Length < 8 + ChecksumBytes) throw new LtcException($"{path}: truncated model file");
                end = bytes.Length - ChecksumBytes;
                if (!ChecksumHolds(bytes, end))
                    throw new LtcException(BlocksRunPastTheEnd(bytes, v)
                        ? $"{path}: truncated model file ({bytes.Length:N0} bytes, shorter than its blocks say)"
                        : $"{path}: model file is corrupt (checksum mismatch)");
            }
            var configBlock = ReadBlock(r, path, end, "configuration");
            var config = ModelConfig.FromJson(Encoding.UTF8.GetString(configBlock), path);
            var state = TrainingState.FromJson(Encoding.UTF8.GetString(ReadBlock(r, path, end, "training state")), path);
            var weights = ReadBlock(r, path, end, "weights");
            var optimizer = ReadBlock(r, path, end, "optimizer state");
            var coder = v >= 2 ? ReadBlock(r, path, end, "coding tables") : [];
            if (r.BaseStream.Position != end) throw new LtcException($"{path}: trailing bytes after the model");
            // Before anything is allocated for the network: the weights block must hold what the configuration implies.
            long stored = CheckWeightsBlock(weights, path);
            long needed = config.ParameterCount();
            if (needed > stored)
                throw new LtcException($"{path}: the configuration needs {needed:N0} weights, but the weights block holds {stored:N0} (corrupt model file)");
            TorchSetup.EnsureConfigured();
            var model = new CompressionModel(config);
            LoadWeights(model, weights, path);
            if (coder.Length > 0) model.Codec = Codec.LatentCodec.Read(coder, path).Bind(model.CodecLattice);
            return new LoadedModel(model, state, optimizer) { StoredLegacyFingerprint = v < Version ? LegacyHash(configBlock, weights, coder) : null };
        }
        catch (EndOfStreamException) { throw new LtcException($"{path}: truncated model file"); }
        catch (DecoderFallbackException) { throw new LtcException($"{path}: corrupt model file (bad text)"); }
        catch (FormatException) { throw new LtcException($"{path}: corrupt model file (bad tensor name)"); }
    }

    /// <summary>
    /// The training state saved in a model file, read without building the model; null when the file is missing, not a
    /// regular file, or malformed. For messages about a checkpoint just written.
    /// </summary>
    public static TrainingState? TryReadState(string path) => TryReadSettings(path)?.State;

    /// <summary>
    /// The configuration and training state saved in a model file, read without building the model; null when the file
    /// is missing, not a regular file, malformed, or (from format version 3) fails its checksum.
    /// </summary>
    public static (ModelConfig Config, TrainingState State)? TryReadSettings(string path)
    {
        if (string.IsNullOrEmpty(path) || !AtomicFile.IsRegularFile(path)) return null;
        try
        {
            var bytes = ReadBounded(path);
            using var r = new BinaryReader(new MemoryStream(bytes));
            if (bytes.Length < 8 || !r.ReadBytes(4).AsSpan().SequenceEqual(Magic)) return null;
            int v = r.ReadInt32();
            long end = v >= 3 ? bytes.Length - ChecksumBytes : bytes.Length;
            if (v >= 3 && (end < 8 || !ChecksumHolds(bytes, end))) return null;
            var config = ModelConfig.FromJson(Encoding.UTF8.GetString(ReadBlock(r, path, end, "configuration")), path);
            return (config, TrainingState.FromJson(Encoding.UTF8.GetString(ReadBlock(r, path, end, "training state")), path));
        }
        catch (Exception e) when (e is LtcException or EndOfStreamException or IOException)
        {
            return null;
        }
    }

    // Format version 3 on: the file ends with the SHA-256 of everything before it.
    private static bool ChecksumHolds(byte[] bytes, long end) =>
        SHA256.HashData(bytes.AsSpan(0, (int)end)).AsSpan().SequenceEqual(bytes.AsSpan((int)end));

    /// <summary>
    /// The bytes of a model file: a regular file up to <see cref="MaxBytes"/>; anything else (a FIFO, <c>/dev/stdin</c>,
    /// a device) as a stream whose magic is checked on its first bytes and which is read to at most that size.
    /// </summary>
    private static byte[] ReadBounded(string path)
    {
        if (path.Length == 0) throw new LtcException("the model path is empty");
        var kind = AtomicFile.KindOf(path);
        if (kind == FileKind.Missing) throw new LtcException($"{path}: model file not found");
        if (kind == FileKind.Directory) throw new LtcException($"{path}: is a directory, not a model file");
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            if (kind == FileKind.Regular)
            {
                long length = fs.Length;
                if (length > MaxBytes) throw new LtcException($"{path}: {length} bytes is larger than a model file can be ({MaxBytes})");
                var all = new byte[length];
                fs.ReadExactly(all);
                return all;
            }
            return ReadStream(fs, path);
        }
        catch (FileNotFoundException) { throw new LtcException($"{path}: model file not found"); }
        catch (DirectoryNotFoundException) { throw new LtcException($"{path}: model file not found"); }
        catch (UnauthorizedAccessException) { throw new LtcException($"{path}: permission denied"); }
        catch (EndOfStreamException) { throw new LtcException($"{path}: truncated model file"); }
        catch (IOException e) { throw new LtcException($"{path}: cannot read ({e.Message})"); }
    }

    /// <summary>A model file read from a stream that cannot seek: its magic checked on the first bytes, then the rest
    /// read to at most <see cref="MaxBytes"/>.</summary>
    private static byte[] ReadStream(Stream stream, string path)
    {
        var head = new byte[8];
        int got = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (got < 4 || !head.AsSpan(0, 4).SequenceEqual(Magic)) throw new LtcException($"{path}: not an ltc model file (bad magic{FileSignature.ItIs(head.AsSpan(0, got))})");
        var ms = new MemoryStream();
        ms.Write(head, 0, got);
        BoundedCopy.CopyTo(stream, ms, MaxBytes, $"{path}: more than {MaxBytes} bytes; not a model file", got);
        return ms.ToArray();
    }

    /// <summary>
    /// Walks the weights block without allocating tensors: names, ranks and shapes must be plausible and the data must
    /// fill the block exactly. Returns the number of float32 values it holds.
    /// </summary>
    private static long CheckWeightsBlock(byte[] weights, string path)
    {
        using var r = new BinaryReader(new MemoryStream(weights));
        int count = r.ReadInt32();
        if (count < 0 || count > MaxTensors) throw new LtcException($"{path}: implausible weight tensor count {count} (corrupt model file)");
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            string name = r.ReadString();
            int rank = r.ReadByte();
            if (rank > 8) throw new LtcException($"{path}: weight '{name}' has rank {rank} (corrupt model file)");
            long n = 1;
            for (int k = 0; k < rank; k++)
            {
                long dim = r.ReadInt64();
                if (dim < 0 || dim > weights.Length) throw new LtcException($"{path}: weight '{name}' has an implausible shape (corrupt model file)");
                n *= dim;
                if (n > weights.Length) throw new LtcException($"{path}: weight '{name}' is larger than the weights block (corrupt model file)");
            }
            if (4 * n > r.BaseStream.Length - r.BaseStream.Position) throw new LtcException($"{path}: weight '{name}' is larger than the weights block (corrupt model file)");
            r.BaseStream.Position += 4 * n;
            total += n;
        }
        if (r.BaseStream.Position != r.BaseStream.Length) throw new LtcException($"{path}: trailing bytes after the weights");
        return total;
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

    // Whether the length prefixes of the blocks (and the checksum after them) need more bytes than the file has: a file
    // cut short, as an interrupted copy leaves it, rather than one damaged in place.
    private static bool BlocksRunPastTheEnd(byte[] bytes, int version)
    {
        long at = 8;
        for (int block = 0; block < (version >= 2 ? 5 : 4); block++)
        {
            if (at + 4 > bytes.Length) return true;
            int len = BitConverter.ToInt32(bytes, (int)at);
            if (len < 0) return false;
            at += 4L + len;
        }
        return at + ChecksumBytes > bytes.Length;
    }

    private static void WriteBlock(BinaryWriter w, byte[] b)
    {
        w.Write(b.Length);
        w.Write(b);
    }

    private static byte[] ReadBlock(BinaryReader r, string path, long end, string block)
    {
        if (end - r.BaseStream.Position < 4) throw new LtcException($"{path}: truncated model file (no {block} block)");
        int len = r.ReadInt32();
        if (len < 0 || len > end - r.BaseStream.Position) throw new LtcException($"{path}: truncated or corrupt model file (the {block} block)");
        return r.ReadBytes(len);
    }
}
