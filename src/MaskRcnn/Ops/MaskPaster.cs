using MaskRcnn.Data.Masks;
using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// Pastes per-detection mask probabilities into their image as torchvision 0.14's <c>paste_masks_in_image</c>
/// (roi_heads.py): the M x M mask is zero-padded by <c>padding</c>, its box grown by (M + 2 padding) / M about the
/// centre and truncated to integers, the padded mask resized bilinearly (align_corners=False) to the box and written
/// where the box meets the image. Only that window is kept (<see cref="PastedMasks"/>): torchvision's image-sized
/// planes are zero elsewhere, and <see cref="PastedMasks.ToTensor"/> rebuilds them.
/// An inference op: no gradient.
/// </summary>
public static class MaskPaster
{
    /// <param name="masks">[N,1,M,M] mask probabilities (float32).</param>
    /// <param name="boxes">[N,4] xyxy boxes in image coordinates.</param>
    /// <param name="imageSize">Target image (height, width).</param>
    /// <param name="padding">Zero border added around each mask before resizing.</param>
    public static PastedMasks Paste(Tensor masks, Tensor boxes, (long Height, long Width) imageSize, int padding = 1) =>
        Paste(masks, boxes, imageSize, padding, OpPath.Auto);

    /// <summary>The full-frame form torchvision returns, float32 [N,1,H,W] (<see cref="Paste(Tensor, Tensor, ValueTuple{long, long}, int)"/>, then
    /// <see cref="PastedMasks.ToTensor"/>): for callers that want the image-sized planes.</summary>
    public static Tensor PasteMasksInImage(Tensor masks, Tensor boxes, (long Height, long Width) imageSize, int padding = 1) =>
        Paste(masks, boxes, imageSize, padding).ToTensor();

    internal static Tensor PasteMasksInImage(Tensor masks, Tensor boxes, (long Height, long Width) imageSize, int padding, OpPath path) =>
        Paste(masks, boxes, imageSize, padding, path).ToTensor();

    internal static PastedMasks Paste(Tensor masks, Tensor boxes, (long Height, long Width) imageSize, int padding, OpPath path)
    {
        Check(masks, boxes, imageSize, padding);
        int n = (int)masks.shape[0], height = (int)imageSize.Height, width = (int)imageSize.Width;
        float[] xyxy;
        using (var b = boxes.detach().to(ScalarType.Float32).cpu().contiguous()) xyxy = n == 0 ? [] : b.data<float>().ToArray();
        var corners = ExpandBoxes(xyxy, (float)((double)(masks.shape[3] + 2 * padding) / masks.shape[3]));
        var windows = new MaskWindow[n];
        var offsets = new long[n + 1];
        for (int i = 0; i < n; i++)
        {
            windows[i] = MaskPasteKernel.Window(corners[4 * i], corners[4 * i + 1], corners[4 * i + 2], corners[4 * i + 3], height, width);
            offsets[i + 1] = offsets[i] + windows[i].Area;
        }
        if (offsets[n] > Array.MaxLength)
            throw new InvalidOperationException($"{n} pasted masks would cover {offsets[n]} pixels, more than one array holds; predict fewer detections per image");
        var values = new float[offsets[n]];
        if (path.UsesCpuKernel(masks)) PasteOnCpu(masks, corners, padding, windows, offsets, values);
        else PasteWithTensorOps(masks, corners, padding, windows, offsets, values);
        return new PastedMasks((height, width), windows, values);
    }

    /// <summary>
    /// torchvision's expand_boxes in float32 — half sides (x2 − x1)·0.5·scale, centres (x2 + x1)·0.5 — then .to(int64)
    /// (truncation toward zero). In managed float32 arithmetic rather than tensor ops: the same values (the fixtures say
    /// so), and no libtorch call with an implicit scalar after the crops' managed allocations (see <c>Runtime.GcPause</c>).
    /// </summary>
    static long[] ExpandBoxes(float[] boxes, float scale)
    {
        var corners = new long[boxes.Length];
        for (int i = 0; i < boxes.Length; i += 4)
        {
            float x1 = boxes[i], y1 = boxes[i + 1], x2 = boxes[i + 2], y2 = boxes[i + 3];
            float wHalf = (x2 - x1) * 0.5f * scale, hHalf = (y2 - y1) * 0.5f * scale;
            float xc = (x2 + x1) * 0.5f, yc = (y2 + y1) * 0.5f;
            (corners[i], corners[i + 1], corners[i + 2], corners[i + 3]) = ((long)(xc - wHalf), (long)(yc - hHalf), (long)(xc + wHalf), (long)(yc + hHalf));
        }
        return corners;
    }

    static unsafe void PasteOnCpu(Tensor masks, long[] boxes, int padding, MaskWindow[] windows, long[] offsets, float[] values)
    {
        if (values.Length == 0) return;
        using var source = masks.detach().to(ScalarType.Float32).contiguous();
        fixed (float* output = values)
            MaskPasteKernel.Paste(TensorAddress.Of(source), windows.Length, (int)masks.shape[2], (int)masks.shape[3], padding, boxes,
                windows, offsets, (nint)output);
    }

    // torchvision's loop, one F.interpolate per mask, for devices without the kernel; each window's crop comes to the CPU.
    static void PasteWithTensorOps(Tensor masks, long[] boxes, int padding, MaskWindow[] windows, long[] offsets, float[] values)
    {
        var padded = nn.functional.pad(masks.detach().to(ScalarType.Float32), [padding, padding, padding, padding]);
        for (int i = 0; i < windows.Length; i++)
        {
            var window = windows[i];
            if (window.IsEmpty) continue;
            long x0 = boxes[i * 4], y0 = boxes[i * 4 + 1], x1 = boxes[i * 4 + 2], y1 = boxes[i * 4 + 3];
            long w = Math.Max(x1 - x0 + 1, 1), h = Math.Max(y1 - y0 + 1, 1);
            using var resized = nn.functional.interpolate(padded[TensorIndex.Slice(i, i + 1)], [h, w],
                mode: InterpolationMode.Bilinear, align_corners: false);
            using var crop = resized[0, 0, TensorIndex.Slice(window.Y0 - y0, window.Y1 - y0), TensorIndex.Slice(window.X0 - x0, window.X1 - x0)]
                .cpu().contiguous();
            crop.data<float>().CopyTo(values, (int)offsets[i]);
        }
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
