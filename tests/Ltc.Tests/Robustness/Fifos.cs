using System.Runtime.InteropServices;

namespace Ltc.Tests.Robustness;

/// <summary>
/// Named pipes for the tests of reads and writes that must work on pipes (here and, as a linked file, in
/// Ltc.Cli.Tests). Opening a FIFO blocks until both ends are open, so the other end is always served on another thread.
/// </summary>
internal static class Fifos
{
    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    /// <summary>Makes a FIFO (mode 600) at <paramref name="path"/> and returns the path.</summary>
    internal static string Create(string path)
    {
        Assert.Equal(0, mkfifo(path, Convert.ToUInt32("600", 8)));
        return path;
    }

    /// <summary>Reads a FIFO to its end on another thread.</summary>
    internal static Task<byte[]> ReadAllAsync(string fifo) => Task.Run(() => File.ReadAllBytes(fifo));

    /// <summary>Writes <paramref name="bytes"/> into a FIFO on another thread (not awaited: the reader ends it).</summary>
    internal static void WriteAllAsync(string fifo, byte[] bytes) => Task.Run(() =>
    {
        using var fs = new FileStream(fifo, FileMode.Open, FileAccess.Write);
        fs.Write(bytes);
    });
}
