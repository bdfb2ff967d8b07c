using System.Diagnostics;
using MaskRcnn.Modeling;
using MaskRcnn.Runtime;
using MaskRcnn.Structures;
using static TorchSharp.torch;

namespace MaskRcnn.Inference;

/// <summary>
/// What <see cref="LatencyBenchmark.Measure"/> saw: per-run wall times of the whole pipeline (transform through
/// pasted masks), their median, min and max, the median of each model stage, the process's peak resident memory
/// and the number of detections of the last run.
/// </summary>
/// <param name="RunsMs">Each timed run's wall time, in run order.</param>
/// <param name="StageMedianMs">Median wall time per stage, keyed by <see cref="MaskRcnnModel.Stages"/> names, in the order the model reports them.</param>
/// <param name="ConvLinearMedianMs">Median time per stage spent inside convolution and linear layers (same keys); the rest
/// of a stage is everything else (normalisation, activations, RoIAlign, box coding, NMS, pasting, copies).</param>
/// <param name="PeakRssMb">Linux's VmHWM of this process in MiB (model load included); null where /proc is missing.</param>
/// <param name="Detections">Detections of the last run.</param>
/// <param name="RunsRssMb">The resident set (VmRSS, MiB) after each timed run; empty where /proc is missing.</param>
/// <param name="RunsHeapInUseMb">Native heap in use after each timed run (<see cref="ProcessMemory.HeapInUseMb"/>); empty without glibc.</param>
/// <param name="ConvLinearGflopMedian">Median floating-point work of the conv and linear layers per run, in GFLOP
/// (<see cref="LayerClock"/>'s count: the mask head's share follows the number of detections).</param>
public sealed record LatencyReport(
    IReadOnlyList<double> RunsMs, IReadOnlyList<KeyValuePair<string, double>> StageMedianMs,
    IReadOnlyList<KeyValuePair<string, double>> ConvLinearMedianMs, double? PeakRssMb, long Detections,
    IReadOnlyList<double> RunsRssMb, IReadOnlyList<double> RunsHeapInUseMb, double ConvLinearGflopMedian)
{
    /// <summary>GFLOP per second achieved inside the conv and linear layers (median work over median time).</summary>
    public double ConvLinearGflops => ConvLinearGflopMedian / (ConvLinearMedianMs.Sum(s => s.Value) / 1000);

    public double MedianMs => LatencyBenchmark.Median(RunsMs);
    public double MinMs => RunsMs.Min();
    public double MaxMs => RunsMs.Max();
}

/// <summary>
/// Times <see cref="MaskRcnnModel.Predict"/>: untimed warm-up passes (libtorch's first calls pick kernels and grow
/// its caches), then timed passes, each split into stages by an <see cref="IInferenceObserver"/>. Medians,
/// not means: on a shared machine single runs stall. Given several images, pass i runs on image i modulo their
/// count, and the resident set after each pass shows whether memory settles (a leak climbs run after run).
/// </summary>
public static class LatencyBenchmark
{
    /// <param name="model">The model, weights loaded; each timed pass reports its stages to an observer of this benchmark's.</param>
    /// <param name="images">float32 [3,H,W] images in 0..1, already decoded (decoding is not part of the timing).</param>
    /// <param name="warmup">Untimed passes first.</param>
    /// <param name="runs">Timed passes (at least one).</param>
    /// <param name="lastDetections">Receives the last timed pass's detections (the caller disposes them); null frees them.</param>
    /// <param name="progress">Called after each timed pass with its index and wall time in ms.</param>
    public static LatencyReport Measure(MaskRcnnModel model, IReadOnlyList<Tensor> images, int warmup, int runs,
        Action<Detections>? lastDetections = null, Action<int, double>? progress = null)
    {
        if (warmup < 0) throw new ArgumentOutOfRangeException(nameof(warmup), warmup, "warm-up passes cannot be negative");
        if (runs < 1) throw new ArgumentOutOfRangeException(nameof(runs), runs, "at least one timed pass is needed");
        if (images.Count == 0) throw new ArgumentException("at least one image is needed", nameof(images));
        foreach (var image in images)
            if (image.dim() != 3 || image.shape[0] != 3 || image.dtype != ScalarType.Float32)
                throw new ArgumentException($"images must be float32 [3,H,W]; got {image.dtype} [{string.Join(",", image.shape)}]", nameof(images));

        for (int i = 0; i < warmup; i++) DisposeAll(model.Predict([images[i % images.Count]]));

        var stageRuns = new List<KeyValuePair<string, double>>();
        var convLinearRuns = new List<KeyValuePair<string, double>>();
        using var layerClock = new LayerClock(model);
        var stageObserver = new StageRecorder((stage, elapsed) =>
        {
            stageRuns.Add(new(stage, elapsed.TotalMilliseconds));
            convLinearRuns.Add(new(stage, layerClock.TakeMs()));
        });
        var runsMs = new double[runs];
        var runsRss = new List<double>(runs);
        var runsHeap = new List<double>(runs);
        var runsGflop = new List<double>(runs);
        IReadOnlyList<Detections> last = [];
        layerClock.TakeMs();
        layerClock.TakeFlops();
        try
        {
            for (int r = 0; r < runs; r++)
            {
                DisposeAll(last);
                var sw = Stopwatch.StartNew();
                last = model.Predict([images[r % images.Count]], stageObserver);
                runsMs[r] = sw.Elapsed.TotalMilliseconds;
                runsGflop.Add(layerClock.TakeFlops() / 1e9);
                if (ProcessMemory.ResidentMb() is { } rss) runsRss.Add(rss);
                if (ProcessMemory.HeapInUseMb() is { } heap) runsHeap.Add(heap);
                progress?.Invoke(r, runsMs[r]);
            }
        }
        catch
        {
            DisposeAll(last);
            throw;
        }

        // Read before the caller does anything with the detections (saving them may allocate a lot).
        double? peak = ProcessMemory.PeakResidentMb();
        long detections = last[0].Count;
        if (lastDetections is null) DisposeAll(last);
        else
        {
            DisposeAll(last.Skip(1));
            lastDetections(last[0]);
        }
        return new LatencyReport(runsMs, StageMedians(stageRuns), StageMedians(convLinearRuns), peak, detections, runsRss, runsHeap, Median(runsGflop));
    }

    static List<KeyValuePair<string, double>> StageMedians(List<KeyValuePair<string, double>> perRun) =>
        perRun.Select(s => s.Key).Distinct()
            .Select(name => new KeyValuePair<string, double>(name, Median(perRun.Where(s => s.Key == name).Select(s => s.Value).ToList())))
            .ToList();

    internal static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    static void DisposeAll(IEnumerable<Detections> detections)
    {
        foreach (var d in detections) d.Dispose();
    }

    /// <summary>Passes each stage's time on; sees no tensors.</summary>
    sealed class StageRecorder(Action<string, TimeSpan> stageCompleted) : IInferenceObserver
    {
        public void StageCompleted(string stage, TimeSpan elapsed) => stageCompleted(stage, elapsed);
    }
}
