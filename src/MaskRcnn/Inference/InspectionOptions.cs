namespace MaskRcnn.Inference;

/// <summary>What to look at in <see cref="ModelInspection"/>.</summary>
public sealed record InspectionOptions
{
    /// <summary>Where to show the anchors, in the original image's pixels; null for the image centre.</summary>
    public (float X, float Y)? Location { get; init; }

    /// <summary>Proposals kept (by objectness) before and after NMS.</summary>
    public int TopProposals { get; init; } = 50;

    /// <summary>Detections (by score) whose raw mask probabilities are kept.</summary>
    public int MaxMasks { get; init; } = 16;
}
