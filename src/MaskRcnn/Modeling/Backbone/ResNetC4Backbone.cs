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

    public ResNetC4Backbone(BackboneConfig config) : base(nameof(ResNetC4Backbone))
    {
        body = new ResNet(config.Depth, stages: 3, config.Width, NormLayer.Factory(config), config.BlocksPerStage);
        body.FreezeAllBut(config.TrainableLayers);
        RegisterComponents();
    }

    public override long OutChannels => body.StageChannels[^1];

    public override int RoiLevels => 1;

    public override IReadOnlyList<Tensor> Forward(Tensor images)
    {
        var stages = body.Forward(images);
        for (int i = 0; i < stages.Count - 1; i++) stages[i].Dispose();
        return [stages[^1]];
    }
}
