using System.Security.Cryptography;

namespace Ltc.Cli.Tests.Models;

/// <summary><c>ltc decompress</c> of a <c>.ltc</c> file written before model file version 4, with that build's model.</summary>
[Collection("torch-serial")]
public class LegacyFingerprintCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-legacy-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    // From tests/Ltc.Torch.Tests/Fixtures/README.md: what the build of commit 901d71a decoded.
    private const string DecodedByTheOldBuild = "2c151546baf9f6377584251940962bbc55014c4e6f6411e16efb3ca939a9e55e";

    [Fact]
    public void LtcDecompressAcceptsTheOldFileAndItsModel()
    {
        string output = Path.Combine(_dir, "decoded.npy");
        var (code, _, stderr) = LtcApp.RunCaptured("decompress", "--model", Fixture("legacy-e8.ltcm"), Fixture("legacy-e8.ltc"), output);
        Assert.True(code == 0, stderr);
        Assert.Equal(DecodedByTheOldBuild, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(output))));
    }
}
