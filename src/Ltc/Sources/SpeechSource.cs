using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Ltc.Audio;

namespace Ltc.Sources;

/// <summary>
/// 33-dimensional log-magnitude STFT frames of Free Spoken Digit Dataset recordings (<c>{digit}_{speaker}_{index}.wav</c>,
/// 16-bit PCM mono), as the LTC speech experiments build them (see <see cref="LogSpectrogram"/>): recordings with
/// index 0–4 are the test split, index 5 and above the train split; frames of all recordings are concatenated (files in
/// order of digit, then index) and the per-dimension train mean is subtracted from both splits.
/// </summary>
/// <remarks>
/// File names match case-insensitively (<c>0_theo_0.WAV</c> too). Every file that scipy.io.wavfile reads as 16-bit
/// mono is read (<see cref="ReadPcm16"/>); a file that cannot be read is skipped and named, with the reason, in
/// <see cref="Warnings"/>, and so is a recording whose data ends in a partial sample or before its declared length.
/// </remarks>
public sealed partial class SpeechSource : DataSetSource
{
    /// <summary>The folder inside the shared data set.</summary>
    public const string DefaultFolder = "fsdd-theo";

    private static readonly ConcurrentDictionary<(string, string?), SpeechSource> Cache = new();

    private SpeechSource(string name, string folder, double[] train, double[] test, int trainFiles, int testFiles, IReadOnlyList<string> warnings, IReadOnlyList<string> files)
        : base(train, test, LogSpectrogram.Bins)
    {
        Name = name;
        Folder = folder;
        TrainFiles = trainFiles;
        TestFiles = testFiles;
        Warnings = warnings;
        InputFiles = files;
    }

    /// <inheritdoc/>
    /// <remarks>One line per recording that was skipped (and why) or read only in part.</remarks>
    public override IReadOnlyList<string> Warnings { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> InputFiles { get; }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <summary>The folder read.</summary>
    public string Folder { get; }

    /// <summary>Recordings in the train split.</summary>
    public int TrainFiles { get; }

    /// <summary>Recordings in the test split.</summary>
    public int TestFiles { get; }

    [GeneratedRegex(@"^(\d+)_([^_]+)_(\d+)\.wav$", RegexOptions.IgnoreCase)]
    private static partial Regex FileName();

    /// <summary>
    /// Loads (once per process) the recordings of <paramref name="folder"/> (default: the shared <c>fsdd-theo</c>),
    /// optionally only those of <paramref name="speaker"/>.
    /// </summary>
    public static SpeechSource Load(string? folder = null, string? speaker = null, string? name = null)
    {
        folder = Path.GetFullPath(folder ?? DataPaths.Resolve(DefaultFolder));
        return Cache.GetOrAdd((folder, speaker), key => Build(key.Item1, key.Item2, name ?? "speech"));
    }

    private static SpeechSource Build(string folder, string? speaker, string name)
    {
        if (!Directory.Exists(folder)) throw new LtcException($"{folder}: speech folder not found");
        var options = new EnumerationOptions { MatchCasing = MatchCasing.CaseInsensitive, RecurseSubdirectories = false };
        var files = Directory.EnumerateFiles(folder, "*.wav", options)
            .Select(f => (Path: f, Match: FileName().Match(System.IO.Path.GetFileName(f))))
            .Where(f => f.Match.Success && (speaker is null || f.Match.Groups[2].Value.Equals(speaker, StringComparison.OrdinalIgnoreCase)))
            .Select(f => (f.Path, Digit: Number(f.Match.Groups[1].Value), Index: Number(f.Match.Groups[3].Value)))
            .OrderBy(f => f.Digit).ThenBy(f => f.Index).ThenBy(f => f.Path, StringComparer.Ordinal)
            .ToArray();
        string who = speaker is null ? "" : $" of speaker '{speaker}'";
        var warnings = new List<string>();
        var (trainRows, trainFiles) = Frames(files.Where(f => f.Index >= 5).Select(f => f.Path).ToArray(), warnings);
        var (testRows, testFiles) = Frames(files.Where(f => f.Index < 5).Select(f => f.Path).ToArray(), warnings);
        if (trainFiles == 0 || testFiles == 0)
        {
            var skipped = warnings.FirstOrDefault(w => w.Contains("skipped", StringComparison.Ordinal));
            throw new LtcException($"{folder}: need readable recordings{who} named digit_speaker_index.wav with index 0–4 (test) and 5+ (train); found {trainFiles} train and {testFiles} test"
                + (skipped is null ? "" : $" ({warnings.Count(w => w.Contains("skipped", StringComparison.Ordinal))} skipped, e.g. {skipped})"));
        }
        if (trainRows.Length == 0 || testRows.Length == 0) throw new LtcException($"{folder}: recordings{who} are shorter than one frame ({LogSpectrogram.FrameLength} samples)");
        RemoveMean(trainRows, LogSpectrogram.Bins, trainRows, testRows);
        return new SpeechSource(name, folder, trainRows, testRows, trainFiles, testFiles, warnings, files.Select(f => f.Path).ToArray());
    }

    // Digits of a file name as a number; absurdly long ones saturate rather than throw.
    private static int Number(string digits) => int.TryParse(digits, out int v) ? v : int.MaxValue;

    /// <summary>
    /// The features of the given recordings, concatenated in order, and how many were read; unreadable ones are
    /// skipped with a line in <paramref name="warnings"/>.
    /// </summary>
    private static (double[] Rows, int Files) Frames(string[] paths, List<string> warnings)
    {
        var parts = new double[paths.Length][];
        var notes = new string?[paths.Length];
        Parallel.For(0, paths.Length, i =>
        {
            try
            {
                var wav = ReadWav(paths[i]);
                notes[i] = wav.Note;
                parts[i] = new double[LogSpectrogram.FrameCount(wav.Samples.Length) * LogSpectrogram.Bins];
                LogSpectrogram.Compute(wav.Samples, parts[i]);
            }
            catch (LtcException e)
            {
                notes[i] = $"{System.IO.Path.GetFileName(paths[i])}: skipped ({e.Message.Replace(paths[i] + ": ", "", StringComparison.Ordinal)})";
            }
        });
        foreach (var n in notes) if (n != null) warnings.Add(n);
        var read = parts.Where(p => p != null).ToArray();
        var all = new double[read.Sum(p => (long)p.Length)];
        long o = 0;
        foreach (var p in read) { p.CopyTo(all, o); o += p.Length; }
        return (all, read.Length);
    }

    /// <summary>
    /// Reads a WAV file as samples / 32768 wherever scipy.io.wavfile.read would return 16-bit mono (int16, one
    /// channel): RIFF or RIFX (big-endian), PCM given directly or through WAVE_FORMAT_EXTENSIBLE with the PCM
    /// sub-format, 2 bytes per sample and one channel; chunks in any order, unknown chunks skipped, the last fmt and data
    /// chunks used. Only whole samples are read: a data chunk of an odd byte count, or a file that ends before its data
    /// chunk does, gives the samples it holds completely.
    /// </summary>
    /// <exception cref="LtcException">The file is not a WAV file scipy would read as 16-bit mono (the message says why),
    /// or it cannot be read.</exception>
    public static double[] ReadPcm16(string path) => ReadWav(path).Samples;

    private const uint RiffId = 0x46464952, RifxId = 0x58464952, WaveId = 0x45564157, FmtId = 0x20746d66, DataId = 0x61746164;

    private static (double[] Samples, string? Note) ReadWav(string path)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return ReadWav(f, path);
        }
        catch (FileNotFoundException) { throw new LtcException($"{path}: file not found"); }
        catch (UnauthorizedAccessException) { throw new LtcException($"{path}: permission denied"); }
        catch (IOException e) { throw new LtcException($"{path}: cannot read ({e.Message})"); }
    }

    private static (double[] Samples, string? Note) ReadWav(Stream f, string path)
    {
        Span<byte> b = stackalloc byte[40];
        long length = f.Length;
        if (f.ReadAtLeast(b[..12], 12, throwOnEndOfStream: false) < 12) throw new LtcException($"{path}: not a WAV file (shorter than a RIFF header)");
        uint id = BinaryPrimitives.ReadUInt32LittleEndian(b);
        if (id != RiffId && id != RifxId) throw new LtcException($"{path}: not a WAV file (no RIFF or RIFX signature)");
        bool big = id == RifxId;
        uint U32(ReadOnlySpan<byte> s) => big ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
        ushort U16(ReadOnlySpan<byte> s) => big ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
        long fileSize = (long)U32(b[4..]) + 8;
        if (BinaryPrimitives.ReadUInt32LittleEndian(b[8..]) != WaveId) throw new LtcException($"{path}: not a WAV file (RIFF form is not WAVE)");
        bool haveFmt = false;
        int formatTag = 0, channels = 0, blockAlign = 0, bits = 0;
        double[]? samples = null;
        string? note = null;
        long pos = 12;
        while (pos < fileSize)
        {
            f.Position = pos;
            int got = f.ReadAtLeast(b[..8], 8, throwOnEndOfStream: false);
            if (got == 0 || (got < 8 && samples != null && haveFmt))
            {
                if (samples != null) break; // scipy warns and stops at a premature end once it has the data
                throw new LtcException($"{path}: unexpected end of file before a data chunk");
            }
            if (got < 8) throw new LtcException($"{path}: incomplete chunk header at byte {pos}");
            uint chunk = BinaryPrimitives.ReadUInt32LittleEndian(b);
            long size = U32(b[4..]);
            long body = pos + 8;
            if (chunk == FmtId)
            {
                if (size < 16) throw new LtcException($"{path}: fmt chunk of {size} bytes is too short");
                int n = (int)Math.Min(size, 40);
                if (f.ReadAtLeast(b[..n], n, throwOnEndOfStream: false) < n) throw new LtcException($"{path}: truncated fmt chunk");
                formatTag = U16(b);
                channels = U16(b[2..]);
                uint rate = U32(b[4..]), byteRate = U32(b[8..]);
                blockAlign = U16(b[12..]);
                bits = U16(b[14..]);
                if (formatTag == 0xFFFE && size >= 18)
                {
                    int extra = U16(b[16..]);
                    if (extra < 22 || size < 40) throw new LtcException($"{path}: WAVE_FORMAT_EXTENSIBLE fmt chunk is not compliant");
                    // Sub-format GUID at 24: its first 4 bytes are the format tag when the rest is the standard tail.
                    ReadOnlySpan<byte> tailLe = [0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
                    ReadOnlySpan<byte> tailBe = [0x00, 0x00, 0x00, 0x10, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
                    if (b.Slice(28, 12).SequenceEqual(big ? tailBe : tailLe)) formatTag = (int)U32(b[24..]);
                }
                if (formatTag is not (1 or 3)) throw new LtcException($"{path}: expected 16-bit PCM mono, got format tag 0x{formatTag:X4}");
                if (formatTag == 1 && byteRate != (long)rate * blockAlign)
                    throw new LtcException($"{path}: invalid WAV header (bytes per second {byteRate} is not {rate} × {blockAlign})");
                haveFmt = true;
            }
            else if (chunk == DataId)
            {
                if (!haveFmt) throw new LtcException($"{path}: data chunk before the fmt chunk");
                if (channels == 0) throw new LtcException($"{path}: fmt chunk says 0 channels");
                int bytesPerSample = blockAlign / channels;
                bool int16 = formatTag == 1 && (bits == 0 || bits >= 9) && bits <= 64 && bytesPerSample == 2;
                if (!int16 || channels != 1)
                    throw new LtcException($"{path}: expected 16-bit PCM mono, got {(formatTag == 3 ? "float" : "PCM")} {bits}-bit in {bytesPerSample}-byte samples, {channels} channel(s)");
                if (size > 1L << 31) throw new LtcException($"{path}: recording too long ({size} bytes)");
                long present = Math.Min(size, Math.Max(0, length - body));
                long count = present / 2;
                var raw = new byte[count * 2];
                f.ReadExactly(raw);
                samples = new double[count];
                for (int i = 0; i < count; i++)
                {
                    short v = big ? BinaryPrimitives.ReadInt16BigEndian(raw.AsSpan(2 * i)) : BinaryPrimitives.ReadInt16LittleEndian(raw.AsSpan(2 * i));
                    samples[i] = v / 32768.0;
                }
                note = present < size
                    ? $"{System.IO.Path.GetFileName(path)}: data chunk declares {size} bytes but the file holds {present}: read its {count} whole samples"
                    : size % 2 != 0 ? $"{System.IO.Path.GetFileName(path)}: data chunk of {size} bytes ends in a partial sample: read its {count} whole samples" : null;
            }
            // Every other chunk (fact, LIST, JUNK, ...) is skipped; odd sizes are followed by a pad byte.
            pos = body + size + (size & 1);
        }
        if (samples is null) throw new LtcException($"{path}: no data chunk");
        return (samples, note);
    }
}
