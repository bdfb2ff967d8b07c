using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Weights;

/// <summary>
/// An ImageNet-trained ResNet trunk as plain data: its tensors under torchvision's body names (<c>conv1.weight</c>,
/// <c>bn1.running_mean</c>, <c>layer4.2.conv2.weight</c>, …; no <c>fc</c>) and the layout they need. Norm layers
/// carry weight, bias, running_mean and running_var, which is what a FrozenBatchNorm2d (or BatchNorm2d) holds.
/// </summary>
/// <param name="Source">The file the weights came from (for messages).</param>
/// <param name="Bottleneck">True for Bottleneck blocks (ResNet-50/101), false for BasicBlock (18/34).</param>
/// <param name="BlocksPerStage">Blocks in layer1..layer4.</param>
/// <param name="Width">Output channels of the stem (64 in every ImageNet ResNet).</param>
/// <param name="NormEps">The epsilon the norms were trained with.</param>
/// <param name="Tensors">Body tensors by torchvision name; owned by this object.</param>
/// <param name="ImageMean">RGB mean on the 0–1 scale the network expects, or null for torchvision's ImageNet default.</param>
/// <param name="ImageStd">RGB std on the 0–1 scale, or null for torchvision's ImageNet default.</param>
public sealed record PretrainedBody(
    string Source, bool Bottleneck, IReadOnlyList<int> BlocksPerStage, int Width, double NormEps,
    IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyList<double>? ImageMean, IReadOnlyList<double>? ImageStd) : IDisposable
{
    /// <summary>Where each part of the body lives in a Mask R-CNN state dict (torchvision's names).</summary>
    const string Body = "backbone.body.", C4Res5 = "roi_heads.box_head.";

    /// <summary>The torchvision depth whose block kind and counts these are (18, 34, 50, 101), or the closest by block kind.</summary>
    public int Depth => (Bottleneck, BlocksPerStage.SequenceEqual([3, 4, 23, 3]), BlocksPerStage.SequenceEqual([3, 4, 6, 3])) switch
    {
        (true, true, _) => 101,
        (true, _, _) => 50,
        (false, _, true) => 34,
        _ => 18,
    };

    /// <summary>True when the counts are the depth's standard ones (no per-stage override needed).</summary>
    public bool HasStandardBlocks => Depth switch
    {
        18 => BlocksPerStage.SequenceEqual([2, 2, 2, 2]),
        34 or 50 => BlocksPerStage.SequenceEqual([3, 4, 6, 3]),
        _ => BlocksPerStage.SequenceEqual([3, 4, 23, 3]),
    };

    /// <summary>
    /// Copies the body into <paramref name="module"/>: a Mask R-CNN (FPN: <c>backbone.body.*</c>; C4:
    /// <c>backbone.body.conv1…layer3</c> and layer4 as <c>roi_heads.box_head.layer4.*</c>) or a bare ResNet trunk.
    /// Every body tensor of the module must be covered with the same shape, and nothing else is touched (FPN and
    /// heads keep their initialisation); otherwise throws <see cref="WeightsMismatchException"/> naming the source.
    /// </summary>
    public void LoadInto(nn.Module module)
    {
        var target = module.state_dict();
        var mapped = new Dictionary<string, Tensor>();
        var unexpected = new List<string>();
        bool detection = target.ContainsKey(Body + "conv1.weight");
        bool c4 = detection && !target.Keys.Any(k => k.StartsWith(Body + "layer4.", StringComparison.Ordinal));
        foreach (var (key, value) in Tensors)
        {
            string name = !detection ? key
                : c4 && key.StartsWith("layer4.", StringComparison.Ordinal) ? C4Res5 + key
                : Body + key;
            if (target.ContainsKey(name) && !TorchvisionKeys.IsIgnored(name)) mapped[name] = value;
            else if (!TorchvisionKeys.IsIgnored(key)) unexpected.Add(name);
        }
        bool IsBodyKey(string k) => !detection
            || k.StartsWith(Body, StringComparison.Ordinal)
            || (c4 && k.StartsWith(C4Res5 + "layer4.", StringComparison.Ordinal));
        var missing = target.Keys.Where(k => IsBodyKey(k) && !TorchvisionKeys.IsIgnored(k) && !mapped.ContainsKey(k)).ToList();
        var wrongShape = mapped.Where(kv => !kv.Value.shape.SequenceEqual(target[kv.Key].shape))
            .Select(kv => $"{kv.Key}: file [{string.Join(",", kv.Value.shape)}] vs model [{string.Join(",", target[kv.Key].shape)}]").ToList();
        if (missing.Count + unexpected.Count + wrongShape.Count > 0)
            throw new WeightsMismatchException(Source, missing, unexpected, wrongShape);
        using var _ = no_grad();
        foreach (var (name, value) in mapped) target[name].copy_(value);
    }

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}
