using MaskRcnn.Modeling.Backbone;
using MaskRcnn.Modeling.RoiHeads;

namespace MaskRcnn.Modeling.Builders;

/// <summary>
/// Parts of torchvision's <c>maskrcnn_resnet50_fpn</c> layout at any depth: ResNet body + FPN (P2–P6), the shared RPN
/// head, a two-MLP box head on 7×7 RoIs and a four-conv mask head on 14×14 RoIs predicting 28×28 masks.
/// </summary>
public static class FpnModelBuilder
{
    /// <param name="config">An FPN config (<see cref="Architecture.Fpn"/>).</param>
    /// <param name="body">A ResNet body to use instead of the one the config describes (e.g. an ImageNet network with
    /// other block counts); its stage channels size the FPN. Null builds the config's body.</param>
    public static MaskRcnnParts Build(MaskRcnnConfig config, ResNet? body = null)
    {
        MaskRcnnParts.CheckArchitecture(config, Architecture.Fpn, nameof(FpnModelBuilder));
        var heads = config.RoiHeads;
        var backbone = new BackboneWithFpn(body ?? ResNetBuilder.Body(config.Backbone, stages: 4), config.Backbone.FpnOutChannels);
        long c = backbone.OutChannels;
        var boxHead = new TwoMlpHead(c * heads.BoxRoiSize * heads.BoxRoiSize, heads.RepresentationSize);
        var maskHead = new MaskRcnnHeads(c, heads.MaskLayers, heads.MaskDilation);
        var roiHeads = new RoiHeads.RoiHeads(heads, boxHead, new FastRcnnPredictor(heads.RepresentationSize, config.NumClasses),
            new MaskFeatureSource.OwnHead(maskHead), new MaskRcnnPredictor(heads.MaskLayers[^1], heads.MaskDimReduced, config.NumClasses),
            new RoiPoolSizes(heads.BoxRoiSize, heads.MaskRoiSize, 2 * heads.MaskRoiSize));
        return MaskRcnnParts.Around(config, backbone, roiHeads);
    }
}
