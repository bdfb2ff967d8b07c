using System.Globalization;

namespace MaskRcnn.Evaluation;

/// <summary>
/// COCOeval's <c>summarize</c> for detection: the 12 standard numbers, each the mean of the defined (&gt; -1)
/// precision or recall entries selected by IoU threshold, area range and maxDets.
/// </summary>
/// <remarks>
/// With a non-default <c>params.maxDets</c> (sorted, at least three values) pycocotools picks the rows as
/// <c>_summarizeDets</c> does: AP rows 1–5 and AR rows 8–11 at <c>maxDets[2]</c>, AR rows 6–7 at <c>maxDets[0]</c> and
/// <c>maxDets[1]</c>, and row 0 — <c>_summarize(1)</c>, the function's default argument — at maxDets 100 whatever the
/// setting: -1 when 100 is not among the values (e.g. 1,10,300), the 100-detection AP when it is (e.g. 1,100,1000).
/// </remarks>
internal static class CocoSummary
{
    /// <summary>One summary line: AP or AR, at one IoU threshold or averaged over all, for an area label and an
    /// index into the maxDets list (null: pycocotools' default argument, maxDets 100).</summary>
    internal sealed record Stat(bool IsPrecision, double? IouThreshold, string Area, int? MaxDetsIndex)
    {
        public int MaxDets(CocoEvalParams p) => MaxDetsIndex is int i ? p.MaxDetections[i] : DefaultMaxDets;
    }

    /// <summary><c>_summarize(ap=1, iouThr=None, areaRng='all', maxDets=100)</c>'s default.</summary>
    const int DefaultMaxDets = 100;

    public static IReadOnlyList<Stat> Stats { get; } =
    [
        new(true, null, "all", null), new(true, .5, "all", 2), new(true, .75, "all", 2),
        new(true, null, "small", 2), new(true, null, "medium", 2), new(true, null, "large", 2),
        new(false, null, "all", 0), new(false, null, "all", 1), new(false, null, "all", 2),
        new(false, null, "small", 2), new(false, null, "medium", 2), new(false, null, "large", 2),
    ];

    public static double[] Compute(double[,,,,] precision, double[,,,] recall, CocoEvalParams p) =>
        Stats.Select(s => Value(s, precision, recall, p)).ToArray();

    static double Value(Stat stat, double[,,,,] precision, double[,,,] recall, CocoEvalParams p)
    {
        int maxDets = stat.MaxDets(p);
        // Selections by value, as pycocotools does (np.where(iouThr == p.iouThrs)): a missing value selects nothing.
        var ts = Enumerable.Range(0, p.IouThresholds.Length).Where(t => stat.IouThreshold is not { } v || p.IouThresholds[t] == v).ToArray();
        var @as = Enumerable.Range(0, p.AreaRanges.Count).Where(a => p.AreaRanges[a].Label == stat.Area).ToArray();
        var ms = Enumerable.Range(0, p.MaxDetections.Length).Where(m => p.MaxDetections[m] == maxDets).ToArray();
        double sum = 0;
        long count = 0;
        void Add(double v)
        {
            if (v > -1) { sum += v; count++; }
        }
        foreach (int t in ts)
            foreach (int a in @as)
                foreach (int m in ms)
                {
                    // Same element order as numpy's flattening of s[t, r, k] / s[t, k].
                    int categories = recall.GetLength(1);
                    if (stat.IsPrecision)
                        for (int r = 0; r < p.RecallThresholds.Length; r++)
                            for (int k = 0; k < categories; k++) Add(precision[t, r, k, a, m]);
                    else
                        for (int k = 0; k < categories; k++) Add(recall[t, k, a, m]);
                }
        return count == 0 ? -1 : sum / count;
    }

    /// <summary>pycocotools' line: ' {:&lt;18} {} @[ IoU={:&lt;9} | area={:&gt;6s} | maxDets={:&gt;3d} ] = {:0.3f}'.</summary>
    public static string Format(IReadOnlyList<double> values, CocoEvalParams p)
    {
        var text = new System.Text.StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        for (int i = 0; i < Stats.Count; i++)
        {
            var s = Stats[i];
            string title = s.IsPrecision ? "Average Precision" : "Average Recall";
            string kind = s.IsPrecision ? "(AP)" : "(AR)";
            string iou = s.IouThreshold is { } v
                ? v.ToString("0.00", inv)
                : $"{p.IouThresholds[0].ToString("0.00", inv)}:{p.IouThresholds[^1].ToString("0.00", inv)}";
            text.Append(inv, $" {title,-18} {kind} @[ IoU={iou,-9} | area={s.Area,6} | maxDets={s.MaxDets(p),3} ] = {values[i].ToString("0.000", inv)}\n");
        }
        return text.ToString();
    }
}
