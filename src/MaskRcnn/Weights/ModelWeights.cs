using MaskRcnn.Modeling;
using static TorchSharp.torch;

namespace MaskRcnn.Weights;

/// <summary>
/// A <see cref="MaskRcnnModel"/>'s weights in files: torchvision-named state dicts in (<c>.safetensors</c> or <c>.pth</c>,
/// legacy names mapped), safetensors out with the model config in the metadata (loadable by torchvision with
/// <c>strict=True</c>).
/// </summary>
public static class ModelWeights
{
    /// <summary>Metadata key under which <see cref="Save"/> stores the config JSON.</summary>
    public const string ConfigMetadataKey = "maskrcnn.config";

    /// <summary>Names of the parameters that depend on the number of classes (re-initialised when fine-tuning to a new class count).</summary>
    public static IReadOnlyList<string> ClassSpecificKeys { get; } =
    [
        "roi_heads.box_predictor.cls_score.weight", "roi_heads.box_predictor.cls_score.bias",
        "roi_heads.box_predictor.bbox_pred.weight", "roi_heads.box_predictor.bbox_pred.bias",
        "roi_heads.mask_predictor.mask_fcn_logits.weight", "roi_heads.mask_predictor.mask_fcn_logits.bias",
    ];

    /// <summary>
    /// Loads a state dict file into <paramref name="model"/> strictly. With <paramref name="allowClassCountChange"/>,
    /// predictor layers whose class count differs keep their fresh initialisation; returns the keys so skipped.
    /// </summary>
    public static IReadOnlyList<string> Load(MaskRcnnModel model, string path, bool allowClassCountChange = false)
    {
        var state = StateDictFile.Read(path);
        try
        {
            return Load(model, state, path, allowClassCountChange);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary><see cref="Load(MaskRcnnModel, string, bool)"/> from tensors already read (<paramref name="sourceName"/> names them in errors).</summary>
    public static IReadOnlyList<string> Load(MaskRcnnModel model, IReadOnlyDictionary<string, Tensor> state, string sourceName, bool allowClassCountChange = false) =>
        StateDictLoader.Load(model, state, sourceName,
            new WeightLoadOptions { SkipIfShapeDiffers = allowClassCountChange ? ClassSpecificKeys.ToArray() : [] });

    /// <summary>Saves the weights as safetensors with torchvision's names, the config in the metadata.</summary>
    /// <exception cref="InvalidOperationException">The model was prepared for inference (its weights are no longer torchvision's).</exception>
    public static void Save(MaskRcnnModel model, string path)
    {
        model.RefuseIfPreparedForInference("save its weights");
        SafeTensors.Save(path, model.state_dict(), new Dictionary<string, string> { [ConfigMetadataKey] = model.Config.ToJson() });
    }
}
