using System.Globalization;

namespace MaskRcnn.Evaluation;

/// <summary>An object-area range [Min, Max] (pixels², both ends inclusive) with its summary label.</summary>
public sealed record AreaRange(string Label, double Min, double Max)
{
    internal bool Excludes(double area) => area < Min || area > Max;
}

/// <summary>
/// COCOeval's <c>Params</c> for detection: IoU thresholds, recall thresholds, area ranges and per-image
/// detection limits. <see cref="Default"/> is pycocotools' setting, which the 12 summary stats assume.
/// </summary>
public sealed record CocoEvalParams(
    double[] IouThresholds, double[] RecallThresholds, IReadOnlyList<AreaRange> AreaRanges, int[] MaxDetections)
{
    /// <summary>
    /// IoU .50:.05:.95, recall 0:.01:1 (as numpy.linspace computes them, so that .75 compares equal), areas
    /// all/small/medium/large split at 32² and 96² with 1e5² as the upper bound, and maxDets 1, 10, 100.
    /// </summary>
    public static CocoEvalParams Default { get; } = new(
        Linspace(0.5, 0.95, 10),
        Linspace(0.0, 1.0, 101),
        [new("all", 0, 1e5 * 1e5), new("small", 0, 32 * 32), new("medium", 32 * 32, 96 * 96), new("large", 96 * 96, 1e5 * 1e5)],
        [1, 10, 100]);

    /// <summary>
    /// These params with <c>params.maxDets</c> set to <paramref name="maxDetections"/>, sorted as
    /// <c>COCOeval.evaluate</c> sorts them. Summaries need at least three values (pycocotools indexes
    /// <c>maxDets[0..2]</c>); detections beyond the largest value per image and category are not evaluated.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than three values, a value below 1, or a repeated value.</exception>
    public CocoEvalParams WithMaxDetections(IEnumerable<int> maxDetections)
    {
        var sorted = maxDetections.Order().ToArray();
        if (MaxDetectionsProblem(sorted) is { } problem) throw new ArgumentException(problem, nameof(maxDetections));
        return this with { MaxDetections = sorted };
    }

    /// <summary>
    /// <see cref="Default"/> with the maxDets of a comma-separated list such as <c>1,10,100</c> or
    /// <c>1,100,1000</c> (see <see cref="WithMaxDetections"/>).
    /// </summary>
    /// <exception cref="FormatException">An item is not a whole number, or the list breaks a rule of <see cref="WithMaxDetections"/>.</exception>
    public static CocoEvalParams ParseMaxDetections(string list)
    {
        var values = new List<int>();
        foreach (var item in list.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out int v))
                throw new FormatException($"maxDets '{list}': '{item}' is not a whole number (expected e.g. 1,10,100)");
            values.Add(v);
        }
        var sorted = values.Order().ToArray();
        if (MaxDetectionsProblem(sorted) is { } problem) throw new FormatException($"maxDets '{list}': {problem}");
        return Default with { MaxDetections = sorted };
    }

    static string? MaxDetectionsProblem(int[] sorted) =>
        sorted.Length < 3 ? $"at least 3 values are needed (pycocotools' summary reads maxDets[0..2]), got {sorted.Length}"
        : sorted[0] < 1 ? $"values must be 1 or more, got {sorted[0]}"
        : sorted.Distinct().Count() != sorted.Length ? "values must differ"
        : null;

    /// <summary>numpy.linspace with endpoint: start + i*step, the last value set to stop exactly.</summary>
    static double[] Linspace(double start, double stop, int count)
    {
        double step = (stop - start) / (count - 1);
        var values = new double[count];
        for (int i = 0; i < count; i++)
            values[i] = i * step + start;
        values[^1] = stop;
        return values;
    }
}
