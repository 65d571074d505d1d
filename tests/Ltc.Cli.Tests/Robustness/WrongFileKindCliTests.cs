using Ltc.IO;

namespace Ltc.Cli.Tests.Robustness;

/// <summary>A file of one kind given where another is expected is refused in one line that says what it is.</summary>
public class WrongFileKindCliTests
{
    [Fact]
    public void EachReaderNamesTheKindOfFileItWasGiven()
    {
        var dir = Directory.CreateTempSubdirectory("ltc-kinds-");
        try
        {
            string P(string n) => Path.Combine(dir.FullName, n);
            byte[] Padded(ReadOnlySpan<byte> head) { var b = new byte[64]; head.CopyTo(b); return b; }
            File.WriteAllBytes(P("model.ltcm"), Padded(FileSignature.Model));
            File.WriteAllBytes(P("data.npy"), Padded(FileSignature.Npy));
            File.WriteAllBytes(P("random.ltcm"), Padded([.. FileSignature.Model, 0xff, 0xff, 0xff, 0xff]));
            File.WriteAllBytes(P("file.ltc"), Padded(FileSignature.Compressed));
            File.WriteAllBytes(P("other.bin"), Padded("hello"u8));
            File.WriteAllBytes(P("empty"), []);
            File.WriteAllBytes(P("three.bin"), "abc"u8.ToArray());
            File.WriteAllBytes(P("short.ltc"), FileSignature.Compressed[..5].ToArray());
            foreach (var (args, says) in new (string[], string)[]
            {
                (["inspect", P("model.ltcm")], "unsupported model format version 0"), // inspect describes model files too
                (["inspect", P("random.ltcm")], "unsupported model format version 4294967295"), // not −1
                (["inspect", P("data.npy")], "neither an .ltc file nor a model file (.ltcm) (bad magic; it is a .npy array)"),
                (["eval", "--model", P("file.ltc")], "not an ltc model file (bad magic; it is a compressed .ltc file)"),
                (["data", "export", "--source", "npy:" + P("model.ltcm"), "--out", P("o.npy")], "not a .npy file (bad magic; it is an ltc model file (.ltcm))"),
                (["inspect", P("other.bin")], "neither an .ltc file nor a model file (.ltcm) (bad magic)"),
                (["inspect", P("empty")], "empty (no bytes), not an .ltc file"),
                (["inspect", P("three.bin")], "neither an .ltc file nor a model file (.ltcm) (bad magic)"),
                (["inspect", P("short.ltc")], "truncated header (5 bytes)"),
                (["lattice", "quantize", "--lattice", "E8", P("empty"), P("o.npy")], "empty (no bytes), not a .npy file"),
                (["bdrate", P("model.ltcm"), P("model.ltcm")], "not a CSV curve (binary data; it is an ltc model file (.ltcm))"),
                (["bdrate", P("data.npy"), P("data.npy")], "not a CSV curve (binary data"),
            })
            {
                var (code, stdout, stderr) = LtcApp.RunCaptured(args);
                Assert.Equal(2, code);
                Assert.Equal("", stdout);
                Assert.Single(stderr.Trim().Split('\n'));
                Assert.Contains(says, stderr);
            }
            Assert.False(File.Exists(P("o.npy")));
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
