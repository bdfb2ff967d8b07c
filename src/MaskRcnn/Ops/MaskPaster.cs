using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// Pastes per-detection mask probabilities into full images as torchvision 0.14's
/// <c>paste_masks_in_image</c> (roi_heads.py): the M x M mask is zero-padded by <c>padding</c>, its box
/// grown by (M + 2 padding) / M about the centre and truncated to integers, the padded mask resized
/// bilinearly (align_corners=False) to the box and written where the box meets the image.
/// An inference op: no gradient.
/// </summary>
public static class MaskPaster
{
    /// <param name="masks">[N,1,M,M] mask probabilities (float32).</param>
    /// <param name="boxes">[N,4] xyxy boxes in image coordinates.</param>
    /// <param name="imageSize">Target image (height, width).</param>
    /// <param name="padding">Zero border added around each mask before resizing.</param>
    /// <returns>float32 [N,1,H,W].</returns>
    public static Tensor PasteMasksInImage(Tensor masks, Tensor boxes, (long Height, long Width) imageSize, int padding = 1) =>
        PasteMasksInImage(masks, boxes, imageSize, padding, OpPath.Auto);

    internal static Tensor PasteMasksInImage(Tensor masks, Tensor boxes, (long Height, long Width) imageSize, int padding, OpPath path)
    {
        Check(masks, boxes, imageSize, padding);
        using var scope = NewDisposeScope();
        long n = masks.shape[0];
        var integerBoxes = ExpandBoxes(boxes, (float)((double)(masks.shape[3] + 2 * padding) / masks.shape[3]));
        var corners = n == 0 ? [] : integerBoxes.cpu().contiguous().data<long>().ToArray();
        var result = path.UsesCpuKernel(masks)
            ? PasteOnCpu(masks, corners, imageSize, padding)
            : PasteWithTensorOps(masks, corners, imageSize, padding);
        return scope.MoveToOuter(result);
    }

    /// <summary>torchvision's expand_boxes in float32, then .to(int64) (truncation toward zero).</summary>
    static Tensor ExpandBoxes(Tensor boxes, float scale)
    {
        var b = boxes.to(ScalarType.Float32);
        var wHalf = (b[.., 2] - b[.., 0]) * 0.5f * scale;
        var hHalf = (b[.., 3] - b[.., 1]) * 0.5f * scale;
        var xc = (b[.., 2] + b[.., 0]) * 0.5f;
        var yc = (b[.., 3] + b[.., 1]) * 0.5f;
        return stack([xc - wHalf, yc - hHalf, xc + wHalf, yc + hHalf], 1).to(ScalarType.Int64);
    }

    static Tensor PasteOnCpu(Tensor masks, long[] boxes, (long Height, long Width) imageSize, int padding)
    {
        long n = masks.shape[0];
        if (n == 0 || imageSize.Height == 0 || imageSize.Width == 0)
            return zeros([n, 1, imageSize.Height, imageSize.Width], ScalarType.Float32);
        // Uninitialised: the kernel writes every element, zeros included.
        var output = empty([n, 1, imageSize.Height, imageSize.Width], ScalarType.Float32);
        using var source = masks.detach().to(ScalarType.Float32).contiguous();
        MaskPasteKernel.Paste(TensorAddress.Of(source), (int)n, (int)masks.shape[2], (int)masks.shape[3], padding, boxes,
            (int)imageSize.Height, (int)imageSize.Width, TensorAddress.Of(output));
        return output;
    }

    // torchvision's loop, one F.interpolate per mask, for devices without the kernel.
    static Tensor PasteWithTensorOps(Tensor masks, long[] boxes, (long Height, long Width) imageSize, int padding)
    {
        long n = masks.shape[0];
        var output = zeros([n, 1, imageSize.Height, imageSize.Width], ScalarType.Float32, masks.device);
        var padded = nn.functional.pad(masks.detach().to(ScalarType.Float32), [padding, padding, padding, padding]);
        for (int i = 0; i < n; i++)
        {
            long x0 = boxes[i * 4], y0 = boxes[i * 4 + 1], x1 = boxes[i * 4 + 2], y1 = boxes[i * 4 + 3];
            long w = Math.Max(x1 - x0 + 1, 1), h = Math.Max(y1 - y0 + 1, 1);
            long xa = Math.Max(x0, 0), xb = Math.Min(x1 + 1, imageSize.Width);
            long ya = Math.Max(y0, 0), yb = Math.Min(y1 + 1, imageSize.Height);
            if (xa >= xb || ya >= yb) continue;
            var resized = nn.functional.interpolate(padded[TensorIndex.Slice(i, i + 1)], [h, w],
                mode: InterpolationMode.Bilinear, align_corners: false);
            output[i, 0, TensorIndex.Slice(ya, yb), TensorIndex.Slice(xa, xb)] =
                resized[0, 0, TensorIndex.Slice(ya - y0, yb - y0), TensorIndex.Slice(xa - x0, xb - x0)];
        }
        return output;
    }

    static void Check(Tensor masks, Tensor boxes, (long Height, long Width) imageSize, int padding)
    {
        if (masks.dim() != 4 || masks.shape[1] != 1)
            throw new ArgumentException($"{nameof(MaskPaster)}: masks must be [N,1,M,M], got [{string.Join(",", masks.shape)}].", nameof(masks));
        if (boxes.dim() != 2 || boxes.shape[1] != 4 || boxes.shape[0] != masks.shape[0])
            throw new ArgumentException(
                $"{nameof(MaskPaster)}: boxes must be [N,4] with N = {masks.shape[0]} masks, got [{string.Join(",", boxes.shape)}].", nameof(boxes));
        if (imageSize.Height < 0 || imageSize.Width < 0)
            throw new ArgumentOutOfRangeException(nameof(imageSize), $"{nameof(MaskPaster)}: negative image size {imageSize}.");
        if (padding < 0)
            throw new ArgumentOutOfRangeException(nameof(padding), $"{nameof(MaskPaster)}: padding must be >= 0, got {padding}.");
    }
}
