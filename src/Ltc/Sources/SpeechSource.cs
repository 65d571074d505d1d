using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Ltc.Audio;
using NAudio.Wave;

namespace Ltc.Sources;

/// <summary>
/// 33-dimensional log-magnitude STFT frames of Free Spoken Digit Dataset recordings (<c>{digit}_{speaker}_{index}.wav</c>,
/// 16-bit PCM mono), as the LTC speech experiments build them (see <see cref="LogSpectrogram"/>): recordings with
/// index 0–4 are the test split, index 5 and above the train split; frames of all recordings are concatenated (files in
/// order of digit, then index) and the per-dimension train mean is subtracted from both splits.
/// </summary>
public sealed partial class SpeechSource : DataSetSource
{
    /// <summary>The folder inside the shared data set.</summary>
    public const string DefaultFolder = "fsdd-theo";

    private static readonly ConcurrentDictionary<(string, string?), SpeechSource> Cache = new();

    private SpeechSource(string name, string folder, double[] train, double[] test, int trainFiles, int testFiles)
        : base(train, test, LogSpectrogram.Bins)
    {
        Name = name;
        Folder = folder;
        TrainFiles = trainFiles;
        TestFiles = testFiles;
    }

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
        var files = Directory.EnumerateFiles(folder, "*.wav")
            .Select(f => (Path: f, Match: FileName().Match(System.IO.Path.GetFileName(f))))
            .Where(f => f.Match.Success && (speaker is null || f.Match.Groups[2].Value.Equals(speaker, StringComparison.OrdinalIgnoreCase)))
            .Select(f => (f.Path, Digit: int.Parse(f.Match.Groups[1].Value), Index: int.Parse(f.Match.Groups[3].Value)))
            .OrderBy(f => f.Digit).ThenBy(f => f.Index).ThenBy(f => f.Path, StringComparer.Ordinal)
            .ToArray();
        var train = files.Where(f => f.Index >= 5).Select(f => f.Path).ToArray();
        var test = files.Where(f => f.Index < 5).Select(f => f.Path).ToArray();
        string who = speaker is null ? "" : $" of speaker '{speaker}'";
        if (train.Length == 0 || test.Length == 0)
            throw new LtcException($"{folder}: need recordings{who} named digit_speaker_index.wav with index 0–4 (test) and 5+ (train); found {train.Length} train and {test.Length} test");
        var trainRows = Frames(train);
        var testRows = Frames(test);
        if (trainRows.Length == 0 || testRows.Length == 0) throw new LtcException($"{folder}: recordings{who} are shorter than one frame ({LogSpectrogram.FrameLength} samples)");
        RemoveMean(trainRows, LogSpectrogram.Bins, trainRows, testRows);
        return new SpeechSource(name, folder, trainRows, testRows, train.Length, test.Length);
    }

    /// <summary>The features of the given recordings, concatenated in order.</summary>
    private static double[] Frames(string[] paths)
    {
        var parts = new double[paths.Length][];
        try
        {
            Parallel.For(0, paths.Length, i =>
            {
                var signal = ReadPcm16(paths[i]);
                parts[i] = new double[LogSpectrogram.FrameCount(signal.Length) * LogSpectrogram.Bins];
                LogSpectrogram.Compute(signal, parts[i]);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is LtcException) is LtcException first)
        {
            throw new LtcException(first.Message); // the first bad file, as the one-line error
        }
        var all = new double[parts.Sum(p => (long)p.Length)];
        long o = 0;
        foreach (var p in parts) { p.CopyTo(all, o); o += p.Length; }
        return all;
    }

    /// <summary>Reads a 16-bit PCM mono WAV file as samples / 32768.</summary>
    public static double[] ReadPcm16(string path)
    {
        try
        {
            using var reader = new WaveFileReader(path);
            var f = reader.WaveFormat;
            if (f.Encoding != WaveFormatEncoding.Pcm || f.BitsPerSample != 16 || f.Channels != 1)
                throw new LtcException($"{path}: expected 16-bit PCM mono, got {f.Encoding} {f.BitsPerSample}-bit, {f.Channels} channel(s)");
            if (reader.Length > 1L << 31) throw new LtcException($"{path}: recording too long ({reader.Length} bytes)");
            var bytes = new byte[reader.Length];
            int read = 0;
            while (read < bytes.Length)
            {
                int n = reader.Read(bytes, read, bytes.Length - read);
                if (n == 0) break;
                read += n;
            }
            var samples = new double[read / 2];
            for (int i = 0; i < samples.Length; i++) samples[i] = BitConverter.ToInt16(bytes, 2 * i) / 32768.0;
            return samples;
        }
        catch (Exception e) when (e is FormatException or EndOfStreamException or InvalidDataException or ArgumentException)
        {
            throw new LtcException($"{path}: not a readable WAV file ({e.Message.ReplaceLineEndings(" ")})");
        }
    }
}
