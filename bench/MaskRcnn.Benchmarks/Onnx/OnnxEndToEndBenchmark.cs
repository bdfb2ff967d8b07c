using System.Diagnostics;
using System.Globalization;
using MaskRcnn.Data.Images;

namespace MaskRcnn.Benchmarks.Onnx;

/// <summary>
/// The <c>onnx</c> command: end-to-end latency of torchvision's Mask R-CNN exported to ONNX, run by ONNX
/// Runtime on one image, the reference our own C# inference is compared with. Decoding and the
/// [3,H,W] float conversion happen once, outside the timing, through the same ImageIo the library uses.
/// </summary>
public static class OnnxEndToEndBenchmark
{
    public static int Run(IReadOnlyList<string> args)
    {
        var options = OnnxBenchmarkOptions.Parse(args);
        var image = ImageIo.Load(options.Input);
        float[] chw;
        using (var tensor = ImageIo.ToTensor(image)) chw = tensor.data<float>().ToArray();

        OnnxDetections? last = null;
        var times = new List<double>(options.Runs);
        var cpuTimes = new List<double>(options.Runs);
        using var process = Process.GetCurrentProcess();
        using (var runner = new OnnxMaskRcnnRunner(options.Model, options.Threads))
        {
            for (int i = 0; i < options.Warmup; i++) runner.Run(chw, image.Height, image.Width);
            for (int i = 0; i < options.Runs; i++)
            {
                process.Refresh();
                var cpuStart = process.TotalProcessorTime;
                long start = Stopwatch.GetTimestamp();
                var detections = runner.Run(chw, image.Height, image.Width);
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                process.Refresh();
                cpuTimes.Add((process.TotalProcessorTime - cpuStart).TotalMilliseconds);
                if (last is not null && detections.Count != last.Count)
                    throw new InvalidOperationException($"detections changed between runs: {last.Count} then {detections.Count}");
                last = detections;
            }
        }
        var result = EndToEndResult.From(LatencySummary.Of(times), LatencySummary.Of(cpuTimes).MedianMs, MaskRcnn.Runtime.ProcessMemory.PeakResidentMb(), last!.Count);

        Console.WriteLine($"ONNX Runtime, {options.Threads} intra-op threads, {Path.GetFileName(options.Model)} on {Path.GetFileName(options.Input)} ({image.Width}x{image.Height})");
        Console.WriteLine($"runs (ms): {string.Join(" ", times.Select(t => t.ToString("F0", CultureInfo.InvariantCulture)))}");
        Console.WriteLine(FormattableString.Invariant(
            $"median {result.MedianMs:F1} ms, min {result.MinMs:F1} ms, max {result.MaxMs:F1} ms over {result.Runs} runs ({options.Warmup} warm-up), CPU time {result.MedianCpuMs:F0} ms per run (median); detections {result.Detections}; peak RSS {result.PeakRssMb:F0} MiB"));
        if (options.JsonPath is not null)
        {
            result.Save(options.JsonPath);
            Console.WriteLine($"wrote {options.JsonPath}");
        }
        if (options.ReferencePath is not null) Console.WriteLine(ReferenceComparison.Compare(last, options.ReferencePath));
        if (options.ProfilePrefix is not null) Profile(options, chw, image.Height, image.Width);
        return 0;
    }

    /// <summary>A separate profiling session (profiling slows the timed runs): one warm-up and two profiled runs.</summary>
    static void Profile(OnnxBenchmarkOptions options, float[] chw, int height, int width)
    {
        string path;
        using (var runner = new OnnxMaskRcnnRunner(options.Model, options.Threads, options.ProfilePrefix))
        {
            for (int i = 0; i < 3; i++) runner.Run(chw, height, width);
            path = runner.EndProfiling();
        }
        var profile = OrtProfileSummary.Read(path);
        Console.WriteLine(FormattableString.Invariant(
            $"profile {path}: model_run {profile.ModelRunMs:F0} ms per run ({profile.ProfiledRuns} runs), kernels {profile.KernelMs:F0} ms: conv {profile.ConvMs:F0} ms, gemm/matmul {profile.GemmMs:F0} ms, other {profile.KernelMs - profile.ConvMs - profile.GemmMs:F0} ms"));
        foreach (var (op, ms) in profile.KernelMsByOp.Take(15))
            Console.WriteLine(FormattableString.Invariant($"  {op,-28} {ms,8:F1} ms  {100 * ms / profile.KernelMs,5:F1} %"));
    }
}
