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

    /// <summary>Accumulates <paramref name="matches"/>; <paramref name="dtScores"/> is per kept detection (the cells' flat order).</summary>
    public static (double[,,,,] Precision, double[,,,] Recall) Accumulate(CellMatches matches, double[] dtScores, CocoEvalParams p)
    {
        var cells = matches.Cells;
        int T = p.IouThresholds.Length, R = p.RecallThresholds.Length, K = cells.CategoryIds.Length;
        int A = p.AreaRanges.Count, M = p.MaxDetections.Length;
        var precision = new double[T, R, K, A, M];
        var recall = new double[T, K, A, M];
        Fill(precision, -1);
        Fill(recall, -1);
        Parallel.For(0, K * M, km =>
        {
            int k = km / M, m = km % M;
            int first = cells.CategoryStart[k], end = cells.CategoryStart[k + 1];
            if (first == end)
                return;
            var (stateBase, stride) = SortedPool(cells, first, end, p.MaxDetections[m], T, dtScores);
            int n = stateBase.Length;
            var tpSum = new double[n];
            var pr = new double[n];
            for (int a = 0; a < A; a++)
            {
                int counted = 0;
                for (int c = first; c < end; c++) counted += matches.NonIgnoredGt[c * A + a];
                if (counted == 0)
                    continue;
                var states = matches.States[a];
                for (int t = 0; t < T; t++)
                {
                    double tp = 0, fp = 0;
                    for (int i = 0; i < n; i++)
                    {
                        byte state = states[stateBase[i] + t * stride[i]];
                        if (state == CellMatches.TruePositive) tp++;
                        else if (state == CellMatches.FalsePositive) fp++;
                        tpSum[i] = tp;
                        pr[i] = tp / (fp + tp + Epsilon);
                    }
                    // Recall rc[i] = tp[i] / counted, evaluated only where needed (same expression, same bits).
                    recall[t, k, a, m] = n > 0 ? tpSum[n - 1] / counted : 0;
                    // Precision envelope: make it non-increasing from the right.
                    for (int i = n - 1; i > 0; i--)
                        if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
                    // np.searchsorted(rc, recThrs, side='left'); thresholds past the last recall keep 0.
                    int at = 0;
                    for (int r = 0; r < R; r++)
                    {
                        double threshold = p.RecallThresholds[r];
                        while (at < n && tpSum[at] / counted < threshold) at++;
                        precision[t, r, k, a, m] = at < n ? pr[at] : 0;
                    }
                }
            }
        });
        return (precision, recall);
    }

    /// <summary>
    /// The first <paramref name="maxDet"/> detections of each cell of a category, concatenated in image order and
    /// sorted by descending score with ties kept in concatenation order (np.argsort(-scores, kind='mergesort')).
    /// Returns, per pooled detection, the index of its threshold-0 state and the stride between thresholds.
    /// </summary>
    static (int[] StateBase, int[] Stride) SortedPool(EvaluationCells cells, int first, int end, int maxDet, int thresholds, double[] dtScores)
    {
        int n = 0;
        for (int c = first; c < end; c++) n += Math.Min(maxDet, cells.DtCount(c));
        var stateBase = new int[n];
        var stride = new int[n];
        var scores = new double[n];
        int e = 0;
        for (int c = first; c < end; c++)
        {
            int d = cells.DtCount(c), start = cells.DtStart[c];
            for (int i = 0; i < Math.Min(maxDet, d); i++, e++)
            {
                stateBase[e] = start * thresholds + i;   // see CellMatches for the layout
                stride[e] = d;
                scores[e] = dtScores[start + i];
            }
        }
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        order.AsSpan().Sort(new DescendingStable(scores));
        return (Array.ConvertAll(order, i => stateBase[i]), Array.ConvertAll(order, i => stride[i]));
    }

    readonly struct DescendingStable(double[] scores) : IComparer<int>
    {
        public int Compare(int x, int y) => scores[x] != scores[y] ? scores[y].CompareTo(scores[x]) : x.CompareTo(y);
    }

    // Multidimensional arrays are one contiguous block: fill it as a span.
    static void Fill(Array array, double value) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<byte, double>(ref MemoryMarshal.GetArrayDataReference(array)), array.Length).Fill(value);
}
