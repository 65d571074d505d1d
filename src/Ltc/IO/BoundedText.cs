namespace Ltc.IO;

/// <summary>Reads small text files (curves, generator matrices, a sweep's results.csv) from their stream, at most a given length.</summary>
public static class BoundedText
{
    /// <summary>
    /// The text of <paramref name="path"/>, read from its stream so that a device or a pipe cannot be read forever:
    /// more than <paramref name="limit"/> characters is a one-line <see cref="LtcException"/> saying
    /// <c>{path}: {tooLong}</c>, and so is a file that cannot be read.
    /// </summary>
    /// <exception cref="LtcException">Too long, or unreadable.</exception>
    public static string Read(string path, int limit, string tooLong)
    {
        try
        {
            using var reader = new StreamReader(path);
            var text = new System.Text.StringBuilder();
            var buffer = new char[1 << 16];
            int n;
            while ((n = reader.Read(buffer, 0, buffer.Length)) > 0)
            {
                text.Append(buffer, 0, n);
                if (text.Length > limit) throw new LtcException($"{path}: {tooLong}");
            }
            return text.ToString();
        }
        catch (IOException e) { throw new LtcException($"{path}: cannot read ({e.Message})"); }
        catch (UnauthorizedAccessException) { throw new LtcException($"{path}: permission denied"); }
    }
}
