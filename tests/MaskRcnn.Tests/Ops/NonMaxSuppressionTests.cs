using MaskRcnn.Ops;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Ops;

/// <summary>Both implementations (CPU kernel and device tensor path) against torchvision's kept indices and order.</summary>
public sealed class NonMaxSuppressionTests : IDisposable
{
    readonly OpsFixture fx = new("nms_cases.safetensors");
    readonly OpsFixture batched = new("nms_batched_cases.safetensors");

    public void Dispose()
    {
        fx.Dispose();
        batched.Dispose();
    }

    static OpPath Path(bool tensorPath) => tensorPath ? OpPath.TensorOps : OpPath.CpuKernel;

    [Theory]
    [InlineData("tie", "tie_keep_3", 0.3, false)]
    [InlineData("tie", "tie_keep_3", 0.3, true)]
    [InlineData("tie", "tie_keep_5", 0.5, false)]
    [InlineData("tie", "tie_keep_5", 0.5, true)]
    [InlineData("tie", "tie_keep_7", 0.7, false)]
    [InlineData("tie", "tie_keep_7", 0.7, true)]
    [InlineData("awkward", "awkward_keep_5", 0.5, false)]
    [InlineData("awkward", "awkward_keep_5", 0.5, true)]
    [InlineData("same", "same_keep_5", 0.5, false)]
    [InlineData("same", "same_keep_5", 0.5, true)]
    [InlineData("threshold", "threshold_keep_3", 0.3, false)]
    [InlineData("threshold", "threshold_keep_3", 0.3, true)]
    [InlineData("threshold", "threshold_keep_5", 0.5, false)]
    [InlineData("threshold", "threshold_keep_5", 0.5, true)]
    [InlineData("big", "big_keep_7", 0.7, false)]
    [InlineData("big", "big_keep_7", 0.7, true)]
    public void NmsKeepsTorchvisionsIndicesInItsOrder(string set, string expected, double iou, bool tensorPath)
    {
        using var keep = NonMaxSuppression.Nms(fx[set + "_boxes"], fx[set + "_scores"], iou, Path(tensorPath));
        Assert.Equal(ScalarType.Int64, keep.dtype);
        Assert.Equal(fx.Longs(expected), keep.data<long>().ToArray());
    }

    [Fact]
    public void ThresholdIsComparedAsTorchvisionDoesInDoublePrecision()
    {
        // IoU 30/100 rounds to 0.3000000119f, above the double 0.3: suppressed. IoU 0.5 at 0.5: kept.
        Assert.Equal(new long[] { 0, 2 }, fx.Longs("threshold_keep_3"));
        Assert.Equal(new long[] { 0, 2, 1, 3 }, fx.Longs("threshold_keep_5"));
    }

    [Fact]
    public void PublicNmsUsesTheKernelOnCpuAndTheTensorPathForDouble()
    {
        using var scoresWithGrad = fx["tie_scores"].detach().requires_grad_(true);
        using var keep = NonMaxSuppression.Nms(fx["tie_boxes"], scoresWithGrad, 0.5);
        Assert.Equal(fx.Longs("tie_keep_5"), keep.data<long>().ToArray());
        using var b64 = fx["tie_boxes"].to_type(ScalarType.Float64);
        using var s64 = fx["tie_scores"].to_type(ScalarType.Float64);
        using var keep64 = NonMaxSuppression.Nms(b64, s64, 0.5);
        Assert.Equal(fx.Longs("tie_keep_5"), keep64.data<long>().ToArray());
    }

    [Theory]
    [InlineData("small", "small_keep_5", 0.5, false)]
    [InlineData("small", "small_keep_5", 0.5, true)]
    [InlineData("large", "large_keep_5", 0.5, false)]
    [InlineData("large", "large_keep_5", 0.5, true)]
    [InlineData("large", "large_keep_7", 0.7, false)]
    [InlineData("large", "large_keep_7", 0.7, true)]
    public void BatchedNmsMatchesBothOfTorchvisionsStrategies(string set, string expected, double iou, bool tensorPath)
    {
        using var keep = NonMaxSuppression.BatchedNms(
            batched[set + "_boxes"], batched[set + "_scores"], batched[set + "_idxs"], iou, Path(tensorPath));
        Assert.Equal(batched.Longs(expected), keep.data<long>().ToArray());
    }

    [Fact]
    public void BatchedNmsOfManyCategoriesKeepsWhatNmsPerCategoryKeeps()
    {
        // Box postprocessing's shape: many categories of overlapping boxes, interleaved in the input, with tied scores.
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var corners = rand([3000, 2], generator: generator) * 200;
        var boxes = cat([corners, corners + rand([3000, 2], generator: generator) * 60 + 1], 1);
        var scores = (rand([3000], generator: generator) * 50).round() / 50;
        var idxs = randint(0, 37, [3000], generator: generator);

        var expected = new List<long>();
        for (long c = 0; c < 37; c++)
        {
            var members = (idxs == c).nonzero().flatten();
            var kept = NonMaxSuppression.Nms(boxes[members], scores[members], 0.6, OpPath.CpuKernel);
            expected.AddRange(members[kept].data<long>().ToArray());
        }
        var keep = NonMaxSuppression.BatchedNms(boxes, scores, idxs, 0.6, OpPath.CpuKernel).data<long>().ToArray();
        Assert.Equal(expected.Order(), keep.Order());
        // Both strategies' orders: the per-category kernel path against the device tensor path.
        Assert.Equal(NonMaxSuppression.BatchedNms(boxes, scores, idxs, 0.6, OpPath.TensorOps).data<long>().ToArray(), keep);
    }

    [Fact]
    public void BatchedNmsNeverSuppressesAcrossCategories()
    {
        // Two identical boxes of different categories both survive; a third of the first category is suppressed.
        using var boxes = tensor(new float[] { 0, 0, 10, 10, 0, 0, 10, 10, 1, 1, 10, 10 }, [3, 4]);
        using var scores = tensor(new float[] { 0.9f, 0.8f, 0.7f });
        using var idxs = tensor(new long[] { 4, 9, 4 });
        using var keep = NonMaxSuppression.BatchedNms(boxes, scores, idxs, 0.5);
        Assert.Equal(new long[] { 0, 1 }, keep.data<long>().ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EmptyInputsReturnEmptyInt64(bool tensorPath)
    {
        using var boxes = empty(0, 4);
        using var scores = empty(0);
        using var idxs = empty(0, ScalarType.Int64);
        using var keep = NonMaxSuppression.Nms(boxes, scores, 0.5, Path(tensorPath));
        using var keepBatched = NonMaxSuppression.BatchedNms(boxes, scores, idxs, 0.5, Path(tensorPath));
        Assert.Equal(ScalarType.Int64, keep.dtype);
        Assert.Equal(ScalarType.Int64, keepBatched.dtype);
        Assert.Equal(0, keep.numel());
        Assert.Equal(0, keepBatched.numel());
    }

    [Fact]
    public void RejectsScoresOfAnotherLength()
    {
        using var scores = ones(3);
        var e = Assert.Throws<ArgumentException>(() => NonMaxSuppression.Nms(fx["tie_boxes"], scores, 0.5));
        Assert.Contains("scores", e.Message);
    }
}
