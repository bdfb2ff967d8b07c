using System.Text.Json;

namespace MaskRcnn.Benchmarks.Onnx;

/// <summary>
/// Where ONNX Runtime spends an inference, from its profiling JSON (Chrome trace format): kernel time per
/// operator type, averaged over the profiled runs after the first (the first pays one-off allocations).
/// Control-flow nodes (If, Loop, Scan) are left out: their time is that of the subgraph nodes they run, which
/// ORT profiles as nodes of their own, so counting both would count that time twice.
/// </summary>
public sealed record OrtProfileSummary(int ProfiledRuns, double ModelRunMs, IReadOnlyList<(string OpType, double Ms)> KernelMsByOp)
{
    // Fused variants are what ORT_ENABLE_ALL turns Conv+Relu and MatMul+Add into; ConvTranspose is the mask
    // head's upsampling, a convolution too.
    static readonly HashSet<string> ConvOps = ["Conv", "FusedConv", "ConvTranspose", "NchwcConv", "QLinearConv"];
    static readonly HashSet<string> GemmOps = ["Gemm", "MatMul", "FusedGemm", "FusedMatMul"];
    static readonly HashSet<string> ControlFlowOps = ["If", "Loop", "Scan"];

    public double ConvMs => KernelMsByOp.Where(o => ConvOps.Contains(o.OpType)).Sum(o => o.Ms);
    public double GemmMs => KernelMsByOp.Where(o => GemmOps.Contains(o.OpType)).Sum(o => o.Ms);
    public double KernelMs => KernelMsByOp.Sum(o => o.Ms);

    public static OrtProfileSummary Read(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var events = doc.RootElement.EnumerateArray()
            .Where(e => e.TryGetProperty("cat", out _) && e.TryGetProperty("dur", out _))
            .Select(e => (Cat: e.GetProperty("cat").GetString(), Name: e.GetProperty("name").GetString() ?? "",
                          Ts: e.GetProperty("ts").GetInt64(), Dur: e.GetProperty("dur").GetInt64(), Args: e.TryGetProperty("args", out var a) ? a : default))
            .ToList();
        var runs = events.Where(e => e.Cat == "Session" && e.Name == "model_run").OrderBy(e => e.Ts).ToList();
        if (runs.Count == 0) throw new InvalidDataException($"{path}: no model_run event in ORT's profile");
        long since = runs.Count > 1 ? runs[1].Ts : runs[0].Ts;
        var counted = runs.Where(r => r.Ts >= since).ToList();
        double perRun = 1.0 / counted.Count / 1000.0; // µs summed over the runs -> ms per run
        var byOp = events
            .Where(e => e.Cat == "Node" && e.Ts >= since && e.Name.EndsWith("_kernel_time", StringComparison.Ordinal))
            .GroupBy(e => e.Args.ValueKind == JsonValueKind.Object && e.Args.TryGetProperty("op_name", out var op) ? op.GetString() ?? "?" : "?")
            .Where(g => !ControlFlowOps.Contains(g.Key))
            .Select(g => (OpType: g.Key, Ms: g.Sum(e => e.Dur) * perRun))
            .OrderByDescending(o => o.Ms)
            .ToList();
        return new OrtProfileSummary(counted.Count, counted.Sum(r => r.Dur) * perRun, byOp);
    }
}
