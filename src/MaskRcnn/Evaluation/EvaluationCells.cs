using MaskRcnn.Data.Coco;

namespace MaskRcnn.Evaluation;

/// <summary>
/// The (category, image) pairs that have ground truth or detections, in pycocotools' evaluation order
/// (categories by id, then images by id), with each pair's ground truth in file order and its detections
/// ranked by score. Flat arrays: pair <c>c</c> owns <c>GtOrder[GtStart[c]..GtStart[c+1]]</c> and its kept
/// detections <c>DtOrder[DtStart[c]..DtStart[c+1]]</c>.
/// </summary>
internal sealed class EvaluationCells
{
    public required long[] ImageIds { get; init; }
    public required long[] CategoryIds { get; init; }
    /// <summary>Per cell: index into <see cref="ImageIds"/>.</summary>
    public required int[] Image { get; init; }
    /// <summary>Per category: its cells are <c>CategoryStart[k]..CategoryStart[k+1]</c>, in image order.</summary>
    public required int[] CategoryStart { get; init; }
    public required int[] GtStart { get; init; }
    public required int[] GtOrder { get; init; }
    public required int[] DtStart { get; init; }
    /// <summary>Result indices per cell: highest score first, ties in file order, at most the largest maxDets.</summary>
    public required int[] DtOrder { get; init; }

    public int Count => Image.Length;

    public int DtCount(int cell) => DtStart[cell + 1] - DtStart[cell];

    public int GtCount(int cell) => GtStart[cell + 1] - GtStart[cell];

    public static EvaluationCells Build(CocoInstances gt, IReadOnlyList<CocoResult> results, int maxDets)
    {
        var imageIds = gt.Images.Select(i => i.Id).Distinct().Order().ToArray();
        var categoryIds = gt.Categories.Select(c => c.Id).Distinct().Order().ToArray();
        var imageIndex = IndexOf(imageIds);
        var categoryIndex = IndexOf(categoryIds);
        long Key(long imageId, long categoryId) =>
            imageIndex.TryGetValue(imageId, out int i) && categoryIndex.TryGetValue(categoryId, out int k) ? (long)k * imageIds.Length + i : -1;

        for (int j = 0; j < results.Count; j++)
            if (!imageIndex.ContainsKey(results[j].ImageId))
                throw new ArgumentException($"results[{j}] is on image {results[j].ImageId}, which is not in the ground truth", nameof(results));

        // Sorting (key, file index) pairs groups objects by cell and keeps file order inside a cell.
        var gtSorted = SortByKey(gt.Annotations.Count, j => Key(gt.Annotations[j].ImageId, gt.Annotations[j].CategoryId));
        var dtSorted = SortByKey(results.Count, j => Key(results[j].ImageId, results[j].CategoryId));

        var image = new List<int>();
        var categoryStart = new int[categoryIds.Length + 1];
        var gtStart = new List<int> { 0 };
        var dtStart = new List<int> { 0 };
        var gtOrder = new List<int>(gtSorted.Length);
        var dtOrder = new List<int>(dtSorted.Length);
        int g = 0, d = 0;
        var scores = new List<(double Score, int Index)>();
        while (g < gtSorted.Length || d < dtSorted.Length)
        {
            long key = Math.Min(g < gtSorted.Length ? gtSorted[g].Key : long.MaxValue, d < dtSorted.Length ? dtSorted[d].Key : long.MaxValue);
            for (; g < gtSorted.Length && gtSorted[g].Key == key; g++)
                gtOrder.Add(gtSorted[g].Index);
            scores.Clear();
            for (; d < dtSorted.Length && dtSorted[d].Key == key; d++)
                scores.Add((results[dtSorted[d].Index].Score, dtSorted[d].Index));
            // np.argsort(-scores, kind='mergesort'): descending and stable (file index breaks ties).
            scores.Sort(static (x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Index.CompareTo(y.Index));
            for (int i = 0; i < Math.Min(maxDets, scores.Count); i++)
                dtOrder.Add(scores[i].Index);
            int k = (int)(key / imageIds.Length);
            image.Add((int)(key % imageIds.Length));
            categoryStart[k + 1] = image.Count;
            gtStart.Add(gtOrder.Count);
            dtStart.Add(dtOrder.Count);
        }
        for (int k = 1; k <= categoryIds.Length; k++)
            categoryStart[k] = Math.Max(categoryStart[k], categoryStart[k - 1]);

        return new EvaluationCells
        {
            ImageIds = imageIds, CategoryIds = categoryIds, Image = image.ToArray(), CategoryStart = categoryStart,
            GtStart = gtStart.ToArray(), GtOrder = gtOrder.ToArray(), DtStart = dtStart.ToArray(), DtOrder = dtOrder.ToArray(),
        };
    }

    /// <summary>Indices 0..n-1 with a valid key, sorted by (key, index).</summary>
    static (long Key, int Index)[] SortByKey(int n, Func<int, long> key)
    {
        var pairs = new List<(long Key, int Index)>(n);
        for (int j = 0; j < n; j++)
        {
            long k = key(j);
            if (k >= 0) pairs.Add((k, j));
        }
        var array = pairs.ToArray();
        Array.Sort(array);
        return array;
    }

    static Dictionary<long, int> IndexOf(long[] ids)
    {
        var index = new Dictionary<long, int>(ids.Length);
        for (int i = 0; i < ids.Length; i++) index[ids[i]] = i;
        return index;
    }
}
