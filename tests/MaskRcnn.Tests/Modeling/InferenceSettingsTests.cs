using MaskRcnn.Modeling;

namespace MaskRcnn.Tests.Modeling;

public sealed class InferenceSettingsTests
{
    [Fact]
    public void Given_settings_replace_the_configs_and_the_rest_stay()
    {
        var config = MaskRcnnConfig.ResNet50Fpn(3);
        var changed = new InferenceSettings { DetectionsPerImage = 1000, RpnPostNmsTopN = 3000, BoxScoreThreshold = 0.3 }.ApplyTo(config);
        Assert.Equal(1000, changed.RoiHeads.DetectionsPerImage);
        Assert.Equal(3000, changed.Rpn.PostNmsTopNTest);
        Assert.Equal(0.3, changed.RoiHeads.ScoreThresh);
        Assert.Equal(config.Rpn.PostNmsTopNTrain, changed.Rpn.PostNmsTopNTrain); // training counts are not test-time settings
        Assert.Equal(config.RoiHeads.NmsThresh, changed.RoiHeads.NmsThresh);
        Assert.Equal(config.ToJson(), new InferenceSettings().ApplyTo(config).ToJson());
    }

    [Fact]
    public void Out_of_range_values_are_named()
    {
        var config = MaskRcnnConfig.ResNet50Fpn(3);
        Assert.Contains("DetectionsPerImage must be at least 1, got 0", Assert.Throws<ArgumentException>(() => new InferenceSettings { DetectionsPerImage = 0 }.ApplyTo(config)).Message);
        Assert.Contains("BoxNmsThreshold must be in [0, 1], got 1.5", Assert.Throws<ArgumentException>(() => new InferenceSettings { BoxNmsThreshold = 1.5 }.ApplyTo(config)).Message);
    }
}
