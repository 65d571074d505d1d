using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ltc;

/// <summary>One value of a <see cref="NameCatalog{T}"/>: its canonical name, other accepted spellings and help text.</summary>
/// <param name="Value">The value.</param>
/// <param name="Name">The canonical name, as written in files and printed in reports.</param>
/// <param name="Help">A few words for command-line help.</param>
/// <param name="Aliases">Other spellings accepted when parsing (older names, abbreviations).</param>
public sealed record NamedValue<T>(T Value, string Name, string Help, params string[] Aliases) where T : struct, Enum;

/// <summary>
/// The one place a kind (an enum) is mapped to and from the names users and files write: parsing (case-insensitive,
/// with aliases) with a one-line <see cref="LtcException"/> that lists the accepted names, the canonical name of a
/// value, help text, and a JSON converter that writes canonical names.
/// </summary>
/// <typeparam name="T">The enum.</typeparam>
public sealed class NameCatalog<T> where T : struct, Enum
{
    private readonly Dictionary<string, T> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<T, NamedValue<T>> _byValue = [];

    /// <summary>Creates the catalog of <paramref name="what"/> (e.g. "model kind") with <paramref name="entries"/>,
    /// one per value of <typeparamref name="T"/>.</summary>
    /// <exception cref="ArgumentException">A value or name is listed twice, or a value of <typeparamref name="T"/> is missing.</exception>
    public NameCatalog(string what, params NamedValue<T>[] entries)
    {
        What = what;
        Entries = entries;
        foreach (var e in entries)
        {
            if (!_byValue.TryAdd(e.Value, e)) throw new ArgumentException($"{what}: {e.Value} is listed twice", nameof(entries));
            foreach (var name in e.Aliases.Prepend(e.Name))
                if (!_byName.TryAdd(name, e.Value)) throw new ArgumentException($"{what}: the name '{name}' is listed twice", nameof(entries));
        }
        foreach (var v in Enum.GetValues<T>())
            if (!_byValue.ContainsKey(v)) throw new ArgumentException($"{what}: {v} has no name", nameof(entries));
        Converter = new JsonNameConverter(this);
    }

    /// <summary>What the values are, for messages ("model kind", "cell sampling").</summary>
    public string What { get; }

    /// <summary>The values in the order they are listed.</summary>
    public IReadOnlyList<NamedValue<T>> Entries { get; }

    /// <summary>The canonical names, in order.</summary>
    public IEnumerable<string> Names => Entries.Select(e => e.Name);

    /// <summary>The canonical names joined for a message: "a, b or c".</summary>
    public string Expected => Entries.Count == 1 ? Entries[0].Name
        : string.Join(", ", Entries.Take(Entries.Count - 1).Select(e => e.Name)) + " or " + Entries[^1].Name;

    /// <summary>Help text listing every value: "a (help), b (help)".</summary>
    public string Help => string.Join(", ", Entries.Select(e => $"{e.Name} ({e.Help})"));

    /// <summary>Whether <paramref name="value"/> is one of the catalog's values (not an arbitrary cast integer).</summary>
    public bool IsDefined(T value) => _byValue.ContainsKey(value);

    /// <summary>The canonical name of <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not in the catalog.</exception>
    public string Name(T value) => _byValue.TryGetValue(value, out var e) ? e.Name
        : throw new ArgumentOutOfRangeException(nameof(value), value, $"not a {What}");

    /// <summary>The value named <paramref name="name"/> (canonical name or alias, any case), or null.</summary>
    public T? Find(string? name) => name is not null && _byName.TryGetValue(name.Trim(), out var v) ? v : null;

    /// <summary>The value named <paramref name="name"/>.</summary>
    /// <param name="name">A canonical name or alias, in any case.</param>
    /// <param name="origin">Prefix of the error message (an option name, a file), or null.</param>
    /// <exception cref="LtcException">Unknown name: one line listing the accepted names.</exception>
    public T Parse(string? name, string? origin = null) => Find(name)
        ?? throw new LtcException($"{(origin is null ? "" : origin + ": ")}unknown {What} '{name}' (expected {Expected})");

    /// <summary>Reads and writes values as their canonical names (aliases are accepted on reading).</summary>
    public JsonConverter<T> Converter { get; }

    private sealed class JsonNameConverter(NameCatalog<T> catalog) : JsonConverter<T>
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String) throw new JsonException($"the {catalog.What} must be a name (expected {catalog.Expected})");
            return catalog.Parse(reader.GetString());
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(catalog.Name(value));
    }
}
