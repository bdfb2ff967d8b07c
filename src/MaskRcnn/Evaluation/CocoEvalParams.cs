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
