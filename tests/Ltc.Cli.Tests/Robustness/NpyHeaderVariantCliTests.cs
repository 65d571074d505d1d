using Ltc.IO;
using static Ltc.Tests.Robustness.NpyHeaderFiles;

namespace Ltc.Cli.Tests.Robustness;

/// <summary>
/// Kind 2 through the commands: arrays with zero rows or columns, huge declared shapes and devices given to
/// <c>ltc data export</c>, <c>bounds</c>, <c>lattice quantize</c> and <c>bdrate</c> (the reader itself is tested in
/// tests/Ltc.Tests' NpyHeaderVariantTests).
/// </summary>
public class NpyHeaderVariantCliTests
{
    [Fact]
    public void CommandsHandleZeroRowsAndZeroColumns()
    {
        var dir = Directory.CreateTempSubdirectory("ltc-shapes-");
        try
        {
            string P(string n) => Path.Combine(dir.FullName, n);
            File.WriteAllBytes(P("huge.npy"), NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3000000000, 0), }", 1, 0));
            File.WriteAllBytes(P("cols0.npy"), NpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (5, 0), }", 1, 0));
            File.WriteAllBytes(P("rows0.npy"), NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 8), }", 1, 0));
            File.WriteAllBytes(P("one.npy"), NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 8L), }", 1, 64));
            foreach (var args in new[]
            {
                new[] { "data", "export", "--source", "npy:" + P("huge.npy"), "--out", P("o.npy") },
                new[] { "data", "export", "--source", "npy:" + P("cols0.npy"), "--out", P("o.npy") },
                new[] { "data", "export", "--source", "npy:" + P("rows0.npy"), "--out", P("o.npy") },
                new[] { "data", "export", "--source", "npy:" + P("one.npy"), "--out", P("o.npy") },
                new[] { "bounds", "--source", "npy:" + P("cols0.npy"), "--kind", "ecvq", "--json" },
                new[] { "bounds", "--source", "npy:" + P("rows0.npy"), "--kind", "ba" },
                new[] { "bounds", "--source", "npy:" + P("huge.npy"), "--kind", "slb" },
                new[] { "lattice", "quantize", "--lattice", "G:" + P("huge.npy"), P("one.npy"), P("o.npy") },
            })
            {
                var (code, stdout, err) = LtcApp.RunCaptured(args);
                Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}, {err}");
                Assert.Equal("", stdout);
                Assert.StartsWith("ltc: error: ", err);
                Assert.Single(err.Trim().Split('\n'));
                Assert.False(File.Exists(P("o.npy")), $"{string.Join(' ', args)} wrote its output");
            }
            Assert.Contains("no vectors", LtcApp.RunCaptured("data", "export", "--source", "npy:" + P("rows0.npy"), "--out", P("o.npy")).Err);
            Assert.Contains("0 columns", LtcApp.RunCaptured("data", "export", "--source", "npy:" + P("cols0.npy"), "--out", P("o.npy")).Err);
            // A (0, 8) array has dimension 8: quantizing it gives an empty (0, 8) array; the Python 2 header reads as (1, 8).
            var (c1, _, e1) = LtcApp.RunCaptured("lattice", "quantize", "--lattice", "E8", P("rows0.npy"), P("q0.npy"));
            Assert.True(c1 == 0, e1);
            Assert.Equal([0L, 8L], Npy.Read(P("q0.npy")).Shape);
            var (c2, _, e2) = LtcApp.RunCaptured("lattice", "quantize", "--lattice", "E8", P("one.npy"), P("q1.npy"));
            Assert.True(c2 == 0, e2);
            Assert.Equal([1L, 8L], Npy.Read(P("q1.npy")).Shape);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public async Task BdrateStopsAtTheMagicOfADevice()
    {
        // /dev/zero: the magic is checked on the first bytes, not after reading gigabytes.
        var work = Task.Run(() =>
        {
            var (code, _, err) = LtcApp.RunCaptured("bdrate", "/dev/zero", "/dev/zero");
            Assert.Equal(2, code);
            Assert.StartsWith("ltc: error: ", err);
        });
        Assert.True(await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(60))) == work, "reading a device did not stop");
        await work;
    }
}
