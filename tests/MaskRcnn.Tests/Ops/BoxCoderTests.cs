using MaskRcnn.Ops;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Ops;

public sealed class BoxCoderTests : IDisposable
{
    readonly OpsFixture fx = new("boxcoder_cases.safetensors");

    public void Dispose() => fx.Dispose();

    public static TheoryData<string, double, double, double, double> Weights => new()
    {
        { "w1111", 1, 1, 1, 1 },
        { "w101055", 10, 10, 5, 5 },
    };

    [Theory]
    [MemberData(nameof(Weights))]
    public void EncodeMatchesTorchvision(string name, double wx, double wy, double ww, double wh)
    {
        using var targets = new BoxCoder(wx, wy, ww, wh).Encode(fx["gt"], fx["proposals"]);
        Assert.True(OpsFixture.MaxAbsError(fx["encode_" + name], targets) <= 1e-5);
    }

    [Theory]
    [MemberData(nameof(Weights))]
    public void DecodeMatchesTorchvisionIncludingClampedHugeDeltas(string name, double wx, double wy, double ww, double wh)
    {
        var coder = new BoxCoder(wx, wy, ww, wh);
        using var decoded = coder.Decode(fx["rel_codes"], fx["proposals"]);
        using var decoded1 = coder.Decode(fx["rel_codes"][.., ..4], fx["proposals"]);
        // Clamped rows reach exp(log(62.5)) * width: compare relative to the coordinates' magnitude.
        using var scale = fx["decode_" + name].abs().max();
        double tolerance = 1e-5 * Math.Max(1.0, scale.item<float>() / 100);
        Assert.True(OpsFixture.MaxAbsError(fx["decode_" + name], decoded) <= tolerance);
        Assert.True(OpsFixture.MaxAbsError(fx["decode1_" + name], decoded1) <= tolerance);
    }

    [Fact]
    public void HugeDeltasAreClampedAtLogOf1000Over16()
    {
        Assert.Equal(Math.Log(1000.0 / 16), new BoxCoder(1, 1, 1, 1).BboxXformClip);
        using var box = tensor(new float[] { 0, 0, 10, 20 }, [1, 4]);
        using var huge = tensor(new float[] { 0, 0, 100, 100 }, [1, 4]);
        using var decoded = new BoxCoder(1, 1, 1, 1).Decode(huge, box);
        // Width 10 and height 20 scale by 1000 / 16 = 62.5 (up to float32 exp) about the centre (5, 10).
        var expected = new[] { 5 - 312.5, 10 - 625, 5 + 312.5, 10 + 625 };
        var actual = decoded.data<float>().ToArray();
        for (int k = 0; k < 4; k++) Assert.Equal(expected[k], actual[k], 1e-3);
    }

    [Fact]
    public void EncodeThenDecodeRecoversTheBoxes()
    {
        var coder = new BoxCoder(10, 10, 5, 5);
        using var codes = coder.Encode(fx["gt"], fx["proposals"]);
        using var back = coder.Decode(codes, fx["proposals"]);
        Assert.True(OpsFixture.MaxAbsError(fx["gt"], back) <= 1e-3);
    }

    [Fact]
    public void RejectsMisshapenCodes()
    {
        using var codes = zeros(fx["proposals"].shape[0], 6);
        Assert.Throws<ArgumentException>(() => new BoxCoder(1, 1, 1, 1).Decode(codes, fx["proposals"]));
    }
}
