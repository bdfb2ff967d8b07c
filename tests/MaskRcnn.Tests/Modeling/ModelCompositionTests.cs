using MaskRcnn.Modeling;
using MaskRcnn.Modeling.Backbone;
using MaskRcnn.Modeling.Builders;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Modeling;

/// <summary>The model as torchvision's GeneralizedRCNN: ready parts in, a builder per architecture.</summary>
public sealed class ModelCompositionTests
{
    static readonly MaskRcnnConfig Small = TinyModel.Config with { Transform = new TransformConfig { MinSize = [64], MaxSize = 64 } };

    [Fact]
    public void A_callers_own_backbone_body_sizes_the_fpn_and_the_model_predicts()
    {
        // A body twice as wide as the config's: the FPN's lateral convolutions must follow the body, not the config.
        var body = new ResNet(depth: 18, stages: 4, width: 16, NormLayer.Factory(Small.Backbone));
        using var model = new MaskRcnnModel(FpnModelBuilder.Build(Small, body));
        var state = model.state_dict();
        Assert.Equal([16L, 3, 7, 7], state["backbone.body.conv1.weight"].shape);
        Assert.Equal([Small.Backbone.FpnOutChannels, 128L, 1, 1], state["backbone.fpn.inner_blocks.3.0.weight"].shape);
        using var image = rand(3, 64, 64);
        var detections = model.Predict([image]);
        Assert.Equal((64L, 64L), detections[0].ImageSize);
        foreach (var d in detections) d.Dispose();
    }

    [Fact]
    public void Each_builder_refuses_the_other_architecture_and_the_model_equals_the_builders_parts()
    {
        var c4 = MaskRcnnConfig.ResNet50C4(3) with { Backbone = new BackboneConfig { Architecture = Architecture.C4, Depth = 18, Width = 8 } };
        Assert.Contains("builds Fpn models", Assert.Throws<ArgumentException>(() => FpnModelBuilder.Build(c4)).Message);
        Assert.Contains("builds C4 models", Assert.Throws<ArgumentException>(() => C4ModelBuilder.Build(Small)).Message);

        using var fromConfig = new MaskRcnnModel(c4);
        using var fromParts = new MaskRcnnModel(C4ModelBuilder.Build(c4));
        Assert.Equal(fromConfig.state_dict().Keys.Order(), fromParts.state_dict().Keys.Order());
        // C4 shares res5 between the box and mask branches: its weights exist once, and there is no mask_head.
        Assert.DoesNotContain(fromParts.state_dict().Keys, k => k.StartsWith("roi_heads.mask_head.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("MaskRoiSize")]
    [InlineData("MaskLayers")]
    [InlineData("RepresentationSize")]
    public void A_c4_config_that_sets_a_field_c4_ignores_is_rejected(string field)
    {
        var heads = new RoiHeadsConfig();
        heads = field switch
        {
            "MaskRoiSize" => heads with { MaskRoiSize = 28 },
            "MaskLayers" => heads with { MaskLayers = [64] },
            _ => heads with { RepresentationSize = 512 },
        };
        var config = MaskRcnnConfig.ResNet50C4(3) with { RoiHeads = heads };
        var e = Assert.Throws<ArgumentException>(config.Validate);
        Assert.Contains($"C4 does not use RoiHeads.{field}", e.Message);
        var fpn = MaskRcnnConfig.ResNet50Fpn(3) with { Backbone = new BackboneConfig { C4Res5Stride = 2 } };
        Assert.Contains("Fpn does not use Backbone.C4Res5Stride", Assert.Throws<ArgumentException>(fpn.Validate).Message);
    }

    [Fact]
    public void A_trace_sees_the_pass_itself_and_frames_stay_apart()
    {
        using var model = new MaskRcnnModel(Small);
        using var image = rand(3, 48, 80);
        using var trace = model.PredictWithTrace([image]);
        var roi = trace.RoiDetections[0];
        var final = trace.Detections[0];
        // The RoI heads' detections live in the resized frame (48×80 scaled by min(64/48, 64/80) = 0.8: 38×64) with
        // M×M masks; the final ones in the original 48×80 frame with pasted masks.
        Assert.Equal(trace.Images.ImageSizes[0], roi.ImageSize);
        Assert.Equal((38L, 64L), roi.ImageSize);
        Assert.Equal(28, roi.MaskSize);
        Assert.Equal((48L, 80L), final.ImageSize);
        using (var masks = final.Masks.ToTensor()) Assert.Equal([final.Count, 1L, 48, 80], masks.shape);
        Assert.Equal(roi.Count, final.Count);
        // The box predictor's raw outputs are the pass's own (one row per proposal, no second run of the box head).
        Assert.Equal(trace.Rpn.Proposals[0].shape[0], trace.ClassLogits.shape[0]);
    }
}
