using MaskRcnn.Modeling;
using MaskRcnn.Tests.Inference;
using MaskRcnn.Weights;

namespace MaskRcnn.Tests.Weights;

/// <summary>One resolver for training and inference: each way of naming a model resolves the same way for both.</summary>
public sealed class ModelResolverTests(TinyPredictorFiles files) : IClassFixture<TinyPredictorFiles>
{
    static readonly IReadOnlyList<ClassInfo> DataClasses = [new("cell", 1)];

    [Fact]
    public void A_stored_config_is_found_by_content_whatever_the_file_is_called()
    {
        string renamed = Path.Combine(files.Folder, "weights.bin");
        File.Copy(files.WeightsPath, renamed, overwrite: true);
        using var inference = ModelResolver.Resolve(new ModelRequest { Weights = renamed });
        using var training = ModelResolver.Resolve(new ModelRequest { Weights = renamed, Architecture = "r50-fpn", DatasetClasses = DataClasses });

        Assert.Equal(TinyPredictorFiles.Config.ToJson(), inference.Config.ToJson());
        Assert.Contains("stored with the weights", inference.ConfigOrigin);
        // Training keeps the stored architecture (not the --arch default) and takes the data's classes.
        Assert.Equal(TinyPredictorFiles.Config.Backbone, training.Config.Backbone);
        Assert.Equal(2, training.Config.NumClasses);
        Assert.Equal(DataClasses, training.Config.Classes);
    }

    [Fact]
    public void The_training_policy_reinitialises_the_class_layers_when_the_count_differs()
    {
        using var training = ModelResolver.Resolve(new ModelRequest { Weights = files.WeightsPath, DatasetClasses = DataClasses });
        using var model = training.CreateModel();
        Assert.Equal(ModelWeights.ClassSpecificKeys.Order(), training.ReinitialisedKeys.Order());

        // Inference with the same weights and a contradicting class count is refused, not silently rebuilt.
        var e = Assert.Throws<ArgumentException>(() => ModelResolver.Resolve(new ModelRequest { Weights = files.WeightsPath, NumClasses = 2 }));
        Assert.Contains("NumClasses 3", e.Message);
    }

    [Fact]
    public void A_coco_annotations_file_given_as_the_config_is_refused_by_both()
    {
        string coco = Path.Combine(files.Folder, "instances.json");
        File.WriteAllText(coco, """{"images": [], "annotations": [], "categories": [{"id": 1, "name": "cell"}]}""");
        foreach (var request in new[]
                 {
                     new ModelRequest { Weights = files.WeightsPath, ConfigPath = coco },
                     new ModelRequest { ConfigPath = coco, Architecture = "r18-fpn", DatasetClasses = DataClasses },
                 })
        {
            var e = Assert.Throws<InvalidDataException>(() => ModelResolver.Resolve(request));
            Assert.StartsWith($"{coco}: not a valid model config JSON", e.Message);
        }
    }

    [Fact]
    public void An_architecture_name_without_weights_trains_from_scratch_with_batch_norm()
    {
        using var resolved = ModelResolver.Resolve(new ModelRequest { Architecture = "r18-c4", DatasetClasses = DataClasses });
        Assert.Equal(Architecture.C4, resolved.Config.Backbone.Architecture);
        Assert.Equal(NormKind.BatchNorm, resolved.Config.Backbone.Norm);
        Assert.Equal(5, resolved.Config.Backbone.TrainableLayers);
        Assert.Null(resolved.Weights);
    }

    [Fact]
    public void An_unknown_architecture_and_a_missing_model_are_explained()
    {
        Assert.Contains("unknown architecture 'r7-fpn'",
            Assert.Throws<ArgumentException>(() => ModelResolver.Resolve(new ModelRequest { Architecture = "r7-fpn", DatasetClasses = DataClasses })).Message);
        Assert.Contains("nothing says which model to build", Assert.Throws<ArgumentException>(() => ModelResolver.Resolve(new ModelRequest())).Message);
    }
}
