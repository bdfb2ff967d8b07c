using MaskRcnn.Ops;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Ops;

public sealed class MatcherTests : IDisposable
{
    readonly OpsFixture fx = new("matcher_cases.safetensors");

    public void Dispose() => fx.Dispose();

    [Theory]
    [InlineData("iou")]
    [InlineData("iou_quantised")]
    [InlineData("hand")]
    public void MatchesTorchvisionWithLowQualityMatches(string name)
    {
        using var matches = new Matcher(0.7, 0.3, true).Match(fx[name]);
        Assert.Equal(ScalarType.Int64, matches.dtype);
        Assert.Equal(fx.Longs(name + "_match_7_3_true"), matches.data<long>().ToArray());
    }

    [Theory]
    [InlineData("iou")]
    [InlineData("iou_quantised")]
    [InlineData("hand")]
    public void MatchesTorchvisionWithEqualThresholdsAndNoLowQualityMatches(string name)
    {
        using var matches = new Matcher(0.5, 0.5, false).Match(fx[name]);
        Assert.Equal(fx.Longs(name + "_match_5_5_false"), matches.data<long>().ToArray());
    }

    [Fact]
    public void TiedBestPredictionsOfAGroundTruthAllRegainTheirMatch()
    {
        // gt 0's best quality (0.2) is shared by predictions 1 and 3: both get gt 0 back although below 0.3;
        // prediction 3 ties across gts and keeps the first. gt 1's best is prediction 5 (0.8, a real match).
        using var quality = tensor(new float[] { 0.1f, 0.2f, 0.05f, 0.2f, 0.0f, 0.1f, 0.1f, 0.1f, 0.25f, 0.2f, 0.25f, 0.8f }, [2, 6]);
        using var matches = new Matcher(0.7, 0.3, true).Match(quality);
        const long low = Matcher.BelowLowThreshold;
        Assert.Equal(new long[] { low, 0, low, 0, low, 1 }, matches.data<long>().ToArray());
        using var strict = new Matcher(0.7, 0.15, false).Match(quality);
        const long between = Matcher.BetweenThresholds;
        Assert.Equal(new long[] { low, between, between, between, between, 1 }, strict.data<long>().ToArray());
    }

    [Fact]
    public void EmptyGroundTruthRaisesLikeTorchvision()
    {
        using var none = empty(0, 5);
        var e = Assert.Throws<ArgumentException>(() => new Matcher(0.7, 0.3, true).Match(none));
        Assert.Contains("No ground-truth boxes", e.Message);
    }

    [Fact]
    public void RejectsLowAboveHigh() => Assert.Throws<ArgumentException>(() => new Matcher(0.3, 0.7, false));
}
