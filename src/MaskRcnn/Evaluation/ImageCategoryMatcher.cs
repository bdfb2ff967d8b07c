namespace MaskRcnn.Evaluation;

/// <summary>
/// COCOeval's <c>evaluateImg</c> for one (image, category) cell at every area range and IoU threshold: the greedy
/// score-ordered matching of detections to ground truth, with crowd and out-of-range objects ignored. One
/// matcher per thread: it reuses its scratch arrays across cells.
/// </summary>
internal sealed class ImageCategoryMatcher(CocoEvalParams p, CellMatches output)
{
    int[] order = [];
    bool[] ignored = [];
    bool[] matched = [];

    /// <summary>
    /// Matches cell <paramref name="cell"/>. <paramref name="iou"/> is [D*G]: its ranked detections (rows) by its
    /// ground truth in file order (columns); the other arrays are per ground truth / per ranked detection.
    /// </summary>
    public void Match(int cell, ReadOnlySpan<double> iou, ReadOnlySpan<long> gtIds, ReadOnlySpan<bool> gtCrowd,
        ReadOnlySpan<double> gtAreas, ReadOnlySpan<double> dtAreas)
    {
        int g = gtIds.Length, d = dtAreas.Length, thresholds = p.IouThresholds.Length;
        if (order.Length < g)
        {
            order = new int[g];
            ignored = new bool[g];
        }
        if (matched.Length < thresholds * g)
            matched = new bool[thresholds * g];
        int areaRanges = p.AreaRanges.Count;
        for (int a = 0; a < areaRanges; a++)
        {
            var range = p.AreaRanges[a];
            // Ground truth sorted "ignore last" with a stable sort, as np.argsort(kind='mergesort').
            int next = 0, counted = 0;
            for (int pass = 0; pass < 2; pass++)
                for (int j = 0; j < g; j++)
                {
                    bool ignore = gtCrowd[j] || range.Excludes(gtAreas[j]);
                    if (ignore == (pass == 1))
                    {
                        ignored[next] = ignore;
                        order[next++] = j;
                        if (!ignore) counted++;
                    }
                }
            output.NonIgnoredGt[cell * areaRanges + a] = counted;

            var state = output.States[a].AsSpan(output.Cells.DtStart[cell] * thresholds, d * thresholds);
            Array.Clear(matched, 0, thresholds * g);
            for (int t = 0; t < thresholds; t++)
            {
                double threshold = Math.Min(p.IouThresholds[t], 1 - 1e-10);
                for (int i = 0; i < d; i++)
                {
                    double best = threshold;
                    int m = -1;
                    for (int j = 0; j < g; j++)
                    {
                        if (matched[t * g + j] && !gtCrowd[order[j]])
                            continue;
                        // Once matched to a counted object, never move on to an ignored one.
                        if (m > -1 && !ignored[m] && ignored[j])
                            break;
                        double overlap = iou[i * g + order[j]];
                        if (overlap < best)
                            continue;
                        best = overlap;
                        m = j;
                    }
                    // pycocotools records a match as the gt id in a zero-initialised array, so a match to a gt
                    // with id 0 reads as "unmatched" later; kept for identical numbers.
                    bool isMatched = m > -1 && gtIds[order[m]] != 0;
                    bool isIgnored = m > -1 && ignored[m];
                    if (m > -1)
                        matched[t * g + m] = true;
                    if (!isMatched && range.Excludes(dtAreas[i]))
                        isIgnored = true;
                    state[t * d + i] = isIgnored ? CellMatches.Ignored : isMatched ? CellMatches.TruePositive : CellMatches.FalsePositive;
                }
            }
        }
    }
}
