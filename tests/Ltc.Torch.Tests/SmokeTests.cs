using static TorchSharp.torch;

namespace Ltc.Torch.Tests;

public class SmokeTests
{
    [Fact]
    public void TorchLoads()
    {
        var a = ones(3, 3);
        Assert.Equal(9f, a.sum().item<float>());
    }
}
