using MaskRcnn.Modeling;
using MaskRcnn.Training;
using MaskRcnn.Weights;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// Builds a model from what <c>--weights</c> names: a checkpoint or run folder (config from the checkpoint),
/// a .safetensors file saved by this library (config in its metadata), or torchvision weights (the default
/// ResNet-50-FPN config with COCO's 91 classes).
/// </summary>
static class ModelSource
{
    public static MaskRcnnModel Open(string weights)
    {
        if (Directory.Exists(weights))
        {
            string checkpoint = Checkpoint.Resolve(weights);
            var state = Checkpoint.ReadState(checkpoint);
            var config = state.ModelConfig is null
                ? throw new CliException($"{checkpoint}: the checkpoint has no model configuration")
                : MaskRcnnConfig.FromJson(state.ModelConfig.ToJsonString());
            return Load(config, Path.Combine(checkpoint, Checkpoint.ModelFile));
        }
        if (!File.Exists(weights)) throw new CliException($"{weights}: no such weights file or checkpoint folder");
        var metadata = weights.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? SafeTensors.ReadMetadata(weights) : [];
        return Load(metadata.TryGetValue(MaskRcnnModel.ConfigMetadataKey, out var json) ? MaskRcnnConfig.FromJson(json) : MaskRcnnConfig.ResNet50Fpn(), weights);
    }

    static MaskRcnnModel Load(MaskRcnnConfig config, string path)
    {
        var model = new MaskRcnnModel(config);
        model.LoadWeights(path);
        model.eval();
        return model;
    }

    /// <summary>Display names by label (0 = background); labels without a name in the config show as numbers.</summary>
    public static IReadOnlyList<string> ClassNames(MaskRcnnConfig config) =>
        ["__background__", .. Enumerable.Range(1, config.NumClasses - 1).Select(label =>
            label - 1 < config.Classes.Count ? config.Classes[label - 1].Name : label.ToString(System.Globalization.CultureInfo.InvariantCulture))];
}
