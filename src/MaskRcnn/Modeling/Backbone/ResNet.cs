using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.Backbone;

/// <summary>
/// torchvision's ResNet trunk without avgpool/fc (what IntermediateLayerGetter keeps): conv1, bn1, maxpool,
/// then <c>layer1</c>..<c>layerN</c>. Parameter names match torchvision's, so <c>backbone.body.*</c> keys load as is.
/// </summary>
public sealed class ResNet : nn.Module, IConvNormPairs
{
    // Field names are torchvision's state-dict names (registered by RegisterComponents).
    readonly Conv2d conv1;
    readonly nn.Module<Tensor, Tensor> bn1;
    readonly Sequential layer1;
    readonly Sequential? layer2;
    readonly Sequential? layer3;
    readonly Sequential? layer4;
    readonly List<Sequential> _stages = [];

    /// <summary>Output channels of each stage kept, in order.</summary>
    public IReadOnlyList<long> StageChannels { get; }

    /// <param name="depth">18, 34, 50 or 101.</param>
    /// <param name="stages">How many of layer1..layer4 to build (3 for the C4 backbone).</param>
    /// <param name="width">Stem width (64 in torchvision); stage i has width·2^i planes.</param>
    /// <param name="norm">Builds a normalisation layer for a channel count (see <see cref="NormLayer"/>).</param>
    /// <param name="blocksPerStage">Blocks in layer1..layer4; null or empty means the depth's standard counts.</param>
    public ResNet(int depth, int stages, int width, Func<long, nn.Module<Tensor, Tensor>> norm, IReadOnlyList<int>? blocksPerStage = null)
        : base(nameof(ResNet))
    {
        var spec = Spec(depth, blocksPerStage);
        conv1 = nn.Conv2d(3, width, kernel_size: 7, stride: 2, padding: 3, bias: false);
        bn1 = norm(width);
        long inPlanes = width;
        var channels = new List<long>();
        for (int i = 0; i < stages; i++)
        {
            var stage = MakeStage(spec.Bottleneck, ref inPlanes, (long)width << i, spec.Blocks[i], i == 0 ? 1 : 2, norm);
            _stages.Add(stage);
            channels.Add(inPlanes);
        }
        StageChannels = channels;
        layer1 = _stages[0];
        layer2 = stages > 1 ? _stages[1] : null;
        layer3 = stages > 2 ? _stages[2] : null;
        layer4 = stages > 3 ? _stages[3] : null;
        RegisterComponents();
        InitializeConvolutions(this);
    }

    /// <summary>
    /// The block kind of <paramref name="depth"/> and the blocks per stage: <paramref name="blocksPerStage"/> when given
    /// (e.g. ML.NET's ResNet-18 has three blocks in layer4, [2,2,2,3]), else torchvision's counts for the depth.
    /// </summary>
    internal static (bool Bottleneck, int[] Blocks) Spec(int depth, IReadOnlyList<int>? blocksPerStage = null)
    {
        var (bottleneck, standard) = depth switch
        {
            18 => (false, new[] { 2, 2, 2, 2 }),
            34 => (false, [3, 4, 6, 3]),
            50 => (true, [3, 4, 6, 3]),
            101 => (true, [3, 4, 23, 3]),
            _ => throw new ArgumentException($"unsupported ResNet depth {depth} (expected 18, 34, 50 or 101)"),
        };
        if (blocksPerStage is null || blocksPerStage.Count == 0) return (bottleneck, standard);
        if (blocksPerStage.Count != 4 || blocksPerStage.Any(b => b < 1))
            throw new ArgumentException($"blocks per stage must be 4 positive counts (layer1..layer4); got [{string.Join(",", blocksPerStage)}]");
        return (bottleneck, blocksPerStage.ToArray());
    }

    /// <summary>torchvision's <c>ResNet._make_layer</c>: the first block carries the stride and the projection shortcut.</summary>
    internal static Sequential MakeStage(bool bottleneck, ref long inPlanes, long planes, int blocks, long stride, Func<long, nn.Module<Tensor, Tensor>> norm)
    {
        int expansion = bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion;
        nn.Module<Tensor, Tensor>? downsample = null;
        if (stride != 1 || inPlanes != planes * expansion)
            downsample = nn.Sequential(ResidualBlock.Conv1x1(inPlanes, planes * expansion, stride), norm(planes * expansion));
        var layers = new List<nn.Module<Tensor, Tensor>>();
        for (int i = 0; i < blocks; i++)
        {
            layers.Add(bottleneck
                ? new Bottleneck(inPlanes, planes, i == 0 ? stride : 1, i == 0 ? downsample : null, norm)
                : new BasicBlock(inPlanes, planes, i == 0 ? stride : 1, i == 0 ? downsample : null, norm));
            inPlanes = planes * expansion;
        }
        return nn.Sequential(layers.ToArray());
    }

    /// <summary>torchvision's ResNet init: Kaiming-normal (fan_out, ReLU) convolutions; norms start as identity.</summary>
    internal static void InitializeConvolutions(nn.Module module)
    {
        using var _ = no_grad();
        foreach (var (_, m) in module.named_modules())
            if (m is Conv2d conv)
                nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
    }

    /// <summary>The stem's pair; the blocks report their own.</summary>
    public IEnumerable<(Conv2d Conv, nn.Module<Tensor, Tensor> Norm)> ConvNormPairs() => [(conv1, bn1)];

    /// <summary>Returns the output of every stage (C2..C5 for four stages).</summary>
    public IReadOnlyList<Tensor> Forward(Tensor images)
    {
        var outputs = new List<Tensor>(_stages.Count);
        using (var scope = NewDisposeScope())
        {
            var x = bn1.call(conv1.call(images)).relu_();
            x = nn.functional.max_pool2d(x, kernel_size: 3, stride: 2, padding: 1);
            foreach (var stage in _stages)
            {
                x = stage.call(x);
                outputs.Add(x);
            }
            scope.MoveToOuter(outputs);
        }
        return outputs;
    }

    /// <summary>
    /// torchvision's <c>_resnet_fpn_extractor</c> freezing: only the last <paramref name="trainableLayers"/> of
    /// layer4, layer3, layer2, layer1, conv1 keep gradients (and bn1 when all five do).
    /// </summary>
    public void FreezeAllBut(int trainableLayers)
    {
        string[] order = ["layer4", "layer3", "layer2", "layer1", "conv1"];
        var trainable = order.Take(trainableLayers).ToList();
        // torchvision appends bn1 when everything trains (it only has parameters with BatchNorm2d).
        if (trainableLayers == 5) trainable.Add("bn1");
        foreach (var (name, p) in named_parameters())
            if (!trainable.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)))
                p.requires_grad = false;
    }
}
