using System.Text.Json;

namespace MaskRcnn.Benchmarks.Onnx;

/// <summary>
/// One end-to-end latency measurement, written as JSON with snake_case keys
/// (<c>median_ms, min_ms, max_ms, runs, peak_rss_mb, detections</c>) so runs of different implementations
/// can be compared by a script.
/// </summary>
public sealed record EndToEndResult(double MedianMs, double MinMs, double MaxMs, int Runs, double? PeakRssMb, int Detections)
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static EndToEndResult From(LatencySummary latency, double? peakRssMb, int detections) =>
        new(latency.MedianMs, latency.MinMs, latency.MaxMs, latency.Runs, peakRssMb, detections);

    public void Save(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }
}
