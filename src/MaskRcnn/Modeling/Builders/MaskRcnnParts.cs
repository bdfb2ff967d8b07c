using MaskRcnn.Modeling.Backbone;
using MaskRcnn.Modeling.Rpn;
using MaskRcnn.Modeling.Transform;

namespace MaskRcnn.Modeling.Builders;

/// <summary>
/// The ready parts of a Mask R-CNN, as torchvision's <c>GeneralizedRCNN(backbone, rpn, roi_heads, transform)</c> takes
/// them, and the config they were built from (saved with the weights; the class list names the labels).
/// </summary>
public sealed record MaskRcnnParts
{
    public required MaskRcnnConfig Config { get; init; }
    public required DetectionBackbone Backbone { get; init; }
    public required RegionProposalNetwork Rpn { get; init; }
    public required RoiHeads.RoiHeads RoiHeads { get; init; }
    public required GeneralizedRcnnTransform Transform { get; init; }

    /// <summary>
    /// The parts every architecture shares around its own backbone and RoI heads: the RPN (its head sized by the
    /// backbone's channels) and the input transform, both from <paramref name="config"/>.
    /// </summary>
    public static MaskRcnnParts Around(MaskRcnnConfig config, DetectionBackbone backbone, RoiHeads.RoiHeads roiHeads) => new()
    {
        Config = config,
        Backbone = backbone,
        Rpn = new RegionProposalNetwork(config.Rpn, backbone.OutChannels),
        RoiHeads = roiHeads,
        Transform = new GeneralizedRcnnTransform(config.Transform),
    };

    /// <summary>Validates <paramref name="config"/> and checks that it is of the architecture a builder makes.</summary>
    internal static void CheckArchitecture(MaskRcnnConfig config, Architecture expected, string builder)
    {
        config.Validate();
        if (config.Backbone.Architecture != expected)
            throw new ArgumentException($"{builder} builds {expected} models; the config's architecture is {config.Backbone.Architecture}");
    }
}
