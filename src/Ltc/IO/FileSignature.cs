namespace Ltc.IO;

/// <summary>
/// The leading bytes of the files Ltc reads, so that a file given where another kind was expected is named for what it
/// is ("… is an ltc model file") rather than refused with "bad magic" alone.
/// </summary>
public static class FileSignature
{
    /// <summary>The first 4 bytes of an ltc model file (.ltcm, written by <c>ModelFile</c> in Ltc.Torch).</summary>
    public static ReadOnlySpan<byte> Model => "LTCM"u8;

    /// <summary>The first 8 bytes of a compressed .ltc file (PNG-style: a non-ASCII byte, the name, CR LF, ^Z, LF).</summary>
    public static ReadOnlySpan<byte> Compressed => [0x89, (byte)'L', (byte)'T', (byte)'C', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The first 6 bytes of a NumPy .npy file.</summary>
    public static ReadOnlySpan<byte> Npy => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>
    /// What a file starting with <paramref name="head"/> is, as a phrase for an error message ("an ltc model file
    /// (.ltcm)"), or null when it is none of the kinds Ltc knows (or too short to tell).
    /// </summary>
    /// <param name="head">The file's first bytes (8 suffice).</param>
    public static string? Describe(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(Compressed)) return "a compressed .ltc file";
        if (head.StartsWith(Model)) return "an ltc model file (.ltcm)";
        if (head.StartsWith(Npy)) return "a .npy array";
        if (head.StartsWith("RIFF"u8)) return "a RIFF (WAV) file";
        if (head.StartsWith("PK\x03\x04"u8)) return "a zip archive (a .npz or a PyTorch checkpoint?)";
        return null;
    }

    /// <summary>"; it is …" for an error message, or "" when <see cref="Describe"/> does not know the file.</summary>
    /// <param name="head">The file's first bytes.</param>
    public static string ItIs(ReadOnlySpan<byte> head) => Describe(head) is string what ? $"; it is {what}" : "";
}
