using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using MaskRcnn.Ops;
using static TorchSharp.torch;

namespace MaskRcnn.Benchmarks;

/// <summary>
/// MultiScaleRoiAlign over P2-P5 of an 800x1088 image (1,000 RoIs x 256 channels -> 7x7, sampling 2)
/// and pasting 100 28x28 masks into 800x1088. bench/ops/roi_torchvision.py times torchvision on the
/// same shapes; both sides use 2 threads.
/// </summary>
[Config(typeof(ShortRunInProcess))]
[MemoryDiagnoser(false)]
public class RoiAlignBenchmarks
{
    /// <summary>
    /// BenchmarkDotNet's ShortRun job, run in this process: a generated child project would miss the
    /// build step that makes libtorch load here.
    /// </summary>
    sealed class ShortRunInProcess : ManualConfig
    {
        public ShortRunInProcess() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }

    const int ImageHeight = 800, ImageWidth = 1088;
    Tensor[] features = [];
    Tensor[] leaves = [];
    Tensor boxes = null!, gradOutput = null!, masks = null!, pasteBoxes = null!;
    readonly MultiScaleRoiAlign pooler = new((7, 7), samplingRatio: 2);

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(2);
        manual_seed(0);
        features = new[] { 4, 8, 16, 32 }.Select(s => randn(1, 256, ImageHeight / s, ImageWidth / s)).ToArray();
        leaves = features.Select(f => f.clone().requires_grad_(true)).ToArray();
        boxes = RandomBoxes(1000);
        gradOutput = randn(1000, 256, 7, 7);
        masks = rand(100, 1, 28, 28);
        // Detections are clipped to the image before pasting, as torchvision's postprocess does.
        var b = RandomBoxes(100);
        pasteBoxes = stack([b[.., 0].clamp(0, ImageWidth - 1), b[.., 1].clamp(0, ImageHeight - 1),
            b[.., 2].clamp(0, ImageWidth - 1), b[.., 3].clamp(0, ImageHeight - 1)], 1);
    }

    /// <summary>Centres uniform in the image, sides log-uniform in [16, 512] (as the Python script).</summary>
    static Tensor RandomBoxes(int n)
    {
        var cx = rand(n) * ImageWidth;
        var cy = rand(n) * ImageHeight;
        var w = (rand(n) * (Math.Log(512) - Math.Log(16)) + Math.Log(16)).exp();
        var h = (rand(n) * (Math.Log(512) - Math.Log(16)) + Math.Log(16)).exp();
        return stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1);
    }

    [Benchmark]
    public void MultiScaleRoiAlignForward()
    {
        using var _ = no_grad();
        using var output = pooler.Forward(features, [boxes], [(ImageHeight, ImageWidth)]);
    }

    [Benchmark]
    public void MultiScaleRoiAlignForwardBackward()
    {
        using var scope = NewDisposeScope();
        foreach (var leaf in leaves) leaf.grad = null;
        pooler.Forward(leaves, [boxes], [(ImageHeight, ImageWidth)]).backward([gradOutput]);
    }

    /// <summary>What the model runs: each mask kept over its box (<see cref="MaskRcnn.Structures.PastedMasks"/>).</summary>
    [Benchmark]
    public MaskRcnn.Structures.PastedMasks PasteMasks() => MaskPaster.Paste(masks, pasteBoxes, (ImageHeight, ImageWidth));

    /// <summary>torchvision's full-frame [N,1,H,W] result, rebuilt from the crops.</summary>
    [Benchmark]
    public void PasteMasksInImage()
    {
        using var pasted = MaskPaster.PasteMasksInImage(masks, pasteBoxes, (ImageHeight, ImageWidth));
    }
}
