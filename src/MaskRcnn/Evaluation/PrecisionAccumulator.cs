using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MaskRcnn.Evaluation;

/// <summary>
/// COCOeval's <c>accumulate</c>: per category, area range and maxDets, pools the detections of all images by
/// score and turns the running true/false positive counts into interpolated precision at the recall thresholds.
/// </summary>
internal static class PrecisionAccumulator
{
    /// <summary>np.spacing(1): pycocotools adds it to the precision denominator.</summary>
    const double Epsilon = 2.220446049250313e-16;

    /// <summary>Accumulates <paramref name="byCategory"/>: per category (sorted ids), its evaluated images in sorted image order.</summary>
    public static (double[,,,,] Precision, double[,,,] Recall) Accumulate(
        IReadOnlyList<ImageCategoryEvaluation>[] byCategory, CocoEvalParams p)
    {
        int T = p.IouThresholds.Length, R = p.RecallThresholds.Length, K = byCategory.Length;
        int A = p.AreaRanges.Count, M = p.MaxDetections.Length;
        var precision = new double[T, R, K, A, M];
        var recall = new double[T, K, A, M];
        Fill(precision, -1);
        Fill(recall, -1);
        Parallel.For(0, K * M, km =>
        {
            int k = km / M, m = km % M;
            var images = byCategory[k];
            if (images.Count == 0)
                return;
            var (image, position, scores) = SortedPool(images, p.MaxDetections[m]);
            int n = scores.Length;
            var rc = new double[n];
            var pr = new double[n];
            for (int a = 0; a < A; a++)
            {
                int counted = 0;
                foreach (var e in images) counted += e.NonIgnoredGt[a];
                if (counted == 0)
                    continue;
                for (int t = 0; t < T; t++)
                {
                    double tp = 0, fp = 0;
                    for (int i = 0; i < n; i++)
                    {
                        var e = images[image[i]];
                        byte state = e.DtStates[a][t * e.DtScores.Length + position[i]];
                        if (state == ImageCategoryEvaluation.TruePositive) tp++;
                        else if (state == ImageCategoryEvaluation.FalsePositive) fp++;
                        rc[i] = tp / counted;
                        pr[i] = tp / (fp + tp + Epsilon);
                    }
                    recall[t, k, a, m] = n > 0 ? rc[n - 1] : 0;
                    // Precision envelope: make it non-increasing from the right.
                    for (int i = n - 1; i > 0; i--)
                        if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
                    // np.searchsorted(rc, recThrs, side='left'); thresholds past the last recall keep 0.
                    int at = 0;
                    for (int r = 0; r < R; r++)
                    {
                        double threshold = p.RecallThresholds[r];
                        while (at < n && rc[at] < threshold) at++;
                        precision[t, r, k, a, m] = at < n ? pr[at] : 0;
                    }
                }
            }
        });
        return (precision, recall);
    }

    /// <summary>
    /// The first <paramref name="maxDet"/> detections of every image, concatenated in image order and sorted by
    /// descending score with ties kept in concatenation order (np.argsort(-scores, kind='mergesort')).
    /// </summary>
    static (int[] Image, int[] Position, double[] Scores) SortedPool(IReadOnlyList<ImageCategoryEvaluation> images, int maxDet)
    {
        int n = 0;
        foreach (var e in images) n += Math.Min(maxDet, e.DtScores.Length);
        var image = new int[n];
        var position = new int[n];
        var scores = new double[n];
        int c = 0;
        for (int j = 0; j < images.Count; j++)
        {
            var dtScores = images[j].DtScores;
            for (int i = 0; i < Math.Min(maxDet, dtScores.Length); i++, c++)
            {
                image[c] = j;
                position[c] = i;
                scores[c] = dtScores[i];
            }
        }
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(order, (x, y) => scores[y] != scores[x] ? scores[y].CompareTo(scores[x]) : x.CompareTo(y));
        return (Permute(image, order), Permute(position, order), Permute(scores, order));
    }

    static T[] Permute<T>(T[] values, int[] order) => Array.ConvertAll(order, i => values[i]);

    // Multidimensional arrays are one contiguous block: fill it as a span.
    static void Fill(Array array, double value) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<byte, double>(ref MemoryMarshal.GetArrayDataReference(array)), array.Length).Fill(value);
}
