using System.Text.Json;
using MaskRcnn.Data.Images;
using MaskRcnn.Inference;
using MaskRcnn.Modeling;
using MaskRcnn.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Inference;

/// <summary>docs/configs/coco-v1.json: torchvision's COCO_V1 maskrcnn_resnet50_fpn, with its label names.</summary>
public sealed class CocoV1ConfigTests
{
    static MaskRcnnConfig Load() => MaskRcnnConfig.FromJson(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "configs", "coco-v1.json")));

    [Fact]
    public void Label_map_equals_torchvisions_weights_meta_categories()
    {
        // MaskRCNN_ResNet50_FPN_Weights.COCO_V1.meta["categories"] from torchvision 0.14 (tests/fixtures/backbones/make_fixtures.py).
        var categories = JsonSerializer.Deserialize<string[]>(File.ReadAllText(TestPaths.Fixture("backbones", "coco_v1_categories.json")))!;
        var config = Load();
        Assert.Equal(91, categories.Length);
        Assert.Equal("__background__", categories[0]);
        Assert.Equal(categories.Length, config.NumClasses);
        for (int label = 1; label < categories.Length; label++)
        {
            Assert.Equal(categories[label], config.Classes[label - 1].Name);
            // torchvision's COCO labels are COCO's category ids.
            Assert.Equal(label, config.Classes[label - 1].CategoryId);
        }
        // COCO 2017 has 80 categories; ids 12, 26, 29, 30, 45, 66, 68, 69, 71, 83 are unused (torchvision's "N/A").
        Assert.Equal(80, config.Classes.Count(c => c.Name != "N/A"));
        Assert.Equal([12, 26, 29, 30, 45, 66, 68, 69, 71, 83], config.Classes.Where(c => c.Name == "N/A").Select(c => c.CategoryId));
    }

    [Fact]
    public void The_rest_is_torchvisions_maskrcnn_resnet50_fpn_with_the_v1_checkpoints_frozen_norm_eps_0()
    {
        var config = Load();
        var expected = MaskRcnnConfig.ResNet50Fpn(91) with
        {
            Classes = config.Classes,
            Backbone = new BackboneConfig { FrozenBatchNormEps = 0 },
        };
        Assert.Equal(expected.ToJson(), config.ToJson());
        config.Validate();
    }

    [Fact]
    public void A_predictor_with_that_config_names_label_1_person()
    {
        // The COCO config at reduced widths (the class list is what matters), with a classifier that always says label 1.
        var coco = Load();
        var config = coco with
        {
            Backbone = coco.Backbone with { Width = 4, FpnOutChannels = 8 },
            Transform = coco.Transform with { MinSize = [64], MaxSize = 64 },
            RoiHeads = coco.RoiHeads with { RepresentationSize = 16, MaskLayers = [8], MaskDimReduced = 8 },
        };
        using var model = new MaskRcnnModel(config);
        var state = model.state_dict();
        using (no_grad())
        {
            state["roi_heads.box_predictor.cls_score.weight"].zero_();
            state["roi_heads.box_predictor.cls_score.bias"].zero_()[1] = 10f;
        }
        using var predictor = new Predictor(model);
        Assert.Equal("person", predictor.Classes[1].Name);
        var image = new RgbImage(64, 64, Enumerable.Range(0, 64 * 64 * 3).Select(i => (byte)(i * 37 % 251)).ToArray());
        var detections = predictor.Predict(image);
        Assert.NotEmpty(detections);
        Assert.All(detections, d => Assert.Equal(("person", 1L), (d.ClassName, d.CategoryId)));
    }
}
