using System.Text.Encodings.Web;
using System.Text.Json;

namespace Ltc.Cli;

/// <summary>Shared output helpers: one JSON object on stdout for <c>--json</c>, plain text otherwise.</summary>
internal static class CliOutput
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes <paramref name="value"/> as one JSON object (snake_case keys) followed by a newline.</summary>
    public static void WriteJson(TextWriter output, object value) =>
        output.WriteLine(JsonSerializer.Serialize(value, Json));
}
