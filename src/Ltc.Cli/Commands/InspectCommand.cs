using System.CommandLine;
using System.Globalization;
using Ltc.Coding;
using Ltc.IO;
using Ltc.Torch;

namespace Ltc.Cli.Commands;

/// <summary><c>ltc inspect file.ltc</c>: validate a compressed file (magic, version, checksums) and print its header;
/// <c>ltc inspect model.ltcm</c>: what a model file holds.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The .ltc file to check, or a model file (.ltcm) to describe; - (standard input), a pipe (e.g. /dev/stdin) or a FIFO is read as a stream." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var cmd = new Command("inspect", "Validate a compressed .ltc file (magic, version, checksums) and print its header, or say what a model file (.ltcm) holds.");
        cmd.Arguments.Add(file);
        cmd.Options.Add(json);
        cmd.SetAction(pr =>
        {
            var path = CliOptions.StandardStream(pr.GetValue(file)!, write: false);
            var output = pr.InvocationConfiguration.Output;
            var regular = RegularFileHead(path);
            if (regular is { Head: var first, Bytes: var modelBytes } && first.AsSpan().StartsWith(FileSignature.Model))
                return InspectModel(ModelFile.Load(path), path, modelBytes, pr.GetValue(json), output);
            if (regular is { Head: var start }) RefuseNeitherKind(path, start);
            Stream? stream = null;
            if (AtomicFile.KindOf(path) is FileKind.Fifo or FileKind.CharacterDevice or FileKind.Socket or FileKind.Other)
            {
                // A stream cannot be read twice: its first bytes decide whether it holds a model or a .ltc file.
                var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
                var head = new byte[4];
                int got = input.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
                var prefixed = new PrefixedStream(head.AsMemory(0, got), input);
                if (got == head.Length && head.AsSpan().SequenceEqual(FileSignature.Model))
                {
                    using (prefixed)
                    {
                        var model = ModelFile.Load(prefixed, path);
                        return InspectModel(model, path, prefixed.BytesRead, pr.GetValue(json), output);
                    }
                }
                try { RefuseNeitherKind(path, head.AsSpan(0, got)); }
                catch (LtcException) { prefixed.Dispose(); throw; }
                stream = prefixed;
            }
            using var reader = stream is null ? LtcReader.Open(path) : LtcReader.Open(stream, path, own: true);
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

    /// <summary>The first bytes (up to 8) and the size of <paramref name="path"/> when it is a regular, seekable file,
    /// else null (a stream is not read ahead: its bytes would be gone for the reader that follows).</summary>
    private static (byte[] Head, long Bytes)? RegularFileHead(string path)
    {
        try
        {
            // Only a regular file: opening a FIFO here and closing it would lose what its writer sent.
            if (!AtomicFile.IsRegularFile(path)) return null;
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            if (!f.CanSeek) return null;
            var head = new byte[8];
            int got = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return (head[..got], f.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>inspect reads both kinds of file, so one whose first bytes (up to 4) begin neither's magic is called
    /// neither (an empty file, or the start of a magic cut short, is left to the .ltc reader: empty or truncated).</summary>
    private static void RefuseNeitherKind(string path, ReadOnlySpan<byte> head)
    {
        int n = Math.Min(head.Length, 4);
        if (n > 0 && !head[..n].SequenceEqual(FileSignature.Model[..n]) && !head[..n].SequenceEqual(FileSignature.Compressed[..n]))
            throw new LtcException($"{path}: neither an .ltc file nor a model file (.ltcm) (bad magic{FileSignature.ItIs(head)})");
    }

    /// <summary>What a model file holds: its kind and architecture, what it was trained on and how far, whether it can
    /// code files, and its fingerprint (which the <c>.ltc</c> files it writes record).</summary>
    private static int InspectModel(LoadedModel loaded, string path, long bytes, bool json, TextWriter output)
    {
        var (cfg, state, model) = (loaded.Model.Config, loaded.State, loaded.Model);
        string fingerprint = Convert.ToHexStringLower(ModelFile.Fingerprint(model));
        bool lattice = cfg.Model.HasLattice();
        if (json)
        {
            CliOutput.WriteJson(output, new
            {
                File = path,
                Valid = true,
                FileKind = "model",
                FileBytes = bytes,
                Kind = cfg.Model.Name(),
                Lattice = lattice ? cfg.Lattice.Name : null,
                cfg.Dim,
                cfg.LatentDim,
                Block = cfg.Model == ModelKind.BlockLtc ? cfg.Block : (int?)null,
                Transform = cfg.Model == ModelKind.Eclq ? null : cfg.Transform.Name(),
                Hidden = cfg.Model == ModelKind.Eclq ? (int?)null : cfg.Hidden,
                States = cfg.Model == ModelKind.Ttc ? cfg.States : (int?)null,
                TrellisRows = cfg.Model == ModelKind.Ttc ? cfg.TrellisRows : (int?)null,
                Distortion = cfg.Distortion.Name(),
                Entropy = cfg.Entropy.Name(),
                Proxy = cfg.Proxy.Name(),
                cfg.Lambda,
                cfg.Source,
                cfg.Seed,
                StepsTrained = state.Step,
                TrainSeconds = state.Seconds,
                Converged = state.Convergence?.Converged,
                WeightsStep = state.WeightsStep,
                state.InitializedFrom,
                loaded.Unfinished,
                CodingTables = model.Codec is not null,
                Fingerprint = fingerprint,
            });
            return 0;
        }
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"{CliOutput.Escape(path)}: valid model file (.ltcm), {bytes} bytes");
        output.WriteLine($"  model           {cfg.Model.Name()}" + (lattice ? $", lattice {CliOutput.Escape(cfg.Lattice.Name)}" : "") +
            $", {cfg.LatentDim} latent{(cfg.LatentDim == 1 ? "" : "s")}" + (cfg.Model == ModelKind.BlockLtc ? $" per vector, blocks of {cfg.Block}" : "") +
            (cfg.Model == ModelKind.Ttc ? $", {cfg.States}-state trellis over {cfg.TrellisRows} rows" : "") +
            $", {cfg.Entropy.Name()} prior, {cfg.Proxy.Name()} proxy, λ = {cfg.Lambda.ToString("R", inv)}" +
            (cfg.Distortion == DistortionMeasure.Mse ? "" : $", distortion {cfg.Distortion.Name()}"));
        output.WriteLine(cfg.Model == ModelKind.Eclq ? $"  input           d = {cfg.Dim}, no transform (a learned scale)"
            : cfg.Model == ModelKind.BlockLtc
            ? $"  input           d = {cfg.Dim / cfg.Block} per vector ({cfg.Dim} per block), {cfg.Transform.Name()} transforms of width {cfg.Hidden} per vector"
            : $"  input           d = {cfg.Dim}, {cfg.Transform.Name()} transforms of width {cfg.Hidden}");
        string start = state.InitializedFrom is string init ? $", warm-started from the model of fingerprint {init[..16]}" : "";
        string training = state.Step == 0 && state.InitializedFrom is null ? "not trained here (imported or fresh weights)"
            : $"{state.Step} steps, {state.Seconds.ToString("F0", inv)} s, seed {cfg.Seed}" + start +
              (state.Convergence is { } c ? (c.Converged ? ", converged" : ", stopped before converging") : "") +
              (state.WeightsStep is int w ? $", weights of the best check (step {w})" : "");
        output.WriteLine($"  trained on      {CliOutput.Escape(cfg.Source)}: {training}");
        if (loaded.UnfinishedWarning(path) is string unfinished) output.WriteLine($"  unfinished      {unfinished}");
        output.WriteLine($"  coding tables   {(model.Codec is not null ? "fitted: compresses files" : "none: run ltc fit-coder before compressing")}");
        output.WriteLine($"  fingerprint     sha256 {fingerprint}");
        return 0;
    }

    /// <summary>A read-only stream of bytes already read from <paramref name="rest"/>, then the rest of it (the first
    /// bytes decide what a stream holds, and a stream cannot be read twice), counting the bytes it returns.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n;
            if (_prefix.IsEmpty) n = rest.Read(buffer);
            else
            {
                n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
            }
            BytesRead += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) rest.Dispose();
            base.Dispose(disposing);
        }
    }
}
