using MaskRcnn.Modeling.Backbone;

namespace MaskRcnn.Modeling.Builders;

/// <summary>The ResNet body a <see cref="BackboneConfig"/> describes: depth, width, norm layers and frozen stages.</summary>
public static class ResNetBuilder
{
    /// <param name="config">Depth, width, norm kind and trainable layers.</param>
    /// <param name="stages">How many of layer1..layer4 the body has (4 for FPN, 3 for C4, whose res5 is the box head).</param>
    public static ResNet Body(BackboneConfig config, int stages)
    {
        var body = new ResNet(config.Depth, stages, config.Width, NormLayer.Factory(config), config.BlocksPerStage);
        body.FreezeAllBut(config.TrainableLayers);
        return body;
    }
}
