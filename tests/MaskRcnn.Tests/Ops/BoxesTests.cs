using MaskRcnn.Ops;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Ops;

public sealed class BoxesTests : IDisposable
{
    readonly OpsFixture fx = new("boxes_ops.safetensors");

    public void Dispose() => fx.Dispose();

    [Fact]
    public void AreaAndIouMatchTorchvisionIncludingDegenerateAndOutsideBoxes()
    {
        using var area = Boxes.Area(fx["boxes1"]);
        using var iou = Boxes.Iou(fx["boxes1"], fx["boxes2"]);
        Assert.True(OpsFixture.MaxAbsError(fx["area1"], area) <= 1e-5);
        Assert.True(OpsFixture.MaxAbsError(fx["iou"], iou) <= 1e-5);
        Assert.Equal(ScalarType.Float32, iou.dtype);
    }

    [Fact]
    public void IouKeepsDoublePrecision()
    {
        using var b2 = fx["boxes2"].to_type(ScalarType.Float64);
        using var iou = Boxes.Iou(fx["boxes1_f64"], b2);
        Assert.Equal(ScalarType.Float64, iou.dtype);
        Assert.True(OpsFixture.MaxAbsError(fx["iou_f64"], iou) <= 1e-12);
    }

    [Fact]
    public void Iou_in_row_blocks_equals_the_one_broadcast_torchvision_computes()
    {
        // Enough pairs for blocks of 7 rows and a short last block: the crowded-image path (1,000 gt boxes x 262k anchors).
        using var scope = NewDisposeScope();
        long m = Boxes.IouBlockElements / 7 + 3;
        using var g = new TorchSharp.torch.Generator(5);
        Tensor Random(long count)
        {
            var corner = rand([count, 2], generator: g) * 1000 - 100;
            return cat([corner, corner + rand([count, 2], generator: g) * 200], 1);
        }
        var gt = Random(30);
        var anchors = Random(m);
        var blocked = Boxes.Iou(gt, anchors);
        var whole = Boxes.IouBlock(gt, anchors);
        Assert.Equal(whole.shape, blocked.shape);
        Assert.True(whole.gt(0).sum().item<long>() > 1000, "the boxes should overlap often");
        Assert.True(whole.eq(blocked).all().item<bool>(), "blocked IoU differs from the single broadcast");
    }

    [Fact]
    public void IouOfEmptySetsHasEmptyShape()
    {
        using var none = empty(0, 4);
        using var iou = Boxes.Iou(none, fx["boxes2"]);
        Assert.Equal(new[] { 0L, fx["boxes2"].shape[0] }, iou.shape);
        using var iou2 = Boxes.Iou(fx["boxes1"], none);
        Assert.Equal(new[] { fx["boxes1"].shape[0], 0L }, iou2.shape);
    }

    [Fact]
    public void ClipToImageMatchesTorchvisionForFlatAndBatchedBoxes()
    {
        using var clipped = Boxes.ClipToImage(fx["boxes1"], 100, 150);
        Assert.Equal(0.0, OpsFixture.MaxAbsError(fx["clip_100x150"], clipped));
        using var batched = fx["boxes1"].view(3, -1, 4);
        using var clipped3 = Boxes.ClipToImage(batched, 100, 150);
        Assert.Equal(0.0, OpsFixture.MaxAbsError(fx["clip_3d_100x150"], clipped3));
    }

    [Fact]
    public void RemoveSmallReturnsTheSameInt64Indices()
    {
        using var keep = Boxes.RemoveSmall(fx["boxes1"], 2.5);
        Assert.Equal(ScalarType.Int64, keep.dtype);
        Assert.Equal(fx.Longs("remove_small_2_5"), keep.data<long>().ToArray());
        using var keep0 = Boxes.RemoveSmall(fx["boxes1"], 0.0);
        Assert.Equal(fx.Longs("remove_small_0"), keep0.data<long>().ToArray());
        using var none = empty(0, 4);
        using var keepNone = Boxes.RemoveSmall(none, 1.0);
        Assert.Equal(ScalarType.Int64, keepNone.dtype);
        Assert.Equal(0, keepNone.numel());
    }

    [Fact]
    public void RejectsBoxesThatAreNotNBy4()
    {
        using var bad = zeros(3, 5);
        var e = Assert.Throws<ArgumentException>(() => Boxes.Area(bad));
        Assert.Contains("[3,5]", e.Message);
    }
}
