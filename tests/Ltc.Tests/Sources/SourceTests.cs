using Ltc.Audio;
using Ltc.IO;
using Ltc.Sources;
using NAudio.Wave;

namespace Ltc.Tests.Sources;

public class SourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-src-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string PhysicsFile => Path.Combine(TestPaths.SharedData, "physics", "ppzee-split=test.npy");

    [Fact]
    public void BananaHasTheMomentsOfTheConstruction()
    {
        // Independent computation of the same construction: Cov(a) = diag(9, 0.25 + 0.01·Var(z0²)) with Var(z0²) = 2·3⁴,
        // rotated by −240°, coordinates swapped, divided by the pooled variance trace/2.
        double c = Math.Cos(-240 * Math.PI / 180), s = Math.Sin(-240 * Math.PI / 180);
        double va = 9, vb = 0.25 + 0.01 * 2 * 81;
        double c00 = c * c * va + s * s * vb, c11 = s * s * va + c * c * vb, c01 = c * s * (va - vb);
        double scale = (va + vb) / 2;
        var expected = new[,] { { c11 / scale, c01 / scale }, { c01 / scale, c00 / scale } };

        const int n = 400_000;
        var x = new BananaSource().Sample(SourceSplit.Train, n, 11);
        var mean = new double[2];
        for (int i = 0; i < n; i++) { mean[0] += x[2 * i]; mean[1] += x[2 * i + 1]; }
        mean[0] /= n;
        mean[1] /= n;
        var cov = new double[2, 2];
        for (int i = 0; i < n; i++)
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++) cov[a, b] += (x[2 * i + a] - mean[a]) * (x[2 * i + b] - mean[b]) / n;
        // Standard errors at n = 4e5: mean ≈ 1/√n·σ ≈ 0.0022 (σ ≤ 1.4); covariance entries ≈ a few 0.001 (heavy tail
        // of z0²). 5-sigma-ish bounds.
        Assert.InRange(mean[0], -0.01, 0.01);
        Assert.InRange(mean[1], -0.01, 0.01);
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++) Assert.True(Math.Abs(cov[a, b] - expected[a, b]) < 0.02, $"cov[{a},{b}] = {cov[a, b]:F4}, expected {expected[a, b]:F4}");
        // The curved shape: E[x0·x1²]-type third moments are what separate the banana from a Gaussian.
        double third = 0;
        for (int i = 0; i < n; i++) third += Math.Pow(x[2 * i] - mean[0], 3) / n;
        Assert.True(Math.Abs(third) > 0.1, $"the banana should be skewed, third moment {third:F4}");
        Assert.Equal(1.0, (cov[0, 0] + cov[1, 1]) / 2, 1);
    }

    [Fact]
    public void PhysicsLoadsWithItsSplitAndNormalization()
    {
        var a = Npy.ReadMatrix(PhysicsFile);
        Assert.Equal((10000, 16), (a.Rows, a.Columns));
        var p = (PhysicsSource)SourceCatalog.Parse("physics:" + PhysicsFile, 16);
        Assert.Equal(8000 * 16, p.Rows(SourceSplit.Train)!.Length);
        Assert.Equal(2000 * 16, p.Rows(SourceSplit.Test)!.Length);
        var train = p.Rows(SourceSplit.Train)!;
        for (int j = 0; j < 16; j++)
        {
            double m = 0;
            for (int i = 0; i < 8000; i++) m += train[i * 16 + j];
            Assert.True(Math.Abs(m / 8000) < 1e-9, $"train mean of coordinate {j} is {m / 8000}");
        }
        // Divided by the pooled standard deviation of the raw entries, the train split's per-coordinate variance is
        // below 1 by the share of the spread between coordinate means (≈ 0.70 per the brief).
        Assert.InRange(p.Variance(SourceSplit.Train), 0.5, 0.9);
        // The test split is the file's last rows, transformed by train statistics.
        double std = Math.Sqrt(a.Data[..(8000 * 16)].Select(v => v * v).Average() - Math.Pow(a.Data[..(8000 * 16)].Average(), 2));
        double mean0 = Enumerable.Range(0, 8000).Average(i => a.Data[i * 16]);
        Assert.Equal((a.Data[8000 * 16] - mean0) / std, p.Rows(SourceSplit.Test)![0], 9);
    }

    [Fact]
    public void MissingOrMalformedPhysicsFilesAreOneLineErrors()
    {
        var e = Assert.Throws<LtcException>(() => SourceCatalog.Parse("physics:" + Path.Combine(_dir, "none.npy"), null));
        Assert.Contains("none.npy", e.Message);
        string wrong = Path.Combine(_dir, "wrong.npy");
        Npy.Write(wrong, new double[9000 * 3], 9000, 3);
        e = Assert.Throws<LtcException>(() => SourceCatalog.Parse("physics:" + wrong, null));
        Assert.Contains("16 columns", e.Message);
        string text = Path.Combine(_dir, "text.npy");
        File.WriteAllText(text, "not numpy");
        e = Assert.Throws<LtcException>(() => SourceCatalog.Parse("physics:" + text, null));
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void LogSpectrogramMatchesADirectDftAndGivesOneFramePerSampleStep()
    {
        var rng = new Random(3);
        var signal = Enumerable.Range(0, 500).Select(_ => rng.NextDouble() - 0.5).ToArray();
        int frames = LogSpectrogram.FrameCount(signal.Length);
        Assert.Equal(500 - 63 + 1, frames);
        var features = new double[frames * 33];
        LogSpectrogram.Compute(signal, features);
        foreach (int f in new[] { 0, 17, frames - 1 })
            for (int k = 0; k < 33; k++)
            {
                // Naive complex DFT of the periodic-Hann-windowed frame, zero-padded to 64.
                double re = 0, im = 0;
                for (int n = 0; n < 63; n++)
                {
                    double w = 0.5 * (1 - Math.Cos(2 * Math.PI * n / 63));
                    re += w * signal[f + n] * Math.Cos(2 * Math.PI * k * n / 64);
                    im -= w * signal[f + n] * Math.Sin(2 * Math.PI * k * n / 64);
                }
                Assert.Equal(Math.Log(Math.Sqrt(re * re + im * im) + 2.220446049250313e-16), features[f * 33 + k], 9);
            }
        Assert.Equal(0, LogSpectrogram.FrameCount(62));
    }

    private static void WriteWav(string path, short[] samples, int channels = 1)
    {
        using var w = new WaveFileWriter(path, new WaveFormat(8000, 16, channels));
        var bytes = new byte[samples.Length * 2];
        Buffer.BlockCopy(samples, 0, bytes, 0, bytes.Length);
        w.Write(bytes, 0, bytes.Length);
    }

    [Fact]
    public void SpeechSplitsByIndexAndRemovesTheTrainMean()
    {
        var rng = new Random(4);
        short[] Noise(int n) => Enumerable.Range(0, n).Select(_ => (short)rng.Next(-3000, 3000)).ToArray();
        WriteWav(Path.Combine(_dir, "3_anna_0.wav"), Noise(200));
        WriteWav(Path.Combine(_dir, "3_anna_7.wav"), Noise(300));
        WriteWav(Path.Combine(_dir, "4_anna_12.wav"), Noise(100));
        WriteWav(Path.Combine(_dir, "4_bob_1.wav"), Noise(150));
        File.WriteAllText(Path.Combine(_dir, "readme.txt"), "ignored");
        var all = (SpeechSource)SourceCatalog.Parse("speech:" + _dir, 33);
        Assert.Equal(33, all.Dimension);
        Assert.Equal((300 - 62 + 100 - 62) * 33, all.Rows(SourceSplit.Train)!.Length);
        Assert.Equal((200 - 62 + 150 - 62) * 33, all.Rows(SourceSplit.Test)!.Length);
        var train = all.Rows(SourceSplit.Train)!;
        int frames = train.Length / 33;
        for (int j = 0; j < 33; j++)
            Assert.True(Math.Abs(Enumerable.Range(0, frames).Average(i => train[i * 33 + j])) < 1e-9);
        var anna = (SpeechSource)SourceCatalog.Parse("speech:" + _dir + ":anna", null);
        Assert.Equal((200 - 62) * 33, anna.Rows(SourceSplit.Test)!.Length);
        var e = Assert.Throws<LtcException>(() => SourceCatalog.Parse("speech:" + _dir + ":carl", null));
        Assert.Contains("carl", e.Message);
        WriteWav(Path.Combine(_dir, "5_dan_0.wav"), Noise(100), channels: 2);
        WriteWav(Path.Combine(_dir, "5_dan_9.wav"), Noise(100), channels: 2);
        e = Assert.Throws<LtcException>(() => SourceCatalog.Parse("speech:" + _dir + ":dan", null));
        Assert.Contains("mono", e.Message);
    }

    [Fact]
    public void ARealRecordingGivesOneFramePerSampleStep()
    {
        string wav = Path.Combine(TestPaths.SharedData, "fsdd-theo", "0_theo_0.wav");
        var samples = SpeechSource.ReadPcm16(wav);
        Assert.True(samples.Length > 1000 && samples.All(v => v >= -1 && v < 1));
        var features = new double[LogSpectrogram.FrameCount(samples.Length) * 33];
        LogSpectrogram.Compute(samples, features);
        Assert.Equal(samples.Length - 62, features.Length / 33);
        Assert.All(features, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void BlocksGroupConsecutiveVectorsAndReportRatesPerSourceVector()
    {
        var b = SourceCatalog.Parse("block:8:banana", null);
        Assert.Equal(16, b.Dimension);
        Assert.Equal(8, b.ScalarsPerSample);
        Assert.Equal("bits/vector", b.RateUnit);
        Assert.Equal(new BananaSource().Sample(SourceSplit.Test, 80, 5), b.Sample(SourceSplit.Test, 10, 5));
        var p = SourceCatalog.Parse("block:24:physics:" + PhysicsFile, null);
        Assert.Equal(2000 / 24 * 24 * 16, p.Rows(SourceSplit.Test)!.Length);
        var g = SourceCatalog.Parse("block:4:gaussian", 3);
        Assert.Equal(12, g.Dimension);
        Assert.Equal("bits/sample", g.RateUnit);
        Assert.Throws<LtcException>(() => SourceCatalog.Parse("block:x:banana", null));
        Assert.Throws<LtcException>(() => SourceCatalog.Parse("block:0:banana", null));
    }

    [Fact]
    public void TestBlocksOfADataSetAreDrawnAsTrainingDrawsThemNotConsecutiveRows()
    {
        // Speech frames lie one sample apart: eight consecutive ones are nearly equal, unlike the eight random frames of
        // a training block. Test blocks hold the test rows in a fixed shuffled order, each row at most once.
        var inner = SourceCatalog.Parse("speech", null);
        var block = new BlockSource(inner, 8);
        var rows = inner.Rows(SourceSplit.Test)!;
        var blocks = block.Rows(SourceSplit.Test)!;
        int d = inner.Dimension, count = rows.Length / d, whole = count / 8 * 8;
        Assert.Equal((long)whole * d, blocks.Length);
        Assert.Equal(blocks, block.Rows(SourceSplit.Test)); // the same order every time
        string Key(double[] a, int i) => string.Join(',', a.AsSpan(i * d, d).ToArray());
        var index = new Dictionary<string, int>();
        var left = new Dictionary<string, int>(); // copies of each distinct row not yet used (silent frames repeat)
        for (int i = 0; i < count; i++)
        {
            string k = Key(rows, i);
            index.TryAdd(k, i);
            left[k] = left.GetValueOrDefault(k) + 1;
        }
        var taken = new int[whole];
        for (int i = 0; i < whole; i++)
        {
            string k = Key(blocks, i);
            Assert.True(left.TryGetValue(k, out int n) && n > 0, $"test block row {i} is not a test row, or one used twice");
            left[k] = n - 1;
            taken[i] = index[k];
        }
        // Neighbours within a block are as far apart in the recording as random rows are (mean |i − j| ≈ count/3),
        // not one frame apart as consecutive rows would be.
        double gap = Enumerable.Range(0, whole).Where(i => i % 8 != 7).Average(i => Math.Abs(taken[i + 1] - taken[i]));
        Assert.InRange(gap, count / 4.0, count / 2.5);
    }
}
