using System.Text.Json;
using System.Text.Json.Serialization;
using MaskRcnn.Modeling;
using static TorchSharp.torch;

namespace MaskRcnn.Inference;

/// <summary>A model config and a human-readable note of where it came from.</summary>
public sealed record ResolvedConfig(MaskRcnnConfig Config, string Origin);

/// <summary>
/// Chooses the model config for a weights file, in this order: an explicit config JSON file; the config stored
/// with the weights; torchvision's <c>maskrcnn_resnet50_fpn</c> layout with the given number of classes; that
/// layout with the class count read off the weights' box classifier (<c>cls_score.weight</c> has one row per class).
/// </summary>
public static class ModelConfigResolver
{
    const string ClassifierKey = "roi_heads.box_predictor.cls_score.weight";

    /// <param name="weights">The weights the config is for (its stored config, its path for messages).</param>
    /// <param name="configPath">A config JSON file that overrides everything else; null for none.</param>
    /// <param name="state">The weights' tensors, consulted only when nothing else gives the class count.</param>
    /// <param name="numClasses">Classes including background; when given with a config, it must agree with it.</param>
    public static ResolvedConfig Resolve(WeightsSource weights, string? configPath, int? numClasses, IReadOnlyDictionary<string, Tensor>? state = null)
    {
        var resolved = configPath is not null ? new ResolvedConfig(ReadConfigFile(configPath), configPath)
            : weights.EmbeddedConfig is { } embedded ? new ResolvedConfig(embedded, $"stored with the weights ({weights.Path})")
            : numClasses is int n ? new ResolvedConfig(MaskRcnnConfig.ResNet50Fpn(n), $"ResNet-50-FPN defaults with {n} classes")
            : InferFromWeights(weights, state);
        if (numClasses is int requested && requested != resolved.Config.NumClasses)
            throw new ArgumentException(
                $"{requested} classes were asked for, but the model config ({resolved.Origin}) has NumClasses {resolved.Config.NumClasses}");
        try
        {
            resolved.Config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{resolved.Origin}: invalid model config: {e.Message}", e);
        }
        return resolved;
    }

    // Strict where MaskRcnnConfig.FromJson is lenient: a user's file with a misspelt or foreign key (say, a COCO
    // annotations file given by mistake) must not silently become the default config.
    static readonly JsonSerializerOptions StrictJson = new() { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    /// <summary>Reads a <see cref="MaskRcnnConfig"/> JSON file (as <see cref="MaskRcnnConfig.ToJson"/> writes it; unknown
    /// keys are errors), naming the file in every error.</summary>
    public static MaskRcnnConfig ReadConfigFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: config file not found", path);
        try
        {
            return JsonSerializer.Deserialize<MaskRcnnConfig>(File.ReadAllText(path), StrictJson)
                ?? throw new JsonException("the JSON is null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid model config JSON ({e.Message})", e);
        }
    }

    static ResolvedConfig InferFromWeights(WeightsSource weights, IReadOnlyDictionary<string, Tensor>? state)
    {
        if (state is not null && state.TryGetValue(ClassifierKey, out var classifier) && classifier.dim() == 2)
        {
            int n = (int)classifier.shape[0];
            return new ResolvedConfig(MaskRcnnConfig.ResNet50Fpn(n), $"ResNet-50-FPN defaults with {n} classes (read from {ClassifierKey})");
        }
        throw new ArgumentException($"{weights.Path}: the weights carry no model config; give a config file or the number of classes");
    }
}
