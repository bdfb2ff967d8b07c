using MaskRcnn.Ops;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Ops;

public class MultiScaleRoiAlignTests(ITestOutputHelper log)
{
    const double Tolerance = 1e-5;
    const string File = "roi_multiscale.safetensors";
    readonly OpsFixture Fixture = new(File);
    static readonly string[] Levels = ["p2", "p3", "p4", "p5"];

    public static TheoryData<string> Paths => new() { nameof(OpPath.CpuKernel), nameof(OpPath.TensorOps) };

    (long, long)[] ImageSizes()
    {
        var s = Fixture["image_sizes"].data<long>().ToArray();
        return [(s[0], s[1]), (s[2], s[3])];
    }

    // Two images of different sizes, 4 levels, boxes from 4 px to larger than the image (every level used).
    [Theory, MemberData(nameof(Paths))]
    public void PoolsAndBackpropagatesToEveryLevelAsTorchvision(string path)
    {
        using var scope = NewDisposeScope();
        var features = Levels.Select(l => Fixture["feature." + l].clone().requires_grad_(true)).ToArray();
        var pooler = new MultiScaleRoiAlign((7, 7), samplingRatio: 2) { Path = Enum.Parse<OpPath>(path) };
        var output = pooler.Forward(features, [Fixture["boxes.0"], Fixture["boxes.1"]], ImageSizes());

        Assert.Equal(Fixture["scales"].data<double>().ToArray(), pooler.Scales!);
        double forward = OpsFixture.MaxAbsError(Fixture["output"], output);
        Assert.True(forward <= Tolerance, $"{path}: forward differs by {forward}");

        (output * Fixture["grad_output"]).sum().backward();
        double backward = 0;
        foreach (var (feature, level) in features.Zip(Levels))
        {
            double d = OpsFixture.MaxAbsError(Fixture["grad." + level], feature.grad!);
            Assert.True(d <= Tolerance, $"{path}: gradient of {level} differs by {d}");
            Assert.True(feature.grad!.abs().sum().item<float>() > 0, $"{level} received no gradient");
            backward = Math.Max(backward, d);
        }
        log.WriteLine($"{path}: max |forward - torchvision| = {forward:E2}, max |grad - torchvision| = {backward:E2}");
    }

    [Fact]
    public void LevelMapperAssignsTheLevelsTorchvisionAssigns()
    {
        var pooler = new MultiScaleRoiAlign((7, 7), 2);
        using var features = zeros(2, 1, 40, 64);
        using var _ = pooler.Forward([features, zeros(2, 1, 20, 32), zeros(2, 1, 10, 16), zeros(2, 1, 5, 8)],
            [Fixture["boxes.0"], Fixture["boxes.1"]], ImageSizes());
        var mapper = new LevelMapper(2, 5);
        using var boxes = cat([Fixture["boxes.0"], Fixture["boxes.1"]], 0);
        using var levels = mapper.Map(boxes);
        Assert.Equal(Fixture["levels"].data<long>().ToArray(), levels.data<long>().ToArray());
    }

    [Theory, MemberData(nameof(Paths))]
    public void ASingleLevelPoolsAtTheInferredScale(string path)
    {
        // Hand-computed: a 16x16 map of a 64x64 image has scale 1/4; the feature value is its column
        // index, so the box x 16..48 (feature 4..12) pooled to 1x1 with 2x2 samples at x = 6 and 10
        // averages to 8, whatever the rows.
        using var ramp = arange(16, ScalarType.Float32).expand(1, 1, 16, 16).contiguous();
        using var boxes = tensor(new float[] { 16, 0, 48, 64 }, [1, 4]);
        var pooler = new MultiScaleRoiAlign((1, 1), 2) { Path = Enum.Parse<OpPath>(path) };
        using var output = pooler.Forward([ramp], [boxes], [(64, 64)]);
        Assert.Equal(0.25, pooler.Scales![0]);
        Assert.Equal(8f, output.item<float>(), 5);
    }

    [Fact]
    public void BoxesThatAllMapToOneLevelPoolAsRoiAlignOnThatLevel()
    {
        // Boxes of 20-40 px map to P2 (k = floor(4 + log2(sqrt(area) / 224)) clamps to 2); the other levels go unread.
        using var scope = NewDisposeScope();
        manual_seed(5);
        var features = new[] { randn(1, 3, 32, 48), randn(1, 3, 16, 24), randn(1, 3, 8, 12), randn(1, 3, 4, 6) };
        var boxes = tensor(new float[] { 10, 12, 40, 44, 60, 20, 90, 52, 100, 70, 130, 100 }, [3, 4]);
        var pooler = new MultiScaleRoiAlign((7, 7), 2);
        var output = pooler.Forward(features, [boxes], [(128, 192)]);

        var rois = cat([zeros(3, 1), boxes], 1);
        var expected = RoiAlign.Apply(features[0], rois, (7, 7), 0.25, 2, aligned: false);
        Assert.Equal(0.0, OpsFixture.MaxAbsError(expected, output));
    }

    [Fact]
    public void MismatchedBoxAndSizeListsAreRejected()
    {
        var pooler = new MultiScaleRoiAlign((7, 7), 2);
        using var f = zeros(1, 1, 8, 8);
        using var b = zeros(0, 4);
        var e = Assert.Throws<ArgumentException>(() => pooler.Forward([f], [b, b], [(32, 32)]));
        Assert.Contains("2 box sets for 1 image sizes", e.Message);
    }
}
