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

    /// <param name="body">A four-stage ResNet (its stage channels size the FPN's lateral convolutions).</param>
    /// <param name="fpnOutChannels">Channels of every pyramid level (256 in torchvision).</param>
    public BackboneWithFpn(ResNet body, int fpnOutChannels) : base(nameof(BackboneWithFpn))
    {
        if (body.StageChannels.Count != 4) throw new ArgumentException($"an FPN body needs 4 stages (C2–C5); this ResNet has {body.StageChannels.Count}");
        this.body = body;
        fpn = new FeaturePyramidNetwork(body.StageChannels, fpnOutChannels);
        _outChannels = fpnOutChannels;
        RegisterComponents();
    }

    public override long OutChannels => _outChannels;

    public override int RoiLevels => 4;

    public override IReadOnlyList<Tensor> Body(Tensor images) => body.Forward(images);

    public override bool HasNeck => true;

    /// <summary>FPN: P2..P6 from C2..C5.</summary>
    public override IReadOnlyList<Tensor> Neck(IReadOnlyList<Tensor> stages) => fpn.Forward(stages);
}
