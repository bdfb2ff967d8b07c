using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.Backbone;

/// <summary>
/// Feature Pyramid Network (Lin et al., 2017) as torchvision.ops.FeaturePyramidNetwork with
/// <c>LastLevelMaxPool</c>: 1×1 lateral convs (<c>inner_blocks.i.0</c>), nearest-neighbour top-down upsampling
/// to the lateral's exact size, 3×3 output convs (<c>layer_blocks.i.0</c>), and P6 = max_pool2d(P5, 1, 2).
/// Each block is wrapped in a one-element Sequential, as torchvision ≥ 0.13's Conv2dNormActivation without norm.
/// </summary>
public sealed class FeaturePyramidNetwork : nn.Module
{
    // Field names are torchvision's state-dict names (registered by RegisterComponents).
    readonly ModuleList<Sequential> inner_blocks = new();
    readonly ModuleList<Sequential> layer_blocks = new();

    public FeaturePyramidNetwork(IReadOnlyList<long> inChannels, long outChannels) : base(nameof(FeaturePyramidNetwork))
    {
        foreach (var c in inChannels)
        {
            inner_blocks.Add(nn.Sequential(nn.Conv2d(c, outChannels, kernel_size: 1)));
            layer_blocks.Add(nn.Sequential(nn.Conv2d(outChannels, outChannels, kernel_size: 3, padding: 1)));
        }
        RegisterComponents();
        using var _ = no_grad();
        foreach (var (_, m) in named_modules())
            if (m is Conv2d conv)
            {
                nn.init.kaiming_uniform_(conv.weight, a: 1);
                nn.init.zeros_(conv.bias!);
            }
    }

    /// <summary>Maps C2..C5 to P2..P5 plus the max-pooled P6 ("pool").</summary>
    public IReadOnlyList<Tensor> Forward(IReadOnlyList<Tensor> features)
    {
        int n = features.Count;
        var results = new Tensor[n + 1];
        using var scope = NewDisposeScope();
        var lastInner = inner_blocks[n - 1].call(features[n - 1]);
        results[n - 1] = layer_blocks[n - 1].call(lastInner);
        for (int i = n - 2; i >= 0; i--)
        {
            var lateral = inner_blocks[i].call(features[i]);
            var topDown = nn.functional.interpolate(lastInner, size: [lateral.shape[2], lateral.shape[3]], mode: InterpolationMode.Nearest);
            lastInner = lateral + topDown;
            results[i] = layer_blocks[i].call(lastInner);
        }
        // LastLevelMaxPool: a 1×1 max-pool with stride 2 is plain subsampling of P5.
        results[n] = nn.functional.max_pool2d(results[n - 1], kernel_size: 1, stride: 2, padding: 0);
        scope.MoveToOuter(results);
        return results;
    }
}
