using System.Collections.Concurrent;
using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Masks;

namespace MaskRcnn.Evaluation;

/// <summary>
/// COCO detection/segmentation evaluation with the numbers of pycocotools' <c>COCOeval</c>
/// (<c>evaluate</c>, <c>accumulate</c>, <c>summarize</c>), including its quirks: ground-truth <c>area</c> fields
/// (not recomputed) decide the area ranges for both bbox and segm, results carrying boxes use w*h as their area,
/// detections are ranked by a stable score sort and truncated to the largest maxDets per image and category.
/// </summary>
/// <remarks>
/// (Image, category) cells are matched in parallel over flat arrays; IoUs are computed once per cell (mask IoU
/// on the RLEs, screened by their boxes) and reused for every area range and threshold.
/// </remarks>
public static class CocoEvaluator
{
    const int CellsPerTask = 512;

    /// <summary>Evaluates <paramref name="results"/> against <paramref name="gt"/> over all its images and categories.</summary>
    /// <exception cref="ArgumentException">A result on an image not in the ground truth (pycocotools' loadRes asserts),
    /// or, for segm, a ground-truth object without a segmentation.</exception>
    public static CocoEvalResult Evaluate(CocoInstances gt, IReadOnlyList<CocoResult> results, IouType type, CocoEvalParams? parameters = null)
    {
        var p = parameters ?? CocoEvalParams.Default;
        var cells = EvaluationCells.Build(gt, results, p.MaxDetections.Max());
        var images = gt.Images.DistinctBy(i => i.Id).ToDictionary(i => i.Id);
        var matches = new CellMatches(cells, p.AreaRanges.Count, p.IouThresholds.Length);

        Parallel.ForEach(Partitioner.Create(0, cells.Count, CellsPerTask), range =>
        {
            var matcher = new ImageCategoryMatcher(p, matches);
            var iou = new double[0];
            for (int c = range.Item1; c < range.Item2; c++)
            {
                var gts = cells.GtOrder.AsSpan(cells.GtStart[c], cells.GtCount(c));
                var dts = cells.DtOrder.AsSpan(cells.DtStart[c], cells.DtCount(c));
                var gtIds = new long[gts.Length];
                var crowd = new bool[gts.Length];
                var gtAreas = new double[gts.Length];
                for (int j = 0; j < gts.Length; j++)
                {
                    var a = gt.Annotations[gts[j]];
                    (gtIds[j], crowd[j], gtAreas[j]) = (a.Id, a.IsCrowd, a.Area);
                }
                var dtAreas = new double[dts.Length];
                for (int i = 0; i < dts.Length; i++)
                    dtAreas[i] = results[dts[i]].EvaluationArea;
                if (iou.Length < gts.Length * dts.Length)
                    iou = new double[Math.Max(gts.Length * dts.Length, 2 * iou.Length)];
                var overlaps = iou.AsSpan(0, gts.Length * dts.Length);
                if (type == IouType.Bbox)
                    BoxIou(gt, results, gts, dts, crowd, overlaps);
                else
                    MaskIou(gt, results, gts, dts, crowd, images[cells.ImageIds[cells.Image[c]]], overlaps);
                matcher.Match(c, overlaps, gtIds, crowd, gtAreas, dtAreas);
            }
        });

        var dtScores = Array.ConvertAll(cells.DtOrder, j => results[j].Score);
        var (precision, recall) = PrecisionAccumulator.Accumulate(matches, dtScores, p);
        var stats = CocoSummary.Compute(precision, recall, p);
        return new CocoEvalResult(type, stats, precision, recall, PerCategoryAp(precision, cells.CategoryIds, p), p);
    }

    /// <summary>The 12 lines pycocotools' <c>summarize()</c> prints, e.g.
    /// <c> Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.371</c>.</summary>
    public static string Summarize(CocoEvalResult result) => CocoSummary.Format(result.Stats, result.Params);

    static void BoxIou(CocoInstances gt, IReadOnlyList<CocoResult> results, ReadOnlySpan<int> gts, ReadOnlySpan<int> dts,
        bool[] crowd, Span<double> iou)
    {
        for (int i = 0; i < dts.Length; i++)
        {
            var box = results[dts[i]].Bbox;
            for (int j = 0; j < gts.Length; j++)
                iou[i * gts.Length + j] = MaskApi.BoxIou(box, gt.Annotations[gts[j]].Bbox, crowd[j]);
        }
    }

    static void MaskIou(CocoInstances gt, IReadOnlyList<CocoResult> results, ReadOnlySpan<int> gts, ReadOnlySpan<int> dts,
        bool[] crowd, CocoImageInfo image, Span<double> iou)
    {
        if (dts.Length == 0 || gts.Length == 0)
            return;
        // pycocotools' annToRLE: polygons are rasterized at the image size; bbox-only results become their box polygon.
        var gtMasks = new Rle[gts.Length];
        var gtBoxes = new double[gts.Length][];
        for (int j = 0; j < gts.Length; j++)
        {
            var a = gt.Annotations[gts[j]];
            gtMasks[j] = a.Segmentation switch
            {
                PolygonSegmentation polygons => MaskApi.FromPolygons(polygons.Polygons, image.Height, image.Width),
                RleSegmentation rle => rle.Rle,
                _ => throw new ArgumentException($"ground-truth annotation {a.Id} has no segmentation, which segm evaluation needs"),
            };
            gtBoxes[j] = MaskApi.ToBbox(gtMasks[j]);
        }
        for (int i = 0; i < dts.Length; i++)
        {
            var r = results[dts[i]];
            var mask = r.Segmentation ?? MaskApi.FromBbox(r.Bbox, image.Height, image.Width);
            var box = MaskApi.ToBbox(mask);
            for (int j = 0; j < gts.Length; j++)
                iou[i * gts.Length + j] = MaskApi.RleIou(mask, box, gtMasks[j], gtBoxes[j], crowd[j]);
        }
    }

    static IReadOnlyDictionary<long, double> PerCategoryAp(double[,,,,] precision, long[] categoryIds, CocoEvalParams p)
    {
        int all = Enumerable.Range(0, p.AreaRanges.Count).FirstOrDefault(a => p.AreaRanges[a].Label == "all");
        int m = p.MaxDetections.Length - 1;
        var ap = new Dictionary<long, double>();
        for (int k = 0; k < categoryIds.Length; k++)
        {
            double sum = 0;
            int count = 0;
            for (int t = 0; t < precision.GetLength(0); t++)
                for (int r = 0; r < precision.GetLength(1); r++)
                    if (precision[t, r, k, all, m] > -1) { sum += precision[t, r, k, all, m]; count++; }
            ap[categoryIds[k]] = count == 0 ? -1 : sum / count;
        }
        return ap;
    }
}
