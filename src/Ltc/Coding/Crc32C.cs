using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Ltc.Coding;

/// <summary>CRC-32C (Castagnoli), with the SSE 4.2 instruction when present and a table otherwise.</summary>
public static class Crc32C
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32C of <paramref name="data"/> (check value of "123456789" is 0xE3069283).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFFu, data, Sse42.X64.IsSupported);

    /// <summary>The table-driven path alone, for testing it against the hardware path.</summary>
    internal static uint ComputeSoftware(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFFu, data, false);

    private static uint Update(uint crc, ReadOnlySpan<byte> data, bool hardware)
    {
        if (hardware)
        {
            var words = MemoryMarshal.Cast<byte, ulong>(data);
            ulong c = crc;
            foreach (var w in words) c = Sse42.X64.Crc32(c, w);
            crc = (uint)c;
            foreach (var b in data[(words.Length * 8)..]) crc = Sse42.Crc32(crc, b);
            return crc;
        }
        var t = Table;
        foreach (var b in data) crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            t[i] = c;
        }
        return t;
    }
}
