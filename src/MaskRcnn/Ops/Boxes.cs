using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// Elementary operations on boxes in (x1, y1, x2, y2) format, as torchvision.ops.boxes
/// (box_area, box_iou, clip_boxes_to_image, remove_small_boxes). Pure tensor operations: any device.
/// </summary>
public static class Boxes
{
    /// <summary>Area of each box of [N,4]; half precision and small integers are upcast as torchvision's <c>_upcast</c>.</summary>
    public static Tensor Area(Tensor boxes)
    {
        RequireBoxes(boxes, nameof(boxes));
        using var scope = NewDisposeScope();
        var b = Upcast(boxes);
        var area = (b[.., 2] - b[.., 0]) * (b[.., 3] - b[.., 1]);
        return area.MoveToOuterDisposeScope();
    }

    /// <summary>Pairwise intersection over union [N,M] of boxes1 [N,4] and boxes2 [M,4] (torchvision <c>box_iou</c>).</summary>
    /// <remarks>
    /// torchvision broadcasts to [N,M,2] corners; with the temporaries that is about 12 N·M floats alive at once —
    /// 12 GB for 1,000 ground-truth boxes against the 262k anchors of a 1000×1000 image. Every value depends on one
    /// pair only, so rows of boxes1 are taken in blocks of about <see cref="IouBlockElements"/> pairs: the same values,
    /// with the [N,M] result as the only full-size tensor.
    /// </remarks>
    public static Tensor Iou(Tensor boxes1, Tensor boxes2)
    {
        RequireBoxes(boxes1, nameof(boxes1));
        RequireBoxes(boxes2, nameof(boxes2));
        long n = boxes1.shape[0], m = boxes2.shape[0];
        long rows = Math.Max(1, IouBlockElements / Math.Max(m, 1));
        if (rows >= n) return IouBlock(boxes1, boxes2);
        Tensor? result = null;
        for (long start = 0; start < n; start += rows)
        {
            using var scope = NewDisposeScope();
            var block = IouBlock(boxes1[TensorIndex.Slice(start, Math.Min(start + rows, n))], boxes2);
            result ??= empty([n, m], block.dtype, block.device).MoveToOuterDisposeScope();
            result[TensorIndex.Slice(start, Math.Min(start + rows, n))].copy_(block);
        }
        return result!;
    }

    /// <summary>Pairs per block of <see cref="Iou"/> (4M: 32 MB per [rows,M,2] corner tensor).</summary>
    internal const long IouBlockElements = 4L << 20;

    internal static Tensor IouBlock(Tensor boxes1, Tensor boxes2)
    {
        using var scope = NewDisposeScope();
        var area1 = Area(boxes1);
        var area2 = Area(boxes2);
        var lt = maximum(boxes1[.., TensorIndex.None, ..2], boxes2[.., ..2]);
        var rb = minimum(boxes1[.., TensorIndex.None, 2..], boxes2[.., 2..]);
        var wh = Upcast(rb - lt).clamp_min(0);
        var inter = wh[.., .., 0] * wh[.., .., 1];
        var union = area1[.., TensorIndex.None] + area2 - inter;
        return (inter / union).MoveToOuterDisposeScope();
    }

    /// <summary>Clamps x into [0, width] and y into [0, height] (torchvision <c>clip_boxes_to_image</c>); works on [..., 4].</summary>
    public static Tensor ClipToImage(Tensor boxes, long height, long width)
    {
        if (boxes.dim() < 1 || boxes.shape[^1] != 4)
            throw new ArgumentException($"boxes must be [...,4]; got [{string.Join(",", boxes.shape)}]", nameof(boxes));
        using var scope = NewDisposeScope();
        int dim = (int)boxes.dim();
        var x = boxes[TensorIndex.Ellipsis, TensorIndex.Slice(0, null, 2)].clamp(0, width);
        var y = boxes[TensorIndex.Ellipsis, TensorIndex.Slice(1, null, 2)].clamp(0, height);
        return stack([x, y], dim).reshape(boxes.shape).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// int64 indices of the boxes whose width and height are both at least <paramref name="minSize"/>
    /// (torchvision <c>remove_small_boxes</c>: both sides compared with <c>&gt;=</c>, so a degenerate box with
    /// x2 &lt; x1 or y2 &lt; y1 has a negative side and is dropped for any minSize &gt;= 0).
    /// </summary>
    public static Tensor RemoveSmall(Tensor boxes, double minSize)
    {
        RequireBoxes(boxes, nameof(boxes));
        using var scope = NewDisposeScope();
        var ws = boxes[.., 2] - boxes[.., 0];
        var hs = boxes[.., 3] - boxes[.., 1];
        var keep = ws.ge(minSize).logical_and_(hs.ge(minSize));
        return keep.nonzero().reshape(-1).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision's <c>_upcast</c>: float16/bfloat16 to float32, small integer types to int32.</summary>
    internal static Tensor Upcast(Tensor t)
    {
        if (t.is_floating_point())
            return t.dtype is ScalarType.Float32 or ScalarType.Float64 ? t.alias() : t.to_type(ScalarType.Float32);
        return t.dtype is ScalarType.Int32 or ScalarType.Int64 ? t.alias() : t.to_type(ScalarType.Int32);
    }

    internal static void RequireBoxes(Tensor boxes, string name)
    {
        if (boxes.dim() != 2 || boxes.shape[1] != 4)
            throw new ArgumentException($"{name} must be [N,4] (x1,y1,x2,y2); got [{string.Join(",", boxes.shape)}]", name);
    }
}
