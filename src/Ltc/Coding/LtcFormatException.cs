namespace Ltc.Coding;

/// <summary>
/// A malformed, truncated or mismatched compressed file or coded block. Its message is one line naming the file and
/// what is wrong; readers throw nothing else for bad input.
/// </summary>
public sealed class LtcFormatException : LtcException
{
    /// <summary>Creates the error with its one-line message.</summary>
    public LtcFormatException(string message) : base(message) { }
}
