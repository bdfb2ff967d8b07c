using MaskRcnn.Modeling;

namespace MaskRcnn.Tests.Modeling;

public sealed class MaskRcnnConfigTests
{
    [Fact]
    public void Defaults_are_torchvision_maskrcnn_resnet50_fpn()
    {
        var c = MaskRcnnConfig.ResNet50Fpn();
        Assert.Equal(91, c.NumClasses);
        Assert.Equal([800], c.Transform.MinSize);
        Assert.Equal(1333, c.Transform.MaxSize);
        Assert.Equal((2000, 2000, 1000, 1000), (c.Rpn.PreNmsTopNTrain, c.Rpn.PostNmsTopNTrain, c.Rpn.PreNmsTopNTest, c.Rpn.PostNmsTopNTest));
        Assert.Equal((0.7, 0.7, 0.3, 256, 0.5), (c.Rpn.NmsThresh, c.Rpn.FgIouThresh, c.Rpn.BgIouThresh, c.Rpn.BatchSizePerImage, c.Rpn.PositiveFraction));
        Assert.Equal((0.5, 0.5, 512, 0.25), (c.RoiHeads.FgIouThresh, c.RoiHeads.BgIouThresh, c.RoiHeads.BatchSizePerImage, c.RoiHeads.PositiveFraction));
        Assert.Equal((0.05, 0.5, 100), (c.RoiHeads.ScoreThresh, c.RoiHeads.NmsThresh, c.RoiHeads.DetectionsPerImage));
        Assert.Equal([10.0, 10.0, 5.0, 5.0], c.RoiHeads.BboxRegWeights);
        Assert.Equal((50, 3, 1e-5, 256), (c.Backbone.Depth, c.Backbone.TrainableLayers, c.Backbone.FrozenBatchNormEps, c.Backbone.FpnOutChannels));
        Assert.Equal(1024, c.RoiHeads.RepresentationSize);
    }

    [Fact]
    public void Json_round_trip_preserves_every_setting()
    {
        var c = MaskRcnnConfig.ResNet50C4(3) with
        {
            Classes = [new ClassInfo("cat", 17), new ClassInfo("dog", 18)],
            Transform = new TransformConfig { MinSize = [640, 672, 704], MaxSize = 1000 },
            Backbone = new BackboneConfig { Architecture = Architecture.C4, Depth = 101, FrozenBatchNormEps = 0, C4Res5Stride = 2 },
        };
        var json = c.ToJson();
        var back = MaskRcnnConfig.FromJson(json);
        Assert.Equal(json, back.ToJson());
        Assert.Equal(Architecture.C4, back.Backbone.Architecture);
        Assert.Equal("dog", back.Classes[1].Name);
        Assert.Equal(18, back.Classes[1].CategoryId);
        Assert.Equal([640, 672, 704], back.Transform.MinSize);
        Assert.Contains("\"C4\"", json);
    }

    [Fact]
    public void Validate_rejects_inconsistent_settings_with_a_clear_message()
    {
        var bad = MaskRcnnConfig.ResNet50Fpn(3) with { Classes = [new ClassInfo("a", 1)] };
        Assert.Contains("Classes lists 1", Assert.Throws<ArgumentException>(bad.Validate).Message);
        var depth = MaskRcnnConfig.ResNet50Fpn() with { Backbone = new BackboneConfig { Depth = 42 } };
        Assert.Contains("42", Assert.Throws<ArgumentException>(depth.Validate).Message);
        var levels = MaskRcnnConfig.ResNet50Fpn() with { Rpn = MaskRcnnConfig.ResNet50C4().Rpn };
        Assert.Contains("feature level", Assert.Throws<ArgumentException>(levels.Validate).Message);
    }
}
