namespace Ltc;

/// <summary>
/// An error caused by the user's input (an unknown name, a malformed file, a wrong dimension, a NaN).
/// Its message is one line that says what is wrong and where; the command line prints it and exits with code 2
/// instead of a stack trace.
/// </summary>
public class LtcException : Exception
{
    /// <summary>Creates the error with its one-line message.</summary>
    public LtcException(string message) : base(message) { }

    /// <summary>Creates the error with its one-line message and the exception that caused it.</summary>
    public LtcException(string message, Exception inner) : base(message, inner) { }
}
