namespace MaskRcnn.Evaluation;

/// <summary>
/// COCOeval's <c>evaluateImg</c> for one (image, category) pair at every area range and IoU threshold:
/// the greedy score-ordered matching of detections to ground truth, with crowd and out-of-range objects ignored.
/// </summary>
internal sealed class ImageCategoryEvaluation
{
    public const byte FalsePositive = 0, TruePositive = 1, Ignored = 2;

    /// <summary>Index of the image in the sorted image ids (the order pycocotools concatenates images in).</summary>
    public int ImageIndex { get; }

    /// <summary>Scores of the kept detections, highest first (stable for ties), at most the largest maxDets.</summary>
    public double[] DtScores { get; }

    /// <summary>[area range][threshold * D + detection]: <see cref="TruePositive"/>, <see cref="FalsePositive"/> or <see cref="Ignored"/>.</summary>
    public byte[][] DtStates { get; }

    /// <summary>[area range]: ground-truth objects that count (not crowd, area in range).</summary>
    public int[] NonIgnoredGt { get; }

    ImageCategoryEvaluation(int imageIndex, double[] dtScores, byte[][] dtStates, int[] nonIgnoredGt)
    {
        ImageIndex = imageIndex;
        DtScores = dtScores;
        DtStates = dtStates;
        NonIgnoredGt = nonIgnoredGt;
    }

    /// <summary>Matches one cell; <paramref name="iou"/> is [D*G]: score-sorted detections (rows) by ground truth in file order (columns).</summary>
    public static ImageCategoryEvaluation Evaluate(
        int imageIndex, double[] iou, long[] gtIds, bool[] gtCrowd, double[] gtAreas,
        double[] dtScores, double[] dtAreas, CocoEvalParams p)
    {
        int g = gtIds.Length, d = dtScores.Length, thresholds = p.IouThresholds.Length;
        var states = new byte[p.AreaRanges.Count][];
        var nonIgnored = new int[p.AreaRanges.Count];
        var order = new int[g];
        var ignored = new bool[g];
        var matched = new bool[thresholds * g];
        for (int a = 0; a < states.Length; a++)
        {
            var range = p.AreaRanges[a];
            // Ground truth sorted "ignore last" with a stable sort, as np.argsort(kind='mergesort').
            int next = 0;
            for (int pass = 0; pass < 2; pass++)
                for (int j = 0; j < g; j++)
                {
                    bool ignore = gtCrowd[j] || range.Excludes(gtAreas[j]);
                    if (ignore == (pass == 1))
                    {
                        ignored[next] = ignore;
                        order[next++] = j;
                    }
                }
            nonIgnored[a] = 0;
            for (int j = 0; j < g; j++)
                if (!ignored[j]) nonIgnored[a]++;

            var state = states[a] = new byte[thresholds * d];
            Array.Clear(matched);
            for (int t = 0; t < thresholds; t++)
            {
                double threshold = Math.Min(p.IouThresholds[t], 1 - 1e-10);
                for (int i = 0; i < d; i++)
                {
                    double best = threshold;
                    int m = -1;
                    for (int j = 0; j < g; j++)
                    {
                        int gt = order[j];
                        if (matched[t * g + j] && !gtCrowd[gt])
                            continue;
                        // Once matched to a counted object, never move on to an ignored one.
                        if (m > -1 && !ignored[m] && ignored[j])
                            break;
                        double overlap = iou[i * g + gt];
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
                    state[t * d + i] = isIgnored ? Ignored : isMatched ? TruePositive : FalsePositive;
                }
            }
        }
        return new ImageCategoryEvaluation(imageIndex, dtScores, states, nonIgnored);
    }
}
