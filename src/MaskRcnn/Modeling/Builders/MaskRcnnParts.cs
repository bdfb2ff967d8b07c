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
}
