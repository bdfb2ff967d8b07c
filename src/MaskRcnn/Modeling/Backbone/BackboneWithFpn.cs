using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.Backbone;

/// <summary>
/// ResNet body + FPN (torchvision's BackboneWithFPN built by <c>_resnet_fpn_extractor</c> with
/// returned layers 1..4): <c>backbone.body.*</c> and <c>backbone.fpn.*</c>; outputs P2..P6.
/// </summary>
public sealed class BackboneWithFpn : DetectionBackbone
{
    // Field names are torchvision's state-dict names (registered by RegisterComponents).
    readonly ResNet body;
    readonly FeaturePyramidNetwork fpn;
    readonly long _outChannels;

    public BackboneWithFpn(BackboneConfig config) : base(nameof(BackboneWithFpn))
    {
        body = new ResNet(config.Depth, stages: 4, config.Width, NormLayer.Factory(config), config.BlocksPerStage);
        body.FreezeAllBut(config.TrainableLayers);
        fpn = new FeaturePyramidNetwork(body.StageChannels, config.FpnOutChannels);
        _outChannels = config.FpnOutChannels;
        RegisterComponents();
    }

    public override long OutChannels => _outChannels;

    public override int RoiLevels => 4;

    /// <summary>The ResNet stage outputs C2..C5 (for parity traces).</summary>
    internal IReadOnlyList<Tensor> Body(Tensor images) => body.Forward(images);

    internal IReadOnlyList<Tensor> Pyramid(IReadOnlyList<Tensor> stages) => fpn.Forward(stages);

    public override IReadOnlyList<Tensor> Forward(Tensor images)
    {
        var stages = body.Forward(images);
        try
        {
            return fpn.Forward(stages);
        }
        finally
        {
            foreach (var t in stages) t.Dispose();
        }
    }
}
