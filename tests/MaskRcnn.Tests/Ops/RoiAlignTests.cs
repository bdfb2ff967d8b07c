using MaskRcnn.Ops;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Ops;

public class RoiAlignTests(ITestOutputHelper log)
{
    const double Tolerance = 1e-5;
    const string File = "roi_align.safetensors";
    readonly OpsFixture Fixture = new(File);

    public static TheoryData<string> Paths => new() { nameof(OpPath.CpuKernel), nameof(OpPath.TensorOps) };

    // Every fixture case: spatial scales 1, 1/2, 1/4, 1/32; sampling 2, 0, -1; aligned both ways;
    // degenerate, inverted, partly and fully outside boxes over two batch indices; 3 and 20 channels;
    // and an empty set.
    [Theory, MemberData(nameof(Paths))]
    public void ForwardAndBackwardMatchTorchvision(string path)
    {
        var opPath = Enum.Parse<OpPath>(path);
        double worstForward = 0, worstBackward = 0;
        for (int i = 0; i < FixtureCases.Count(File); i++)
        {
            using var scope = NewDisposeScope();
            var p = FixtureCases.Params(Fixture, i);
            var input = Fixture[$"case{i}.input"].clone().requires_grad_(true);
            var output = RoiAlign.Apply(input, Fixture[$"case{i}.rois"], ((int)p[3], (int)p[4]), p[0], (int)p[1], p[2] != 0, opPath);

            double forward = OpsFixture.MaxAbsError(Fixture[$"case{i}.output"], output);
            Assert.True(forward <= Tolerance, $"case {i} ({path}): forward differs by {forward}");

            (output * Fixture[$"case{i}.grad_output"]).sum().backward();
            var grad = input.grad ?? zeros_like(input);
            double backward = OpsFixture.MaxAbsError(Fixture[$"case{i}.grad_input"], grad);
            Assert.True(backward <= Tolerance, $"case {i} ({path}): input gradient differs by {backward}");
            worstForward = Math.Max(worstForward, forward);
            worstBackward = Math.Max(worstBackward, backward);
        }
        log.WriteLine($"{path}: max |forward - torchvision| = {worstForward:E2}, max |grad - torchvision| = {worstBackward:E2}");
    }

    [Theory, MemberData(nameof(Paths))]
    public void EmptyRoisGiveAnEmptyBatchOfTheRightShape(string path)
    {
        using var input = randn(2, 5, 8, 8);
        using var rois = zeros(0, 5);
        using var output = RoiAlign.Apply(input, rois, (7, 6), 0.25, 2, false, Enum.Parse<OpPath>(path));
        Assert.Equal(new long[] { 0, 5, 7, 6 }, output.shape);
    }

    [Fact]
    public void AConstantMapPoolsToItsValueInsideTheMap()
    {
        // Hand-computed: bilinear samples of a constant field inside the map equal the constant.
        using var input = full(1, 2, 10, 10, 3.5f);
        using var rois = tensor(new float[] { 0, 2, 2, 7, 8 }, [1, 5]);
        using var output = RoiAlign.Apply(input, rois, (2, 2), 1.0, 2, aligned: true);
        Assert.All(output.data<float>().ToArray(), v => Assert.Equal(3.5f, v, 6));
    }

    [Fact]
    public void BadInputIsRejectedNamingTheProblem()
    {
        using var input = randn(2, 3, 8, 8);
        using var badShape = zeros(4, 4);
        Assert.Contains("[K,5]", Assert.Throws<ArgumentException>(() => RoiAlign.Apply(input, badShape, (2, 2), 1, 2, false)).Message);
        using var badBatch = tensor(new float[] { 0, 1, 1, 4, 4, 2, 1, 1, 4, 4 }, [2, 5]);
        var e = Assert.Throws<ArgumentException>(() => RoiAlign.Apply(input, badBatch, (2, 2), 1, 2, false));
        Assert.Contains("roi 1", e.Message);
        using var notFeatures = randn(3, 8, 8);
        Assert.Throws<ArgumentException>(() => RoiAlign.Apply(notFeatures, badBatch, (2, 2), 1, 2, false));
    }
}
