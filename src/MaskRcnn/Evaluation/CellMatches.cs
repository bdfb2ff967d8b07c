namespace MaskRcnn.Evaluation;

/// <summary>
/// COCOeval's <c>evalImgs</c> for all cells, flat: the outcome of every kept detection at every area range and
/// IoU threshold, and the number of ground-truth objects that count. A cell's detections occupy
/// <c>States[a][DtStart[c]*T + t*D + i]</c> (D = the cell's kept detections).
/// </summary>
internal sealed class CellMatches(EvaluationCells cells, int areaRanges, int thresholds)
{
    public const byte FalsePositive = 0, TruePositive = 1, Ignored = 2;

    public EvaluationCells Cells { get; } = cells;

    public int Thresholds { get; } = thresholds;

    /// <summary>[area range][…]: <see cref="TruePositive"/>, <see cref="FalsePositive"/> or <see cref="Ignored"/>.</summary>
    public byte[][] States { get; } = Enumerable.Range(0, areaRanges).Select(_ => new byte[cells.DtOrder.Length * thresholds]).ToArray();

    /// <summary>[cell * A + area range]: ground-truth objects that are neither crowd nor outside the range.</summary>
    public int[] NonIgnoredGt { get; } = new int[cells.Count * areaRanges];
}
