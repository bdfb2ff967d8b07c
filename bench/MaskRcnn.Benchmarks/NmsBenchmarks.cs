using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using MaskRcnn.Ops;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Benchmarks;

/// <summary>
/// NMS of 4,000 random boxes at IoU 0.7 on one thread: our kernel, our device tensor path, and TorchSharp's
/// managed torchvision.ops.nms. The boxes are the torchvision fixture (tests/fixtures/ops/nms_cases.safetensors,
/// "big_*") that bench/ops/nms_torchvision.py times in Python, so the numbers compare like with like.
/// </summary>
[Config(typeof(InProcessShortRun))]
[MemoryDiagnoser]
public class NmsBenchmarks
{
    /// <summary>
    /// A short run in this process: BenchmarkDotNet's generated child project would miss the libtorch
    /// native fix-up that our build applies.
    /// </summary>
    sealed class InProcessShortRun : ManualConfig
    {
        public InProcessShortRun() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }

    Tensor boxes = null!;
    Tensor scores = null!;
    Tensor classes = null!;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1);
        var fixture = SafeTensors.Load(Path.Combine(RepoRoot(), "tests", "fixtures", "ops", "nms_cases.safetensors"));
        boxes = fixture["big_boxes"];
        scores = fixture["big_scores"];
        classes = torch.arange(boxes.shape[0], ScalarType.Int64) % 80;
    }

    [Benchmark(Baseline = true)]
    public long TorchSharpTorchvisionNms()
    {
        using var keep = torchvision.ops.nms(boxes, scores, 0.7);
        return keep.shape[0];
    }

    [Benchmark]
    public long KernelNms()
    {
        using var keep = NonMaxSuppression.Nms(boxes, scores, 0.7);
        return keep.shape[0];
    }

    [Benchmark]
    public long TensorPathNms()
    {
        using var keep = NonMaxSuppression.Nms(boxes, scores, 0.7, OpPath.TensorOps);
        return keep.shape[0];
    }

    /// <summary>80 categories; 16,000 coordinates so torchvision's per-class strategy applies.</summary>
    [Benchmark]
    public long KernelBatchedNms80Classes()
    {
        using var keep = NonMaxSuppression.BatchedNms(boxes, scores, classes, 0.7);
        return keep.shape[0];
    }

    static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MaskRcnn.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("MaskRcnn.slnx not found above " + AppContext.BaseDirectory);
    }
}
