namespace Ltc.IO;

/// <summary>
/// Copies a stream of unknown length (a pipe, a FIFO, standard input) with a ceiling, so that input that never ends
/// or is far too large is refused with a one-line error instead of filling memory or disk.
/// </summary>
public static class BoundedCopy
{
    /// <summary>
    /// Copies <paramref name="source"/> to its end into <paramref name="destination"/>, counting
    /// <paramref name="alreadyCopied"/> bytes as written before.
    /// </summary>
    /// <returns>The bytes copied, <paramref name="alreadyCopied"/> included.</returns>
    /// <exception cref="LtcException">More than <paramref name="maxBytes"/> bytes in all; the message is
    /// <paramref name="tooLarge"/>.</exception>
    public static long CopyTo(Stream source, Stream destination, long maxBytes, string tooLarge, long alreadyCopied = 0)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var buffer = new byte[1 << 16];
        long total = alreadyCopied;
        int n;
        while ((n = source.Read(buffer)) > 0)
        {
            total += n;
            if (total > maxBytes) throw new LtcException(tooLarge);
            destination.Write(buffer, 0, n);
        }
        return total;
    }
}
