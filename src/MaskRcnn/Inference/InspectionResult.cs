namespace MaskRcnn.Inference;

/// <summary>
/// The anchors of one feature level at the inspected location: the level's sizes × aspect ratios centred on the
/// grid point nearest to it.
/// </summary>
/// <param name="Level">Feature level index (0 = the finest FPN level, P2; the only level for C4).</param>
/// <param name="StrideX">Feature-map stride in the resized image's pixels.</param>
/// <param name="StrideY">Feature-map stride in the resized image's pixels.</param>
/// <param name="Sizes">Anchor sizes of the level (the configured ones).</param>
/// <param name="AspectRatios">Anchor aspect ratios (height / width) of the level.</param>
/// <param name="CentreXy">The grid point the anchors sit on, in original image pixels.</param>
/// <param name="Boxes">x1, y1, x2, y2 per anchor in original image pixels, in the anchor generator's (ratio-major) order; not clipped.</param>
public sealed record AnchorLevel(int Level, int StrideX, int StrideY, double[] Sizes, double[] AspectRatios, float[] CentreXy, float[][] Boxes);

/// <summary>A region proposal: its box in original image pixels and its objectness probability.</summary>
public sealed record ScoredBox(float[] BoxXyxy, float Score);

/// <summary>
/// What the model saw for one image, stage by stage, in plain arrays and the original image's pixels
/// (see <see cref="ModelInspection"/>).
/// </summary>
/// <param name="Width">Original image width.</param>
/// <param name="Height">Original image height.</param>
/// <param name="ResizedWidth">Width after the model's resize (what the network ran on, before padding).</param>
/// <param name="ResizedHeight">Height after the model's resize.</param>
/// <param name="LocationXy">The inspected location in original image pixels.</param>
/// <param name="Anchors">One entry per feature level the RPN runs on.</param>
/// <param name="ProposalsBeforeNms">Candidates that entered the RPN's NMS (per-level top-n, clipped, small ones dropped).</param>
/// <param name="TopProposalsBeforeNms">The best of those by objectness, descending.</param>
/// <param name="ProposalsAfterNms">Proposals handed to the RoI heads (at most post_nms_top_n).</param>
/// <param name="TopProposalsAfterNms">The best of those by objectness, descending.</param>
/// <param name="DetectionCount">Every detection the model returned (at most detections_per_img).</param>
/// <param name="Detections">The detections at or above the predictor's score threshold, by score descending.</param>
/// <param name="MaskSize">Side M of the mask head's output (28 for FPN, 14 for C4).</param>
/// <param name="MaskProbabilities">For the first detections (up to <see cref="InspectionOptions.MaxMasks"/>): the
/// mask head's M×M probabilities for the predicted class, row-major, before they are pasted into the image.</param>
public sealed record InspectionResult(
    int Width, int Height, int ResizedWidth, int ResizedHeight, float[] LocationXy,
    IReadOnlyList<AnchorLevel> Anchors,
    int ProposalsBeforeNms, IReadOnlyList<ScoredBox> TopProposalsBeforeNms,
    int ProposalsAfterNms, IReadOnlyList<ScoredBox> TopProposalsAfterNms,
    int DetectionCount, IReadOnlyList<InstancePrediction> Detections,
    int MaskSize, IReadOnlyList<float[]> MaskProbabilities);
