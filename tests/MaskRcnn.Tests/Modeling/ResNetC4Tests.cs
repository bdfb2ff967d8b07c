using MaskRcnn.Modeling;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Modeling;

/// <summary>The paper's ResNet-C4 variant: builds, runs, and survives a safetensors round trip.</summary>
public sealed class ResNetC4Tests
{
    // Narrow and few proposals so that res5 over every RoI stays fast; the layout is ResNet50C4's.
    static MaskRcnnConfig SmallC4(int res5Stride) => MaskRcnnConfig.ResNet50C4(numClasses: 3) with
    {
        Backbone = new BackboneConfig { Architecture = Architecture.C4, Width = 8, C4Res5Stride = res5Stride },
        Transform = new TransformConfig { MinSize = [128], MaxSize = 160 },
        Rpn = MaskRcnnConfig.ResNet50C4().Rpn with { PreNmsTopNTest = 200, PostNmsTopNTest = 30 },
        RoiHeads = new RoiHeadsConfig { MaskDimReduced = 16, ScoreThresh = 0.0, DetectionsPerImage = 10 },
    };

    /// <summary>
    /// A model whose weights come from a local generator: the default initialisation draws from torch's global
    /// generator, which tests running in parallel also consume, so its outcome would vary from run to run.
    /// </summary>
    static MaskRcnnModel Build(int res5Stride)
    {
        var model = new MaskRcnnModel(SmallC4(res5Stride));
        using var g = new Generator(11);
        using var _ = no_grad();
        foreach (var p in model.parameters()) p.copy_(randn(p.shape, generator: g) * 0.05);
        return model;
    }

    static Tensor Image()
    {
        using var g = new Generator(7);
        return rand([3, 96, 120], generator: g);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Predicts_boxes_and_14x14_masks_pasted_to_the_image(int res5Stride)
    {
        using var model = Build(res5Stride);
        using var image = Image();
        var detections = model.Predict([image]);
        var d = Assert.Single(detections);
        using (d)
        {
            Assert.True(d.Count > 0);
            using var masks = d.Masks.ToTensor();
            Assert.Equal([d.Count, 1, 96, 120], masks.shape);
            Assert.True(d.Labels.min().item<long>() >= 1 && d.Labels.max().item<long>() <= 2);
            Assert.True(d.Boxes[.., 2].max().item<float>() <= 120 && d.Boxes[.., 3].max().item<float>() <= 96);
        }
        var sd = model.state_dict();
        Assert.Contains("backbone.body.layer3.0.conv2.weight", sd.Keys);
        Assert.DoesNotContain("backbone.body.layer4.0.conv2.weight", sd.Keys);
        Assert.Contains("roi_heads.box_head.layer4.0.conv2.weight", sd.Keys);
        Assert.Equal([15, 32 * 4, 1, 1], sd["rpn.head.cls_logits.weight"].shape); // 5 sizes × 3 ratios on C4 (1024·w/64 channels)
        Assert.Equal([3, 16, 1, 1], sd["roi_heads.mask_predictor.mask_fcn_logits.weight"].shape);
        Assert.DoesNotContain(sd.Keys, k => k.StartsWith("roi_heads.mask_head.", StringComparison.Ordinal));
    }

    [Fact]
    public void Weights_round_trip_through_safetensors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"maskrcnn_c4_{Environment.ProcessId}.safetensors");
        try
        {
            using var a = Build(1);
            ModelWeights.Save(a, path);
            using var b = new MaskRcnnModel(SmallC4(1));
            ModelWeights.Load(b, path);
            foreach (var (k, v) in a.state_dict()) Assert.True(v.allclose(b.state_dict()[k], 0, 0), k);
            using var image = Image();
            var da = a.Predict([image]);
            var db = b.Predict([image]);
            Assert.True(da[0].Boxes.allclose(db[0].Boxes, 0, 0));
            using (var ma = da[0].Masks.ToTensor())
            using (var mb = db[0].Masks.ToTensor())
                Assert.True(ma.allclose(mb, 0, 0));
            foreach (var d in da.Concat(db)) d.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
