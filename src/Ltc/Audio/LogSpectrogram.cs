using System.Numerics.Tensors;

namespace Ltc.Audio;

/// <summary>
/// Log-magnitude short-time Fourier transform as the LTC speech experiments compute it with tf.signal.stft: frames
/// of 63 samples with step 1, a periodic Hann window, zero-padded to a 64-point FFT (33 bins),
/// feature = ln(|X| + ε) with ε the float64 machine epsilon.
/// </summary>
public static class LogSpectrogram
{
    /// <summary>Samples per frame.</summary>
    public const int FrameLength = 63;

    /// <summary>FFT length: the next power of two above the frame length.</summary>
    public const int FftLength = 64;

    /// <summary>Frequency bins per frame (FFT length / 2 + 1).</summary>
    public const int Bins = FftLength / 2 + 1;

    /// <summary>The ε inside the logarithm (2^−52).</summary>
    public const double Epsilon = 2.220446049250313e-16;

    // Window folded into the DFT matrix: row k holds w[n]·cos(2πkn/64), then w[n]·(−sin(2πkn/64)); 64 columns with a
    // zero in the last, so each row is a SIMD-friendly dot product with a 64-sample slice.
    private static readonly double[] Kernel = BuildKernel();

    private static double[] BuildKernel()
    {
        var k = new double[2 * Bins * FftLength];
        for (int b = 0; b < Bins; b++)
            for (int n = 0; n < FrameLength; n++)
            {
                double w = 0.5 - 0.5 * Math.Cos(2 * Math.PI * n / FrameLength); // periodic Hann of length 63
                double angle = 2 * Math.PI * b * n / FftLength;
                k[(2 * b) * FftLength + n] = w * Math.Cos(angle);
                k[(2 * b + 1) * FftLength + n] = -w * Math.Sin(angle);
            }
        return k;
    }

    /// <summary>Frames a signal of L samples gives (step 1, no padding): L − 62, or 0 when L &lt; 63.</summary>
    public static int FrameCount(int samples) => Math.Max(0, samples - FrameLength + 1);

    /// <summary>
    /// Writes the features of every frame of <paramref name="signal"/> into <paramref name="destination"/>
    /// (<see cref="FrameCount"/> × 33, row-major).
    /// </summary>
    public static void Compute(ReadOnlySpan<double> signal, Span<double> destination)
    {
        int frames = FrameCount(signal.Length);
        if (destination.Length != frames * Bins) throw new ArgumentException($"destination must hold {frames} × {Bins} values", nameof(destination));
        // Pad by one sample so that every frame can be read as 64 values (the 64th kernel column is zero).
        var padded = new double[signal.Length + 1];
        signal.CopyTo(padded);
        var kernel = Kernel.AsSpan();
        for (int f = 0; f < frames; f++)
        {
            var frame = padded.AsSpan(f, FftLength);
            var row = destination.Slice(f * Bins, Bins);
            for (int b = 0; b < Bins; b++)
            {
                double re = TensorPrimitives.Dot(frame, kernel.Slice(2 * b * FftLength, FftLength));
                double im = TensorPrimitives.Dot(frame, kernel.Slice((2 * b + 1) * FftLength, FftLength));
                row[b] = Math.Log(Math.Sqrt(re * re + im * im) + Epsilon);
            }
        }
    }
}
