using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.Backbone;

/// <summary>
/// The paper's ResNet-C4 backbone: conv1 and layer1..layer3 (res2–res4), one feature map at stride 16
/// (1024 channels for ResNet-50). res5 lives in the RoI head (<see cref="Res5Head"/>).
/// </summary>
public sealed class ResNetC4Backbone : DetectionBackbone
{
    // Field names are torchvision's state-dict names (registered by RegisterComponents).
    readonly ResNet body;

    /// <param name="body">A three-stage ResNet (conv1, layer1..layer3).</param>
    public ResNetC4Backbone(ResNet body) : base(nameof(ResNetC4Backbone))
    {
        if (body.StageChannels.Count != 3) throw new ArgumentException($"a C4 body needs 3 stages (res2–res4); this ResNet has {body.StageChannels.Count}");
        this.body = body;
        RegisterComponents();
    }

    public override long OutChannels => body.StageChannels[^1];

    public override int RoiLevels => 1;

    public override IReadOnlyList<Tensor> Body(Tensor images) => body.Forward(images);

    public override bool HasNeck => false;

    /// <summary>C4: the last stage (res4) alone, at stride 16.</summary>
    public override IReadOnlyList<Tensor> Neck(IReadOnlyList<Tensor> stages) => [stages[^1].alias()];
}
