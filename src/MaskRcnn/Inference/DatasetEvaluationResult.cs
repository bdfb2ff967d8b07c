using MaskRcnn.Data.Coco;
using MaskRcnn.Evaluation;

namespace MaskRcnn.Inference;

/// <summary>A model's COCO box and mask metrics on a data set, with the detections they were computed from.</summary>
/// <param name="Bbox">Box AP/AR (pycocotools' 12 stats).</param>
/// <param name="Segm">Mask AP/AR.</param>
/// <param name="Results">Every detection as a COCO result (the data set's image and category ids).</param>
/// <param name="Classes">How labels were turned into the data set's category ids.</param>
/// <param name="ClassMapping">In words, why that class map was chosen.</param>
public sealed record DatasetEvaluationResult(
    CocoEvalResult Bbox, CocoEvalResult Segm, IReadOnlyList<CocoResult> Results, ClassMap Classes, string ClassMapping);
