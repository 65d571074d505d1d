using Ltc.IO;

namespace Ltc.Tests;

public class NpyTests
{
    [Fact]
    public void AShapeWithANegativeExtentIsRefusedEvenWhenItMultipliesOut()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ltc-neg-{Guid.NewGuid():N}.npy");
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => Npy.Write(path, new double[4], -2, -2)).Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void RoundTripsFloat64AndFloat32AndInt64()
    {
        var dir = Directory.CreateTempSubdirectory("ltc-npy");
        var p = Path.Combine(dir.FullName, "a.npy");
        double[] d = [1.5, -2, 3.25, double.Epsilon, 1e300, 0];
        Npy.Write(p, d, 3, 2);
        var a = Npy.Read(p);
        Assert.Equal(NpyType.Float64, a.Type);
        Assert.Equal([3L, 2L], a.Shape);
        Assert.Equal(d, a.Data);

        float[] f = [1.5f, -2f, 0.1f];
        Npy.Write(p, f, 3);
        a = Npy.Read(p);
        Assert.Equal(NpyType.Float32, a.Type);
        Assert.Equal(f.Select(x => (double)x), a.Data);

        long[] k = [long.MaxValue >> 12, -7, 0, 5];
        Npy.Write(p, k, 2, 2);
        a = Npy.Read(p);
        Assert.Equal(NpyType.Int64, a.Type);
        Assert.Equal(k.Select(x => (double)x), a.Data);
    }

    [Fact]
    public void ReadsThePhysicsFileWithItsShape()
    {
        var path = Path.Combine(TestPaths.SharedData, "physics", "ppzee-split=test.npy");
        var a = Npy.ReadMatrix(path);
        Assert.Equal(10000, a.Rows);
        Assert.Equal(16, a.Columns);
        Assert.Equal(NpyType.Float64, a.Type);
    }

    [Fact]
    public void RejectsTruncatedForgedAndNonFiniteFilesWithOneLineErrors()
    {
        var good = Npy.Encode("<f8", new byte[8 * 6], 6, [3, 2]);
        // Truncated payload.
        var e = Assert.Throws<LtcException>(() => Npy.Parse(good.AsSpan(0, good.Length - 1), "t.npy"));
        Assert.Contains("truncated", e.Message);
        // Forged huge shape must not allocate: it is checked against the bytes present.
        var forged = System.Text.Encoding.Latin1.GetString(good).Replace("(3, 2)", "(9999999999, 9999999)");
        e = Assert.Throws<LtcException>(() => Npy.Parse(System.Text.Encoding.Latin1.GetBytes(forged), "f.npy"));
        Assert.Contains("truncated", e.Message);
        // Bad magic and unsupported type.
        Assert.Throws<LtcException>(() => Npy.Parse("hello world"u8, "m.npy"));
        var be = System.Text.Encoding.Latin1.GetBytes(System.Text.Encoding.Latin1.GetString(good).Replace("<f8", ">f8"));
        Assert.Contains("unsupported", Assert.Throws<LtcException>(() => Npy.Parse(be, "b.npy")).Message);
        // NaN is rejected by the matrix reader, naming the position.
        var dir = Directory.CreateTempSubdirectory("ltc-npy");
        var p = Path.Combine(dir.FullName, "nan.npy");
        Npy.Write(p, [1.0, double.NaN], 1, 2);
        Assert.Contains("row 0, column 1", Assert.Throws<LtcException>(() => Npy.ReadMatrix(p)).Message);
        Assert.All([e.Message], m => Assert.DoesNotContain('\n', m));
    }
}
