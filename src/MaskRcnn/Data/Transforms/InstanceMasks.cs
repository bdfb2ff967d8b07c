using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Data.Transforms;

/// <summary>
/// Targets re-derived from their masks after a transform that resamples or cuts them (scale jitter, crops): instances
/// whose mask kept fewer than a minimum number of pixels are dropped and every box becomes its mask's tight extent in
/// pixel-edge coordinates (x2 = last column + 1), as Detectron2's <c>DatasetMapper(recompute_boxes=True)</c> does
/// when cropping — a clipped box would otherwise be larger than the part of the object left inside the crop.
/// </summary>
public static class InstanceMasks
{
    /// <summary>The targets of <paramref name="masks"/> [N,H,W] uint8 (taken over) and <paramref name="labels"/> [N]
    /// (copied), keeping the instances with at least <paramref name="minArea"/> mask pixels.</summary>
    public static TargetSet ToTargets(Tensor masks, Tensor labels, long minArea)
    {
        using var scope = NewDisposeScope();
        using var area = masks.sum([1, 2], type: ScalarType.Int64);
        using var keep = area.ge(Math.Max(1, minArea)).nonzero().flatten();
        var kept = masks.index_select(0, keep);
        masks.Dispose();
        var boxes = TightBoxes(kept);
        return new TargetSet(boxes.MoveToOuterDisposeScope(), labels.index_select(0, keep).MoveToOuterDisposeScope(),
            kept.MoveToOuterDisposeScope());
    }

    /// <summary>float32 [N,4] (x1, y1, x2, y2): each non-empty mask's first and one-past-last occupied column and row.</summary>
    public static Tensor TightBoxes(Tensor masks)
    {
        using var scope = NewDisposeScope();
        long n = masks.shape[0], h = masks.shape[1], w = masks.shape[2];
        if (n == 0) return zeros([0, 4], ScalarType.Float32).MoveToOuterDisposeScope();
        var rows = masks.ne(0).any(2).to_type(ScalarType.Int32);   // [N,H]
        var cols = masks.ne(0).any(1).to_type(ScalarType.Int32);   // [N,W]
        // argmax returns the first maximum: the first occupied row/column from either end.
        var y1 = rows.argmax(1);
        var y2 = h - rows.flip(1).argmax(1);
        var x1 = cols.argmax(1);
        var x2 = w - cols.flip(1).argmax(1);
        return stack([x1, y1, x2, y2], 1).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
