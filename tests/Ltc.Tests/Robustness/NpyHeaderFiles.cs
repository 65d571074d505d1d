using System.Buffers.Binary;
using System.Text;

namespace Ltc.Tests.Robustness;

/// <summary>
/// <c>.npy</c> files with any header text, for the header tests here and, as a linked file, the command tests in
/// Ltc.Cli.Tests.
/// </summary>
internal static class NpyHeaderFiles
{
    /// <summary>A .npy file with the given header text, padded as numpy pads it, and <paramref name="dataBytes"/> zero bytes.</summary>
    internal static byte[] NpyBytes(string header, int major, int dataBytes)
    {
        var enc = major < 3 ? Encoding.Latin1 : Encoding.UTF8;
        int pre = major == 1 ? 10 : 12;
        int total = pre + enc.GetByteCount(header) + 1;
        var text = header + new string(' ', (64 - total % 64) % 64) + "\n";
        var hb = enc.GetBytes(text);
        var bytes = new byte[pre + hb.Length + dataBytes];
        bytes[0] = 0x93;
        "NUMPY"u8.CopyTo(bytes.AsSpan(1));
        bytes[6] = (byte)major;
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)hb.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)hb.Length);
        hb.CopyTo(bytes, pre);
        return bytes;
    }
}
