using MaskRcnn.Modeling.Backbone;
using MaskRcnn.Modeling.RoiHeads;

namespace MaskRcnn.Modeling.Builders;

/// <summary>
/// Parts of the paper's ResNet-C4 layout: res2–res4 as the backbone (one stride-16 level), res5 + average pooling as the
/// box head, and res5's map (before pooling) feeding the mask predictor (He et al. 2017, Fig. 4 left).
/// </summary>
public static class C4ModelBuilder
{
    /// <param name="config">A C4 config (<see cref="Architecture.C4"/>).</param>
    /// <param name="body">A three-stage ResNet body to use instead of the config's; null builds the config's.</param>
    public static MaskRcnnParts Build(MaskRcnnConfig config, ResNet? body = null)
    {
        MaskRcnnParts.CheckArchitecture(config, Architecture.C4, nameof(C4ModelBuilder));
        var heads = config.RoiHeads;
        var backbone = new ResNetC4Backbone(body ?? ResNetBuilder.Body(config.Backbone, stages: 3));
        var res5 = new Res5Head(config.Backbone);
        // Detectron pools 14×14 and lets a stride-2 res5 halve it; the simplification pools 7×7 at stride 1.
        int roi = config.Backbone.C4Res5Stride == 2 ? 2 * heads.BoxRoiSize : heads.BoxRoiSize;
        int res5Out = roi / config.Backbone.C4Res5Stride;
        var roiHeads = new RoiHeads.RoiHeads(heads, res5, new FastRcnnPredictor(res5.OutChannels, config.NumClasses),
            new MaskFeatureSource.SharedRes5(res5), new MaskRcnnPredictor(res5.OutChannels, heads.MaskDimReduced, config.NumClasses),
            new RoiPoolSizes(roi, roi, 2 * res5Out));
        return MaskRcnnParts.Around(config, backbone, roiHeads);
    }
}
