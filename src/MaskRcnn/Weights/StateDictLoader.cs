using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Weights;

/// <summary>Options for <see cref="StateDictLoader.Load"/>.</summary>
public sealed record WeightLoadOptions
{
    /// <summary>
    /// Keys that may be left at their fresh initialisation when the file's shape differs — the class-specific
    /// predictor layers when fine-tuning a checkpoint to another number of classes. Empty means fully strict.
    /// </summary>
    public IReadOnlyCollection<string> SkipIfShapeDiffers { get; init; } = [];
}

/// <summary>Strict, torchvision-compatible state-dict loading into a TorchSharp module.</summary>
public static class StateDictLoader
{
    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="module"/>'s parameters and buffers after mapping legacy
    /// torchvision names and dropping <c>num_batches_tracked</c>. Throws <see cref="WeightsMismatchException"/>
    /// naming <paramref name="sourceName"/> unless the keys and shapes match exactly (except the allowed skips).
    /// Returns the keys that were skipped.
    /// </summary>
    public static IReadOnlyList<string> Load(nn.Module module, IReadOnlyDictionary<string, Tensor> source, string sourceName, WeightLoadOptions? options = null)
    {
        options ??= new WeightLoadOptions();
        var target = module.state_dict();
        var mapped = new Dictionary<string, Tensor>();
        var unexpected = new List<string>();
        foreach (var (key, value) in source)
        {
            if (TorchvisionKeys.IsIgnored(key))
            {
                // BatchNorm2d's counter: kept when both sides have it (a from-scratch model resumed),
                // dropped when the model uses FrozenBatchNorm2d, as torchvision's loader does.
                if (target.ContainsKey(key)) mapped[key] = value;
                continue;
            }
            var name = TorchvisionKeys.Normalize(key);
            if (target.ContainsKey(name)) mapped[name] = value;
            else unexpected.Add(key);
        }
        var missing = target.Keys.Where(k => !mapped.ContainsKey(k) && !TorchvisionKeys.IsIgnored(k)).ToList();
        var wrongShape = new List<string>();
        var skipped = new List<string>();
        foreach (var (name, value) in mapped)
        {
            if (value.shape.SequenceEqual(target[name].shape)) continue;
            if (options.SkipIfShapeDiffers.Contains(name)) skipped.Add(name);
            else wrongShape.Add($"{name}: file [{string.Join(",", value.shape)}] vs model [{string.Join(",", target[name].shape)}]");
        }
        if (missing.Count + unexpected.Count + wrongShape.Count > 0)
            throw new WeightsMismatchException(sourceName, missing, unexpected, wrongShape);
        using var _ = no_grad();
        foreach (var (name, value) in mapped)
        {
            if (skipped.Contains(name)) continue;
            target[name].copy_(value);
        }
        return skipped;
    }
}
