namespace MaskRcnn.Evaluation;

/// <summary>
/// The outcome of a COCO evaluation, as pycocotools' <c>COCOeval.eval</c> and <c>stats</c>.
/// </summary>
/// <param name="IouType">Boxes or masks.</param>
/// <param name="Stats">The 12 summary numbers (AP, AP50, AP75, AP S/M/L, AR1, AR10, AR100, AR S/M/L); -1 where undefined.</param>
/// <param name="Precision">[T, R, K, A, M]: interpolated precision per IoU threshold, recall threshold, category (sorted ids), area range, maxDets; -1 where no ground truth.</param>
/// <param name="Recall">[T, K, A, M]: the highest recall reached; -1 where no ground truth.</param>
/// <param name="PerCategoryAp">AP@[.50:.95] (all areas, the largest maxDets) per category id; -1 for a category without ground truth.</param>
/// <param name="Params">The parameters used.</param>
public sealed record CocoEvalResult(
    IouType IouType,
    double[] Stats,
    double[,,,,] Precision,
    double[,,,] Recall,
    IReadOnlyDictionary<long, double> PerCategoryAp,
    CocoEvalParams Params);
