using System.Security.Cryptography;
using Ltc.Codec;
using Ltc.Coding;

namespace Ltc.Torch.Tests;

/// <summary>
/// <c>.ltc</c> files written before model file version 4 record the legacy fingerprint (SHA-256 of the configuration
/// JSON, the weights block and the tables block); the current build still decodes them, to the same bytes.
/// </summary>
public class LegacyFingerprintTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ltc-legacy-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    // From Fixtures/README.md: what the build of commit 901d71a recorded and decoded.
    private const string LegacyFingerprint = "56b04f1e787d02cc010e8641e014f4a6cd4c97fb9e5b43ddf3d47f9fcf9259b3";
    private const string DecodedByTheOldBuild = "2c151546baf9f6377584251940962bbc55014c4e6f6411e16efb3ca939a9e55e";

    [Fact]
    public void AFileOfAnEarlierBuildDecodesToTheBytesThatBuildWrote()
    {
        var loaded = ModelFile.Load(Fixture("legacy-e8.ltcm"));
        var codec = new ModelCodec(loaded);
        // The model's own fingerprint is the new one; the file records the legacy one, which the codec also accepts.
        Assert.NotEqual(LegacyFingerprint, Convert.ToHexStringLower(codec.Fingerprint));
        Assert.Equal(LegacyFingerprint, Convert.ToHexStringLower(loaded.StoredLegacyFingerprint!));
        Assert.Equal(LegacyFingerprint, Convert.ToHexStringLower(ModelFile.LegacyFingerprint(loaded.Model)));
        Assert.Equal(codec.Fingerprint.ToArray(), codec.AcceptedFingerprints[0]);

        using var reader = LtcReader.Open(Fixture("legacy-e8.ltc"), codec.AcceptedFingerprints);
        Assert.Equal(LegacyFingerprint, reader.Header.FingerprintHex);
        var npy = new MemoryStream();
        FileCodec.Decompress(codec, reader, npy);
        Assert.Equal(DecodedByTheOldBuild, Convert.ToHexStringLower(SHA256.HashData(npy.ToArray())));

        // In memory too, and the model's own fingerprint alone still refuses the file.
        var bytes = File.ReadAllBytes(Fixture("legacy-e8.ltc"));
        Assert.Equal(300 * 8, FileCodec.Decompress(codec, bytes).Length);
        Assert.Throws<LtcFormatException>(() => LtcReader.Open(new MemoryStream(bytes), "legacy", codec.Fingerprint));
    }

    [Fact]
    public void AnotherModelStillRefusesTheOldFile()
    {
        // A model of the same configuration, untrained: other weights, so other fingerprints, old and new.
        var other = TorchTestSupport.NewModel(ModelFile.Load(Fixture("legacy-e8.ltcm")).Model.Config);
        ModelCodec.Fit(other, CodecTestSupport.SourceOf(other.Config), 2000, 1);
        var codec = new ModelCodec(other);
        Assert.DoesNotContain(codec.AcceptedFingerprints, f => Convert.ToHexStringLower(f) == LegacyFingerprint);
        var e = Assert.Throws<LtcFormatException>(() => FileCodec.Decompress(codec, File.ReadAllBytes(Fixture("legacy-e8.ltc"))));
        Assert.Contains("written by model 56b04f1e787d02cc", e.Message, StringComparison.Ordinal);
    }
}
