namespace MaskRcnn.Benchmarks.Onnx;

/// <summary>Median, min and max of a set of wall-clock timings, in milliseconds.</summary>
public sealed record LatencySummary(double MedianMs, double MinMs, double MaxMs, int Runs)
{
    public static LatencySummary Of(IReadOnlyList<double> timesMs)
    {
        if (timesMs.Count == 0) throw new ArgumentException("no timings to summarise", nameof(timesMs));
        var sorted = timesMs.Order().ToArray();
        int n = sorted.Length;
        // Even counts take the mean of the middle two, as numpy.median does.
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new LatencySummary(median, sorted[0], sorted[^1], n);
    }
}
