using System.Globalization;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace MaskRcnn.Weights;

/// <summary>
/// Reads a torchvision ImageNet classification checkpoint (<c>resnet18-f37072fd.pth</c>, <c>resnet50-0676ba61.pth</c>,
/// … — a ResNet <c>state_dict</c> with <c>conv1</c>, <c>bn1</c>, <c>layer1..4</c>, <c>fc</c>) as a detection body,
/// as torchvision's <c>resnet_fpn_backbone</c> does: <c>fc</c> is dropped and the BatchNorm statistics become the
/// FrozenBatchNorm2d buffers (same names; <c>num_batches_tracked</c> is dropped). Block kind and counts are read
/// off the keys.
/// </summary>
public static partial class ImageNetBackboneWeights
{
    /// <summary>FrozenBatchNorm2d's epsilon in torchvision ≥ 0.10, the value its ImageNet BatchNorm2d was trained with.</summary>
    public const double NormEps = 1e-5;

    [GeneratedRegex(@"^layer([1-4])\.(\d+)\.")]
    private static partial Regex BlockKey();

    [GeneratedRegex(@"^(conv1\.weight|bn1\.(weight|bias|running_mean|running_var)|layer[1-4]\.\d+\.(conv[1-3]\.weight|bn[1-3]\.(weight|bias|running_mean|running_var)|downsample\.0\.weight|downsample\.1\.(weight|bias|running_mean|running_var)))$")]
    private static partial Regex BodyKey();

    /// <summary>
    /// Reads <paramref name="path"/>; with <paramref name="expectedDepth"/> a checkpoint of another depth is refused.
    /// Every refusal is one line naming the file, what it is and what was expected.
    /// </summary>
    public static PretrainedBody Read(string path, int? expectedDepth = null)
    {
        var state = StateDictFile.Read(path);
        try
        {
            var body = FromStateDict(state, path);
            if (expectedDepth is { } depth && body.Depth != depth)
            {
                body.Dispose();
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: a ResNet-{body.Depth} classification checkpoint (blocks [{string.Join(",", body.BlocksPerStage)}]), expected ResNet-{depth}"));
            }
            return body;
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>The body of an in-memory classification state dict (the caller keeps owning <paramref name="state"/>).</summary>
    public static PretrainedBody FromStateDict(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        const string Expected = "expected a torchvision ResNet-18/34/50/101 classification state_dict (conv1, bn1, layer1..4, fc)";
        if (state.Keys.Any(k => k.StartsWith("backbone.", StringComparison.Ordinal)))
            throw new InvalidDataException($"{source}: a detection checkpoint (keys start with 'backbone.'; load it with --weights), {Expected}");
        if (!state.ContainsKey("conv1.weight") || !state.ContainsKey("layer1.0.conv1.weight"))
            throw new InvalidDataException($"{source}: not a ResNet (no conv1.weight / layer1.0.conv1.weight; first keys: {string.Join(", ", state.Keys.Take(3))}), {Expected}");
        var tensors = new Dictionary<string, Tensor>();
        var unexpected = new List<string>();
        var blocks = new int[4];
        foreach (var (key, value) in state)
        {
            if (key.StartsWith("fc.", StringComparison.Ordinal) || TorchvisionKeys.IsIgnored(key)) continue;
            if (!BodyKey().IsMatch(key)) { unexpected.Add(key); continue; }
            var m = BlockKey().Match(key);
            if (m.Success)
            {
                int stage = m.Groups[1].Value[0] - '1';
                blocks[stage] = Math.Max(blocks[stage], int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) + 1);
            }
            tensors[key] = value.clone();
        }
        if (unexpected.Count > 0 || blocks.Any(b => b == 0))
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw new InvalidDataException(unexpected.Count > 0
                ? $"{source}: keys a ResNet does not have ({string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", ..." : "")}), {Expected}"
                : $"{source}: a ResNet without {string.Join(", ", Enumerable.Range(1, 4).Where(i => blocks[i - 1] == 0).Select(i => $"layer{i}"))}, {Expected}");
        }
        bool bottleneck = tensors.ContainsKey("layer1.0.conv3.weight");
        int width = (int)tensors["conv1.weight"].shape[0];
        return new PretrainedBody(source, bottleneck, blocks, width, NormEps, tensors, null, null);
    }
}
