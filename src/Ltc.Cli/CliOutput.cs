using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Ltc.Cli;

/// <summary>Shared output helpers: one JSON object on stdout for <c>--json</c>, plain text otherwise.</summary>
internal static class CliOutput
{
    /// <summary>
    /// snake_case keys, numbers as JSON numbers: a NaN or infinite value cannot be written (see <see cref="WriteJson"/>),
    /// never as the strings "NaN" or "Infinity".
    /// </summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.Strict,
        Converters = { new FiniteDoubleConverter(), new FiniteSingleConverter() },
    };

    /// <summary>
    /// Writes <paramref name="value"/> as one JSON object (snake_case keys) followed by a newline. A NaN or infinite
    /// number anywhere in it is a one-line <see cref="LtcException"/> naming the field, and nothing is written.
    /// Control and bidirectional-formatting characters in strings are escaped (\uXXXX).
    /// </summary>
    public static void WriteJson(TextWriter output, object value) => output.WriteLine(ToJson(value));

    /// <summary>
    /// The JSON text <see cref="WriteJson"/> prints, without the newline; commands render their report with it before
    /// they commit their outputs, so that a report that cannot be printed leaves nothing written.
    /// </summary>
    public static string ToJson(object value)
    {
        string text;
        try { text = JsonSerializer.Serialize(value, Json); }
        catch (NonFiniteException n)
        {
            // The serializer fills in where the value was (Path) on its way out.
            throw new LtcException($"the result has a non-finite value ({n.Value.ToString(CultureInfo.InvariantCulture)}) in '{FieldOf(n.Path)}', which JSON cannot represent");
        }
        return EscapeJson(text);
    }

    // The serializer's path names CLR properties ($.Outer.SnrDb); show the JSON keys (outer.snr_db).
    private static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "?";
        var parts = path.TrimStart('$', '.').Split('.');
        return string.Join('.', parts.Select(p =>
        {
            int bracket = p.IndexOf('[');
            string name = bracket < 0 ? p : p[..bracket];
            return (name.Length > 0 ? JsonNamingPolicy.SnakeCaseLower.ConvertName(name) : "") + (bracket < 0 ? "" : p[bracket..]);
        }));
    }

    /// <summary>The value, or null (JSON null) when it is NaN or infinite.</summary>
    public static double? FiniteOrNull(double v) => double.IsFinite(v) ? v : null;

    /// <summary>A Spectre console writing to <paramref name="writer"/>: plain text, 120 columns, unless it is the real terminal.</summary>
    public static IAnsiConsole Console(TextWriter writer)
    {
        bool terminal = ReferenceEquals(writer, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        if (!terminal) console.Profile.Width = 120;
        return console;
    }

    /// <summary>
    /// Text from a file or the command line made safe to print on a terminal: control characters (C0, DEL, C1) and
    /// bidirectional formatting characters become visible escapes (\e, \n, \x1b, \u{202e}), so a file cannot clear the
    /// screen, move the cursor or forge lines.
    /// </summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        if (!text.Any(NeedsEscape)) return text;
        var sb = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (!NeedsEscape(c)) { sb.Append(c); continue; }
            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\x1b' => "\\e",
                < '\x100' => $"\\x{(int)c:x2}",
                _ => $"\\u{{{(int)c:x4}}}",
            });
        }
        return sb.ToString();
    }

    private static bool NeedsEscape(char c) => char.IsControl(c) || IsBidiOrSeparator(c);

    private static bool IsBidiOrSeparator(char c) =>
        c is '\u061c' or '\u200e' or '\u200f' or '\u2028' or '\u2029' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069');

    // The serializer escapes C0 controls; C1 controls and bidi controls may pass with the relaxed encoder. They can only
    // occur inside strings, where \uXXXX is valid JSON.
    private static string EscapeJson(string json)
    {
        if (!json.Any(c => (c >= '\u007f' && char.IsControl(c)) || IsBidiOrSeparator(c))) return json;
        var sb = new StringBuilder(json.Length + 16);
        foreach (char c in json)
        {
            if ((c >= '\u007f' && char.IsControl(c)) || IsBidiOrSeparator(c)) sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private sealed class NonFiniteException(double value) : JsonException("a JSON number must be finite")
    {
        public double Value { get; } = value;
    }

    private sealed class FiniteDoubleConverter : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (!double.IsFinite(value)) throw new NonFiniteException(value);
            writer.WriteNumberValue(value);
        }
    }

    private sealed class FiniteSingleConverter : JsonConverter<float>
    {
        public override float Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetSingle();

        public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
        {
            if (!float.IsFinite(value)) throw new NonFiniteException(value);
            writer.WriteNumberValue(value);
        }
    }
}
