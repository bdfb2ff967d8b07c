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
/// Images are evaluated in parallel over (category, image) pairs with flat arrays; IoUs are computed once per
/// pair (mask IoU on the RLEs, screened by their boxes) and reused for every area range and threshold.
/// </remarks>
public static class CocoEvaluator
{
    /// <summary>Evaluates <paramref name="results"/> against <paramref name="gt"/> over all its images and categories.</summary>
    /// <exception cref="ArgumentException">A result on an image not in the ground truth (pycocotools' loadRes asserts),
    /// or, for segm, a ground-truth object without a segmentation.</exception>
    public static CocoEvalResult Evaluate(CocoInstances gt, IReadOnlyList<CocoResult> results, IouType type, CocoEvalParams? parameters = null)
    {
        var p = parameters ?? CocoEvalParams.Default;
        var imageIds = gt.Images.Select(i => i.Id).Distinct().Order().ToArray();
        var categoryIds = gt.Categories.Select(c => c.Id).Distinct().Order().ToArray();
        var imageIndex = IndexOf(imageIds);
        var categoryIndex = IndexOf(categoryIds);
        var images = gt.Images.DistinctBy(i => i.Id).ToDictionary(i => i.Id);

        // (category, image) cells in pycocotools' evaluation order; gts and dts in file order within a cell.
        var cells = new Dictionary<long, (List<int> Gts, List<int> Dts)>();
        List<int> Cell(int k, int i, bool isGt)
        {
            long key = (long)k * imageIds.Length + i;
            if (!cells.TryGetValue(key, out var cell))
                cells[key] = cell = ([], []);
            return isGt ? cell.Gts : cell.Dts;
        }
        for (int j = 0; j < gt.Annotations.Count; j++)
        {
            var a = gt.Annotations[j];
            if (imageIndex.TryGetValue(a.ImageId, out int i) && categoryIndex.TryGetValue(a.CategoryId, out int k))
                Cell(k, i, isGt: true).Add(j);
        }
        for (int j = 0; j < results.Count; j++)
        {
            var r = results[j];
            if (!imageIndex.TryGetValue(r.ImageId, out int i))
                throw new ArgumentException($"results[{j}] is on image {r.ImageId}, which is not in the ground truth", nameof(results));
            if (categoryIndex.TryGetValue(r.CategoryId, out int k))
                Cell(k, i, isGt: false).Add(j);
        }

        var keys = cells.Keys.Order().ToArray();
        var evaluations = new ImageCategoryEvaluation[keys.Length];
        Parallel.For(0, keys.Length, c =>
        {
            var (gts, dts) = cells[keys[c]];
            int i = (int)(keys[c] % imageIds.Length);
            evaluations[c] = EvaluateCell(gt, results, gts, dts, images[imageIds[i]], i, type, p);
        });

        var byCategory = new List<ImageCategoryEvaluation>[categoryIds.Length];
        for (int k = 0; k < byCategory.Length; k++) byCategory[k] = [];
        for (int c = 0; c < keys.Length; c++)
            byCategory[keys[c] / imageIds.Length].Add(evaluations[c]);

        var (precision, recall) = PrecisionAccumulator.Accumulate(byCategory, p);
        var stats = CocoSummary.Compute(precision, recall, p);
        return new CocoEvalResult(type, stats, precision, recall, PerCategoryAp(precision, categoryIds, p), p);
    }

    /// <summary>The 12 lines pycocotools' <c>summarize()</c> prints, e.g.
    /// <c> Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.371</c>.</summary>
    public static string Summarize(CocoEvalResult result) => CocoSummary.Format(result.Stats, result.Params);

    static ImageCategoryEvaluation EvaluateCell(
        CocoInstances gt, IReadOnlyList<CocoResult> results, List<int> gtIndices, List<int> dtIndices,
        CocoImageInfo image, int imageIndex, IouType type, CocoEvalParams p)
    {
        // Highest score first, ties in file order (mergesort), keeping the largest maxDets.
        var sorted = dtIndices.ToArray();
        var scores = Array.ConvertAll(sorted, j => results[j].Score);
        MergeSortDescending(scores, sorted);
        int d = Math.Min(sorted.Length, p.MaxDetections.Max());
        var dts = sorted.Take(d).Select(j => results[j]).ToArray();
        var gts = gtIndices.Select(j => gt.Annotations[j]).ToArray();

        var crowd = gts.Select(a => a.IsCrowd).ToArray();
        var iou = type == IouType.Bbox ? BoxIou(dts, gts, crowd) : MaskIou(dts, gts, crowd, image);
        return ImageCategoryEvaluation.Evaluate(
            imageIndex, iou, gts.Select(a => a.Id).ToArray(), crowd, gts.Select(a => a.Area).ToArray(),
            dts.Select(r => r.Score).ToArray(), dts.Select(r => r.EvaluationArea).ToArray(), p);
    }

    static double[] BoxIou(CocoResult[] dts, CocoAnnotation[] gts, bool[] crowd)
    {
        var iou = new double[dts.Length * gts.Length];
        for (int i = 0; i < dts.Length; i++)
            for (int j = 0; j < gts.Length; j++)
                iou[i * gts.Length + j] = MaskApi.BoxIou(dts[i].Bbox, gts[j].Bbox, crowd[j]);
        return iou;
    }

    static double[] MaskIou(CocoResult[] dts, CocoAnnotation[] gts, bool[] crowd, CocoImageInfo image)
    {
        var iou = new double[dts.Length * gts.Length];
        if (dts.Length == 0 || gts.Length == 0)
            return iou;
        // pycocotools' annToRLE: polygons are rasterized at the image size; bbox-only results become their box polygon.
        var gtMasks = gts.Select(a => a.Segmentation switch
        {
            PolygonSegmentation polygons => MaskApi.FromPolygons(polygons.Polygons, image.Height, image.Width),
            RleSegmentation rle => rle.Rle,
            _ => throw new ArgumentException($"ground-truth annotation {a.Id} has no segmentation, which segm evaluation needs"),
        }).ToArray();
        var dtMasks = dts.Select(r => r.Segmentation ?? MaskApi.FromBbox(r.Bbox, image.Height, image.Width)).ToArray();
        var gtBoxes = gtMasks.Select(MaskApi.ToBbox).ToArray();
        var dtBoxes = dtMasks.Select(MaskApi.ToBbox).ToArray();
        for (int i = 0; i < dts.Length; i++)
            for (int j = 0; j < gts.Length; j++)
                iou[i * gts.Length + j] = MaskApi.RleIou(dtMasks[i], dtBoxes[i], gtMasks[j], gtBoxes[j], crowd[j]);
        return iou;
    }

    /// <summary>Stable sort of <paramref name="items"/> by descending <paramref name="keys"/> (np.argsort(-s, kind='mergesort')).</summary>
    static void MergeSortDescending(double[] keys, int[] items)
    {
        var order = new int[keys.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (x, y) => keys[x] != keys[y] ? keys[y].CompareTo(keys[x]) : x.CompareTo(y));
        var sortedItems = Array.ConvertAll(order, i => items[i]);
        var sortedKeys = Array.ConvertAll(order, i => keys[i]);
        sortedItems.CopyTo(items, 0);
        sortedKeys.CopyTo(keys, 0);
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

    static Dictionary<long, int> IndexOf(long[] ids)
    {
        var index = new Dictionary<long, int>(ids.Length);
        for (int i = 0; i < ids.Length; i++) index[ids[i]] = i;
        return index;
    }
}
