using MaskRcnn.Ops;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Ops;

public class RoiPoolTests(ITestOutputHelper log)
{
    const double Tolerance = 1e-5;
    const string File = "roi_pool.safetensors";
    readonly OpsFixture Fixture = new(File);

    public static TheoryData<string> Paths => new() { nameof(OpPath.CpuKernel), nameof(OpPath.TensorOps) };

    // Scales 1, 1/2, 1/4, 1/32 with degenerate, inverted and outside boxes (empty bins) over two images.
    [Theory, MemberData(nameof(Paths))]
    public void ForwardAndArgmaxRoutedBackwardMatchTorchvision(string path)
    {
        var opPath = Enum.Parse<OpPath>(path);
        double worstForward = 0, worstBackward = 0;
        for (int i = 0; i < FixtureCases.Count(File); i++)
        {
            using var scope = NewDisposeScope();
            var p = FixtureCases.Params(Fixture, i);
            var input = Fixture[$"case{i}.input"].clone().requires_grad_(true);
            var output = RoiPool.Apply(input, Fixture[$"case{i}.rois"], ((int)p[1], (int)p[2]), p[0], opPath);
            double forward = OpsFixture.MaxAbsError(Fixture[$"case{i}.output"], output);
            Assert.True(forward <= Tolerance, $"case {i} ({path}): forward differs by {forward}");
            (output * Fixture[$"case{i}.grad_output"]).sum().backward();
            double backward = OpsFixture.MaxAbsError(Fixture[$"case{i}.grad_input"], input.grad!);
            Assert.True(backward <= Tolerance, $"case {i} ({path}): input gradient differs by {backward}");
            worstForward = Math.Max(worstForward, forward);
            worstBackward = Math.Max(worstBackward, backward);
        }
        log.WriteLine($"{path}: max |forward - torchvision| = {worstForward:E2}, max |grad - torchvision| = {worstBackward:E2}");
    }

    [Theory, MemberData(nameof(Paths))]
    public void HalfPixelCornersRoundAwayFromZeroAsC(string path)
    {
        // Hand-computed: x1 = 0.5 rounds to 1 (C round), not 0 (banker's), so the single bin covers
        // columns 1..2 and its maximum is column 2; column 0 holds a larger decoy.
        using var input = tensor(new float[] { 9, 1, 2, 0 }, [1, 1, 1, 4]);
        using var rois = tensor(new float[] { 0, 0.5f, 0, 2, 0 }, [1, 5]);
        using var output = RoiPool.Apply(input, rois, (1, 1), 1.0, Enum.Parse<OpPath>(path));
        Assert.Equal(2f, output.item<float>());
    }
}
