using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.Backbone;

/// <summary>
/// Builds the backbone's normalisation layers. torchvision picks <c>FrozenBatchNorm2d</c> when the backbone
/// starts from trained weights and plain <c>BatchNorm2d</c> when it trains from scratch
/// (<c>norm_layer = FrozenBatchNorm2d if is_trained else nn.BatchNorm2d</c> in mask_rcnn.py); both keep the
/// same state-dict names, so checkpoints move between the two.
/// </summary>
public static class NormLayer
{
    public static Func<long, nn.Module<Tensor, Tensor>> Factory(BackboneConfig config) => config.Norm switch
    {
        NormKind.FrozenBatchNorm => channels => new FrozenBatchNorm2d(channels, config.FrozenBatchNormEps),
        NormKind.BatchNorm => channels => nn.BatchNorm2d(channels),
        _ => throw new ArgumentException($"unknown norm kind {config.Norm}"),
    };
}
