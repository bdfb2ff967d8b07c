using MaskRcnn.Modeling;
using MaskRcnn.Modeling.Backbone;
using MaskRcnn.Tests.Modeling;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Weights;

/// <summary>torchvision ImageNet classification checkpoints as detection bodies (tests/fixtures/backbones/make_fixtures.py).</summary>
public sealed class ImageNetBackboneWeightsTests(ITestOutputHelper output)
{
    static string Fixture(string name) => TestPaths.Fixture("backbones", name);

    [Theory]
    [InlineData("resnet18_w8", 18, false)]
    [InlineData("resnet50_w4", 50, true)]
    public void Body_features_equal_torchvisions_intermediate_layer_getter(string name, int depth, bool bottleneck)
    {
        using var pretrained = PretrainedBackbone.Resolve(Fixture($"{name}_imagenet.pth"));
        var b = pretrained.Body;
        Assert.Equal(depth, b.Depth);
        Assert.Equal(bottleneck, b.Bottleneck);
        Assert.True(b.HasStandardBlocks);
        Assert.DoesNotContain(b.Tensors.Keys, k => k.StartsWith("fc.", StringComparison.Ordinal) || k.EndsWith("num_batches_tracked", StringComparison.Ordinal));

        using var body = new ResNet(b.Depth, stages: 4, b.Width, NormLayer.Factory(new BackboneConfig { FrozenBatchNormEps = b.NormEps }), b.BlocksPerStage);
        pretrained.LoadInto(body);
        body.eval();
        var fixture = SafeTensors.Load(Fixture($"{name}_features.safetensors"));
        try
        {
            using var _ = no_grad();
            var features = body.Forward(fixture["image"]);
            for (int i = 0; i < 4; i++)
            {
                double err = ParityAssert.RelativeError(features[i], fixture[$"c{i + 2}"]);
                output.WriteLine($"{name} c{i + 2}: {err:E2}");
                Assert.True(err < 1e-4, $"c{i + 2} relative error {err}");
                features[i].Dispose();
            }
        }
        finally
        {
            foreach (var t in fixture.Values) t.Dispose();
        }
    }

    [Fact]
    public void Configure_turns_a_from_scratch_config_into_torchvisions_pretrained_one_and_loads_only_the_body()
    {
        using var pretrained = PretrainedBackbone.Resolve(Fixture("resnet18_w8_imagenet.pth"));
        var scratch = MaskRcnnConfig.ForArchitecture("r50-fpn", numClasses: 3, fromScratch: true) with
        {
            Transform = new TransformConfig { ImageMean = [0.5, 0.5, 0.5], ImageStd = [1, 1, 1] },
        };
        var config = pretrained.Configure(scratch);
        Assert.Equal(18, config.Backbone.Depth);
        Assert.Equal(8, config.Backbone.Width);
        Assert.Null(config.Backbone.BlocksPerStage);
        Assert.Equal(NormKind.FrozenBatchNorm, config.Backbone.Norm);
        Assert.Equal(3, config.Backbone.TrainableLayers);
        Assert.Equal([0.485, 0.456, 0.406], config.Transform.ImageMean);
        Assert.Equal([0.229, 0.224, 0.225], config.Transform.ImageStd);
        Assert.Equal(3, config.NumClasses);

        using var model = new MaskRcnnModel(config);
        using var fpnBefore = model.state_dict()["backbone.fpn.layer_blocks.0.0.weight"].clone();
        pretrained.LoadInto(model);
        var state = model.state_dict();
        foreach (var (key, value) in pretrained.Body.Tensors)
            Assert.True(state["backbone.body." + key].eq(value).all().item<bool>(), key);
        Assert.True(state["backbone.fpn.layer_blocks.0.0.weight"].eq(fpnBefore).all().item<bool>(), "the FPN keeps its initialisation");
        // torchvision's trainable_backbone_layers=3: layer2..layer4 train, layer1 and the stem do not.
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.Contains("backbone.body.layer2.0.conv1.weight", trainable);
        Assert.DoesNotContain("backbone.body.layer1.0.conv1.weight", trainable);
        Assert.DoesNotContain("backbone.body.conv1.weight", trainable);
    }

    [Fact]
    public void C4_puts_layer4_into_the_res5_head()
    {
        using var pretrained = PretrainedBackbone.Resolve(Fixture("resnet50_w4_imagenet.pth"));
        var config = pretrained.Configure(MaskRcnnConfig.ResNet50C4(numClasses: 2));
        using var model = new MaskRcnnModel(config);
        pretrained.LoadInto(model);
        var state = model.state_dict();
        foreach (var (key, value) in pretrained.Body.Tensors)
        {
            var name = key.StartsWith("layer4.", StringComparison.Ordinal) ? "roi_heads.box_head." + key : "backbone.body." + key;
            Assert.True(state[name].eq(value).all().item<bool>(), name);
        }
    }

    [Fact]
    public void A_detection_checkpoint_is_refused_in_one_line_saying_what_it_is()
    {
        using var w = zeros(4, 3, 7, 7);
        var detectionState = new Dictionary<string, Tensor> { ["backbone.body.conv1.weight"] = w, ["rpn.head.conv.0.0.weight"] = w };
        var ex = Assert.Throws<InvalidDataException>(() => ImageNetBackboneWeights.FromStateDict(detectionState, "maskrcnn_coco.pth"));
        output.WriteLine(ex.Message);
        Assert.StartsWith("maskrcnn_coco.pth: a detection checkpoint", ex.Message);
        Assert.Contains("expected a torchvision ResNet", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Another_depth_is_refused_naming_both()
    {
        var path = Fixture("resnet18_w8_imagenet.pth");
        var ex = Assert.Throws<InvalidDataException>(() => ImageNetBackboneWeights.Read(path, expectedDepth: 50));
        output.WriteLine(ex.Message);
        Assert.Equal($"{path}: a ResNet-18 classification checkpoint (blocks [2,2,2,2]), expected ResNet-50", ex.Message);
    }

    [Fact]
    public void A_state_dict_that_is_not_a_resnet_is_refused()
    {
        using var w = zeros(4, 3, 3, 3);
        var vgg = new Dictionary<string, Tensor> { ["features.0.weight"] = w, ["classifier.0.weight"] = w };
        var ex = Assert.Throws<InvalidDataException>(() => ImageNetBackboneWeights.FromStateDict(vgg, "vgg16.pth"));
        output.WriteLine(ex.Message);
        Assert.StartsWith("vgg16.pth: not a ResNet", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void A_checkpoint_in_torchs_legacy_format_is_refused_with_how_to_convert_it()
    {
        var path = Fixture("legacy_format.pth");
        var ex = Assert.Throws<InvalidDataException>(() => PretrainedBackbone.Resolve(path));
        output.WriteLine(ex.Message);
        Assert.StartsWith($"{path}: torch.save's legacy format", ex.Message);
        Assert.Contains("torch.save(torch.load(", ex.Message);
    }

    [Fact]
    public void A_body_that_does_not_fit_the_model_names_the_file()
    {
        using var pretrained = PretrainedBackbone.Resolve(Fixture("resnet18_w8_imagenet.pth"));
        using var model = new MaskRcnnModel(MaskRcnnConfig.ResNet18Fpn(2) with { Backbone = new BackboneConfig { Depth = 18, Width = 16, FpnOutChannels = 16 } });
        var ex = Assert.Throws<WeightsMismatchException>(() => pretrained.LoadInto(model));
        Assert.StartsWith(Fixture("resnet18_w8_imagenet.pth"), ex.Message);
        Assert.NotEmpty(ex.WrongShape);
    }
}
