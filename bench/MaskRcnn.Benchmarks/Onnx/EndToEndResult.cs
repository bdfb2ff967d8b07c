using System.Text.Json;

namespace MaskRcnn.Benchmarks.Onnx;

/// <summary>
/// One end-to-end latency measurement, written as JSON with snake_case keys
/// (<c>median_ms, min_ms, max_ms, runs, median_cpu_ms, peak_rss_mb, detections</c>) so runs of different
/// implementations can be compared by a script. <c>median_cpu_ms</c> is the process's user+system CPU time per
/// run: on a shared, oversubscribed machine it moves less than wall time (but includes thread-pool spinning).
/// </summary>
public sealed record EndToEndResult(double MedianMs, double MinMs, double MaxMs, int Runs, double MedianCpuMs, double? PeakRssMb, int Detections)
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static EndToEndResult From(LatencySummary latency, double medianCpuMs, double? peakRssMb, int detections) =>
        new(latency.MedianMs, latency.MinMs, latency.MaxMs, latency.Runs, medianCpuMs, peakRssMb, detections);

    public void Save(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }
}
