using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.Backbone;

/// <summary>
/// ResNet-C4's box head: res5 (torchvision's <c>layer4</c>) applied to each pooled RoI, then global average
/// pooling to a 2048-d vector (ResNet-50). <see cref="Res5"/> exposes the map before pooling for the mask branch.
/// </summary>
public sealed class Res5Head : nn.Module<Tensor, Tensor>
{
    // Field names are torchvision's state-dict names (registered by RegisterComponents).
    readonly Sequential layer4;

    public long OutChannels { get; }

    /// <param name="config">Depth, width and FrozenBatchNorm eps as the backbone's; <see cref="BackboneConfig.C4Res5Stride"/> sets res5's stride.</param>
    public Res5Head(BackboneConfig config) : base(nameof(Res5Head))
    {
        var spec = ResNet.Spec(config.Depth, config.BlocksPerStage);
        int expansion = spec.Bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion;
        long inPlanes = (long)config.Width * 4 * expansion;
        layer4 = ResNet.MakeStage(spec.Bottleneck, ref inPlanes, (long)config.Width * 8, spec.Blocks[3], config.C4Res5Stride, NormLayer.Factory(config));
        OutChannels = inPlanes;
        RegisterComponents();
        ResNet.InitializeConvolutions(this);
        // res5 is torchvision's layer4, the first stage to train (trainable_layers ≥ 1).
        if (config.TrainableLayers < 1)
            foreach (var p in parameters()) p.requires_grad = false;
    }

    public Tensor Res5(Tensor roiFeatures) => layer4.call(roiFeatures);

    public override Tensor forward(Tensor roiFeatures)
    {
        using var map = layer4.call(roiFeatures);
        return map.mean([2, 3]);
    }
}
