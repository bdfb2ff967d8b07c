using System.Text.Json;
using MaskRcnn.Modeling;
using MaskRcnn.Tests.Modeling;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Weights;

public sealed class ModelWeightsTests
{
    [Fact]
    public void ResNet50Fpn_state_dict_has_torchvision_keys_and_shapes()
    {
        // maskrcnn_resnet50_fpn_keys.json is torchvision 0.14's own state_dict listing (gen_weights_fixtures.py).
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("model", "maskrcnn_resnet50_fpn_keys.json")));
        var expected = doc.RootElement.EnumerateArray().ToDictionary(
            e => e.GetProperty("key").GetString()!, e => e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray());
        using var model = new MaskRcnnModel(MaskRcnnConfig.ResNet50Fpn());
        var actual = model.state_dict();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, shape) in expected) Assert.True(shape.SequenceEqual(actual[key].shape), $"{key}: [{string.Join(",", actual[key].shape)}]");
    }

    [Fact]
    public void ResNet50Fpn_freezes_conv1_and_layer1_like_trainable_layers_3()
    {
        using var model = new MaskRcnnModel(MaskRcnnConfig.ResNet50Fpn());
        var frozen = model.named_parameters().Where(p => !p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.Contains("backbone.body.conv1.weight", frozen);
        Assert.Contains("backbone.body.layer1.0.conv1.weight", frozen);
        Assert.All(frozen, n => Assert.True(n.StartsWith("backbone.body.conv1", StringComparison.Ordinal) || n.StartsWith("backbone.body.layer1", StringComparison.Ordinal), n));
        Assert.True(model.named_parameters().Single(p => p.name == "backbone.body.layer2.0.conv1.weight").parameter.requires_grad);
    }

    [Fact]
    public void Legacy_pth_names_map_to_current_modules_with_identical_values()
    {
        // torch.save'd with pre-0.13 names (rpn.head.conv.weight, fpn.inner_blocks.i.weight, mask_head.mask_fcn{i}).
        var legacy = StateDictFile.Read(TestPaths.Fixture("model", "tiny_legacy_subset.pth"));
        var current = SafeTensors.Load(TinyModel.WeightsPath);
        try
        {
            Assert.Contains("rpn.head.conv.weight", legacy.Keys);
            Assert.Contains("roi_heads.mask_head.mask_fcn2.bias", legacy.Keys);
            foreach (var (key, value) in legacy)
            {
                var name = TorchvisionKeys.Normalize(key);
                Assert.True(current.ContainsKey(name), $"{key} -> {name}");
                Assert.True(value.allclose(current[name], 0, 0), name);
            }
            Assert.Equal("roi_heads.mask_head.1.0.weight", TorchvisionKeys.Normalize("roi_heads.mask_head.mask_fcn2.weight"));
            Assert.Equal("backbone.fpn.layer_blocks.3.0.bias", TorchvisionKeys.Normalize("backbone.fpn.layer_blocks.3.bias"));
            Assert.Equal("backbone.body.layer1.0.conv1.weight", TorchvisionKeys.Normalize("backbone.body.layer1.0.conv1.weight"));
        }
        finally
        {
            foreach (var t in legacy.Values.Concat(current.Values)) t.Dispose();
        }
    }

    [Fact]
    public void Mismatch_lists_missing_unexpected_and_wrong_shaped_keys_and_names_the_file()
    {
        using var model = new MaskRcnnModel(TinyModel.Config);
        var state = SafeTensors.Load(TinyModel.WeightsPath);
        state.Remove("rpn.head.cls_logits.bias", out var removed);
        removed!.Dispose();
        state["extra.weight"] = zeros(3);
        state["roi_heads.box_predictor.cls_score.weight"] = zeros(5, 64);
        var ex = Assert.Throws<WeightsMismatchException>(() => StateDictLoader.Load(model, state, "some/file.safetensors"));
        Assert.Equal(["rpn.head.cls_logits.bias"], ex.Missing);
        Assert.Equal(["extra.weight"], ex.Unexpected);
        Assert.Single(ex.WrongShape);
        Assert.Contains("roi_heads.box_predictor.cls_score.weight", ex.WrongShape[0]);
        Assert.Contains("some/file.safetensors", ex.Message);
        foreach (var t in state.Values) t.Dispose();
    }

    [Fact]
    public void Class_count_change_keeps_fresh_predictor_layers_and_loads_everything_else()
    {
        using var model = new MaskRcnnModel(TinyModel.Config with { NumClasses = 3 });
        using var before = model.state_dict()["roi_heads.box_predictor.cls_score.weight"].clone();
        Assert.Throws<WeightsMismatchException>(() => ModelWeights.Load(model, TinyModel.WeightsPath));
        var skipped = ModelWeights.Load(model, TinyModel.WeightsPath, allowClassCountChange: true);
        Assert.Equal(ModelWeights.ClassSpecificKeys.Order(), skipped.Order());
        var sd = model.state_dict();
        Assert.True(sd["roi_heads.box_predictor.cls_score.weight"].allclose(before, 0, 0));
        using var file = SafeTensors.Load(TinyModel.WeightsPath).ToDisposable();
        using var fileWeight = file.Value["rpn.head.conv.0.0.weight"].to_type(ScalarType.Float32); // stored as F16
        Assert.True(sd["rpn.head.conv.0.0.weight"].allclose(fileWeight, 0, 0));
    }

    [Fact]
    public void SaveWeights_round_trips_with_torchvision_names_and_the_config()
    {
        using var model = TinyModel.Load();
        // A fixed path so that check_safetensors_in_torchvision.py can be pointed at it after a test run.
        var path = Path.Combine(Path.GetTempPath(), "maskrcnn_tiny_saved.safetensors");
        ModelWeights.Save(model, path);
        var saved = SafeTensors.Load(path);
        try
        {
            var sd = model.state_dict();
            Assert.Equal(sd.Keys.Order(), saved.Keys.Order());
            Assert.DoesNotContain(saved.Keys, k => k.EndsWith("num_batches_tracked", StringComparison.Ordinal));
            foreach (var (k, v) in sd) Assert.True(v.allclose(saved[k], 0, 0), k);
            var config = MaskRcnnConfig.FromJson(SafeTensors.ReadMetadata(path)[ModelWeights.ConfigMetadataKey]);
            Assert.Equal(TinyModel.Config.ToJson(), config.ToJson());
            using var reloaded = new MaskRcnnModel(config);
            ModelWeights.Load(reloaded, path);
        }
        finally
        {
            foreach (var t in saved.Values) t.Dispose();
        }
        if (Environment.GetEnvironmentVariable("MASKRCNN_EXPORT_R50") is { Length: > 0 } r50Path)
        {
            using var r50 = new MaskRcnnModel(MaskRcnnConfig.ResNet50Fpn());
            ModelWeights.Save(r50, r50Path);
        }
    }
}

internal static class DisposableDictionary
{
    public sealed class Holder(Dictionary<string, Tensor> value) : IDisposable
    {
        public Dictionary<string, Tensor> Value { get; } = value;
        public void Dispose() { foreach (var t in Value.Values) t.Dispose(); }
    }

    public static Holder ToDisposable(this Dictionary<string, Tensor> d) => new(d);
}
