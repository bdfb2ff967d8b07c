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
        // Within 1e-5, or 1 float32 ulp for large coordinates (clamped rows reach 62.5 widths): libtorch 2.10's
        // vectorised exp and torch 1.13's differ by an ulp on about 1 element in 14 (neither is correctly rounded).
        AssertClose(fx["decode_" + name], decoded);
        AssertClose(fx["decode1_" + name], decoded1);
    }

    static void AssertClose(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        const double ulp = 1.2e-7;
        Assert.True(actual.allclose(expected, rtol: ulp, atol: 1e-5),
            $"max abs error {OpsFixture.MaxAbsError(expected, actual)} exceeds 1e-5 + 1 ulp");
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
    public void EmptyInputsGiveEmptyOutputs()
    {
        using var boxes = empty(0, 4);
        using var codes = empty(0, 12);
        using var decoded = new BoxCoder(10, 10, 5, 5).Decode(codes, boxes);
        Assert.Equal(new long[] { 0, 12 }, decoded.shape);
        using var encoded = new BoxCoder(10, 10, 5, 5).Encode(boxes, boxes);
        Assert.Equal(new long[] { 0, 4 }, encoded.shape);
    }

    [Fact]
    public void DecodeIsDifferentiableInTheDeltas()
    {
        using var codes = fx["rel_codes"][8..16].detach().requires_grad_(true);
        using var decoded = new BoxCoder(10, 10, 5, 5).Decode(codes, fx["proposals"][8..16]);
        using var loss = decoded.sum();
        loss.backward();
        using var grad = codes.grad!;
        Assert.Equal(codes.shape, grad.shape);
        using var finite = grad.isfinite().all();
        Assert.True(finite.item<bool>());
    }

    [Fact]
    public void RejectsMisshapenCodes()
    {
        using var codes = zeros(fx["proposals"].shape[0], 6);
        Assert.Throws<ArgumentException>(() => new BoxCoder(1, 1, 1, 1).Decode(codes, fx["proposals"]));
    }
}
