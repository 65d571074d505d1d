using System.Text.Json;
using System.Text.Json.Serialization;
using Ltc.Lattices;

namespace Ltc.Torch;

/// <summary>
/// A model's lattice, resolved once from its name and stored whole: a named lattice (<c>E8</c>, <c>D4*</c>,
/// <c>E8^2</c>, ...) is determined by its name; a generator lattice (<c>G:&lt;file&gt;</c>) keeps the matrix read from
/// the file when the model was configured, and the model file stores that matrix, so editing or deleting the file
/// later changes nothing and a loaded model never reads the path again.
/// </summary>
/// <remarks>
/// Equal when the names are equal and, for generator lattices, the matrices are equal bit for bit. In JSON a named
/// lattice is its name (as in every model file since version 1); a generator lattice is
/// <c>{"name": "G:file", "generator": [[row 1], ..., [row n]]}</c> (model files from version 4 on; older files hold
/// only the name, and loading them reads the file once, as they always did).
/// A generator file must be the whole lattice name of a model (<c>G:a.npy</c>, not <c>Z1+G:a.npy</c>), so that the
/// stored matrix rebuilds exactly the lattice that was trained.
/// </remarks>
[JsonConverter(typeof(ModelLatticeJsonConverter))]
public sealed class ModelLattice : IEquatable<ModelLattice>
{
    private readonly double[]? _embedded;

    private ModelLattice(string name, Lattice lattice, double[]? embedded)
    {
        Name = name;
        Lattice = lattice;
        _embedded = embedded;
    }

    /// <summary>The name, as given (<c>E8</c>, <c>G:gen.npy</c>).</summary>
    public string Name { get; }

    /// <summary>The lattice at the scale its name or generator gives (models quantize with its unit-volume copy).</summary>
    public Lattice Lattice { get; }

    /// <summary>The dimension n.</summary>
    public int Dimension => Lattice.Dimension;

    /// <summary>The n × n row-major generator stored with a <c>G:</c> lattice, or null for a named lattice.</summary>
    public IReadOnlyList<double>? EmbeddedGenerator => _embedded;

    /// <summary>Z², the lattice of a configuration that names none.</summary>
    public static ModelLattice Default { get; } = Parse("Z2");

    /// <summary>Resolves <paramref name="name"/> with <see cref="LatticeCatalog.Parse"/>; a <c>G:</c> generator file is
    /// read here, once, and its matrix kept.</summary>
    /// <exception cref="LtcException">An unknown or malformed name, an unreadable or invalid generator file, or a
    /// generator file inside a sum or power.</exception>
    public static ModelLattice Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var lattice = LatticeCatalog.Parse(name);
        bool generator = IsGeneratorName(name);
        if (!generator && name.Contains("G:", StringComparison.OrdinalIgnoreCase))
            throw new LtcException($"lattice '{name}': a model's generator file (G:) must be its whole lattice name, so that the model file can store its matrix");
        return new ModelLattice(name, lattice, generator ? lattice.Generator.ToArray() : null);
    }

    /// <summary>A <c>G:</c> lattice rebuilt from its stored n × n row-major <paramref name="generator"/>, without reading any file.</summary>
    /// <exception cref="LtcException">The name is not a <c>G:</c> name, or the matrix is not a valid generator
    /// (see <see cref="GeneratorLattice"/>).</exception>
    public static ModelLattice FromGenerator(string name, double[] generator, int n)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(generator);
        if (!IsGeneratorName(name)) throw new LtcException($"lattice '{name}': only a G: lattice stores its generator");
        if (n < 1 || n > GeneratorLattice.MaxDimension || generator.Length != (long)n * n)
            throw new LtcException($"lattice '{name}': the stored generator must be a square matrix of dimension 1 to {GeneratorLattice.MaxDimension}");
        // The same construction as GeneratorLattice.Load, so the decoder is the one the model was trained with.
        var copy = generator.ToArray();
        return new ModelLattice(name, new GeneratorLattice(name, copy, n), copy.ToArray());
    }

    /// <summary><see cref="Parse"/>, so that configurations can be written with a lattice name.</summary>
    public static implicit operator ModelLattice(string name) => Parse(name);

    private static bool IsGeneratorName(string name) => name.TrimStart().StartsWith("G:", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public bool Equals(ModelLattice? other) => other is not null &&
        string.Equals(Name, other.Name, StringComparison.Ordinal) &&
        (_embedded is null ? other._embedded is null : other._embedded is not null && _embedded.AsSpan().SequenceEqual(other._embedded));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ModelLattice);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    /// <summary>The name.</summary>
    public override string ToString() => Name;

    /// <summary>Whether two lattices are equal (see <see cref="Equals(ModelLattice?)"/>).</summary>
    public static bool operator ==(ModelLattice? a, ModelLattice? b) => a is null ? b is null : a.Equals(b);

    /// <summary>Whether two lattices differ.</summary>
    public static bool operator !=(ModelLattice? a, ModelLattice? b) => !(a == b);
}

/// <summary>A named lattice as its name; a G: lattice as its name and generator rows.</summary>
internal sealed class ModelLatticeJsonConverter : JsonConverter<ModelLattice>
{
    public override ModelLattice Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            string name = reader.GetString()!;
            CheckName(name);
            // Model files before version 4 record a G: lattice by path only: it is read here, once.
            return ModelLattice.Parse(name);
        }
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("the lattice must be a name or {name, generator}");
        string? n = null;
        double[][]? rows = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.TokenType != JsonTokenType.PropertyName) throw new JsonException("bad lattice object");
            string key = reader.GetString()!;
            reader.Read();
            switch (key)
            {
                case "name": n = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw new JsonException("the lattice name must be a string"); break;
                case "generator": rows = ReadRows(ref reader); break;
                default: throw new JsonException($"unknown lattice field '{key}'");
            }
        }
        if (n is null || rows is null) throw new JsonException("a stored lattice needs its name and generator");
        CheckName(n);
        int dim = rows.Length;
        if (rows.Any(r => r.Length != dim)) throw new LtcException($"lattice '{n}': the stored generator is not square");
        return ModelLattice.FromGenerator(n, rows.SelectMany(r => r).ToArray(), dim);
    }

    private static void CheckName(string name)
    {
        if (name.Length > ModelConfig.MaxNameLength || name.Any(char.IsControl))
            throw new LtcException("the lattice name is too long or contains control characters");
    }

    private static double[][] ReadRows(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("the generator must be an array of rows");
        var rows = new List<double[]>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("a generator row must be an array of numbers");
            var row = new List<double>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number) throw new JsonException("a generator entry must be a number");
                row.Add(reader.GetDouble());
                if (row.Count > GeneratorLattice.MaxDimension) throw new JsonException($"a generator row has more than {GeneratorLattice.MaxDimension} entries");
            }
            rows.Add([.. row]);
            if (rows.Count > GeneratorLattice.MaxDimension) throw new JsonException($"the generator has more than {GeneratorLattice.MaxDimension} rows");
        }
        return [.. rows];
    }

    public override void Write(Utf8JsonWriter writer, ModelLattice value, JsonSerializerOptions options)
    {
        if (value.EmbeddedGenerator is not { } g)
        {
            writer.WriteStringValue(value.Name);
            return;
        }
        int n = value.Dimension;
        writer.WriteStartObject();
        writer.WriteString("name", value.Name);
        writer.WriteStartArray("generator");
        for (int r = 0; r < n; r++)
        {
            writer.WriteStartArray();
            for (int c = 0; c < n; c++) writer.WriteNumberValue(g[r * n + c]);
            writer.WriteEndArray();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
