using MaskRcnn.Ops;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Ops;

public sealed class AnchorGeneratorTests : IDisposable
{
    readonly OpsFixture fx = new("anchors_cases.safetensors");

    public void Dispose() => fx.Dispose();

    static (long, long)[] Sizes(Tensor t)
    {
        var v = t.data<long>().ToArray();
        return Enumerable.Range(0, v.Length / 2).Select(i => (v[2 * i], v[2 * i + 1])).ToArray();
    }

    [Fact]
    public void FpnCellAnchorsAreTorchvisionsRoundedBaseAnchors()
    {
        var gen = AnchorGenerator.Fpn();
        Assert.Equal(new[] { 3, 3, 3, 3, 3 }, gen.NumAnchorsPerLocation);
        for (int level = 0; level < 5; level++)
        {
            using var cell = gen.CellAnchors(level);
            Assert.Equal(0.0, OpsFixture.MaxAbsError(fx[$"fpn_cell_{level}"], cell));
        }
    }

    [Fact]
    public void NonIntegralSizesRoundLikeTorch()
    {
        using var cell = new AnchorGenerator([[24.0, 45.0, 90.5]], [[0.25, 0.7, 1.3, 3.0]]).CellAnchors(0);
        Assert.Equal(0.0, OpsFixture.MaxAbsError(fx["odd_cell"], cell));
    }

    [Fact]
    public void FpnGridAnchorsAreIdenticalForASmallImage()
    {
        using var anchors = AnchorGenerator.Fpn().GridAnchors(Sizes(fx["fpn_256x352_sizes"]), (256, 352));
        Assert.Equal(0.0, OpsFixture.MaxAbsError(fx["fpn_256x352"], anchors));
    }

    [Fact]
    public void FpnGridAnchorsFor800x1088UseIntegerDivisionStrides()
    {
        // The 13x17 top level has strides 800 / 13 = 61 and 1088 / 17 = 64.
        using var anchors = AnchorGenerator.Fpn().GridAnchors(Sizes(fx["fpn_800x1088_sizes"]), (800, 1088));
        AssertSampledEqual(anchors, "fpn_800x1088");
    }

    [Fact]
    public void SingleLevelWith15AnchorsMatches()
    {
        var gen = AnchorGenerator.SingleLevel([32, 64, 128, 256, 512], [0.5, 1, 2]);
        Assert.Equal(new[] { 15 }, gen.NumAnchorsPerLocation);
        using var cell = gen.CellAnchors(0);
        Assert.Equal(0.0, OpsFixture.MaxAbsError(fx["single_cell"], cell));
        using var small = gen.GridAnchors([(10, 14)], (160, 224));
        Assert.Equal(0.0, OpsFixture.MaxAbsError(fx["single_160x224"], small));
        using var large = gen.GridAnchors([(38, 63)], (600, 1000));
        AssertSampledEqual(large, "single_600x1000");
    }

    [Fact]
    public void RejectsAFeatureMapCountThatDoesNotMatchTheLevels()
    {
        var e = Assert.Throws<ArgumentException>(() => AnchorGenerator.Fpn().GridAnchors([(10, 10)], (40, 40)));
        Assert.Contains("5 levels", e.Message);
    }

    void AssertSampledEqual(Tensor anchors, string name)
    {
        Assert.Equal(fx.Longs(name + "_count")[0], anchors.shape[0]);
        using var rows = anchors.index_select(0, fx[name + "_rows"]);
        Assert.Equal(0.0, OpsFixture.MaxAbsError(fx[name + "_sampled"], rows));
        using var colsum = anchors.to_type(ScalarType.Float64).sum(dim: 0);
        Assert.Equal(0.0, OpsFixture.MaxAbsError(fx[name + "_colsum"], colsum));
    }
}
