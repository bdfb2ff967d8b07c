using MaskRcnn.Data.Masks;

namespace MaskRcnn.Ops;

/// <summary>
/// CPU paste of padded masks: bilinear resizing (align_corners=False, ATen's upsample_bilinear2d arithmetic)
/// evaluated only at the pixels of each box that fall inside the image — its window — and written into that
/// window's crop, the only part of torchvision's image-sized plane that is not zero.
/// </summary>
internal static unsafe class MaskPasteKernel
{
    /// <summary>One output coordinate's two source neighbours and their weights.</summary>
    readonly record struct Tap(int Low, int High, float WLow, float WHigh);

    /// <summary>The part of the image an expanded integer box (x0, y0, x1, y1; inclusive, torchvision's TO_REMOVE = 1) writes.</summary>
    public static MaskWindow Window(long x0, long y0, long x1, long y1, int imageH, int imageW)
    {
        int xa = (int)Math.Clamp(x0, 0, imageW), xb = (int)Math.Clamp(x1 + 1, 0, imageW);
        int ya = (int)Math.Clamp(y0, 0, imageH), yb = (int)Math.Clamp(y1 + 1, 0, imageH);
        // A box wholly outside the image pastes nothing (torchvision raises on such a box).
        return xa >= xb || ya >= yb ? default : new MaskWindow(xa, ya, xb, yb);
    }

    /// <summary>
    /// masks: contiguous float32 [count, maskH, maskW], unpadded; boxes: expanded integer boxes, count*4
    /// (x0, y0, x1, y1); windows: <see cref="Window"/> of each box; output: the windows' crops one after the other
    /// from <paramref name="offsets"/>[n], row-major, every element written.
    /// </summary>
    public static void Paste(nint masks, int count, int maskH, int maskW, int padding, long[] boxes,
        MaskWindow[] windows, long[] offsets, nint output)
    {
        int paddedH = maskH + 2 * padding, paddedW = maskW + 2 * padding;
        Parallel.For(0, count, () => Array.Empty<float>(), (n, _, padded) =>
        {
            var window = windows[n];
            if (window.IsEmpty) return padded;
            long x0 = boxes[n * 4], y0 = boxes[n * 4 + 1], x1 = boxes[n * 4 + 2], y1 = boxes[n * 4 + 3];
            // torchvision's paste_mask_in_image: TO_REMOVE = 1, sides at least one pixel.
            int w = (int)Math.Max(x1 - x0 + 1, 1), h = (int)Math.Max(y1 - y0 + 1, 1);
            float* crop = (float*)output + offsets[n];
            int cw = window.Width;

            if (padded.Length < paddedH * paddedW) padded = new float[paddedH * paddedW];
            Array.Clear(padded, 0, paddedH * paddedW);
            float* source = (float*)masks + (long)n * maskH * maskW;
            for (int r = 0; r < maskH; r++)
                new ReadOnlySpan<float>(source + (long)r * maskW, maskW).CopyTo(padded.AsSpan((r + padding) * paddedW + padding, maskW));

            var columns = new Tap[cw];
            for (int x = window.X0; x < window.X1; x++) columns[x - window.X0] = Source((int)(x - x0), paddedW, w);
            fixed (float* p = padded)
            {
                for (int y = window.Y0; y < window.Y1; y++)
                {
                    var row = Source((int)(y - y0), paddedH, h);
                    float* top = p + row.Low * paddedW, bottom = p + row.High * paddedW;
                    float* dst = crop + (long)(y - window.Y0) * cw;
                    for (int x = 0; x < cw; x++)
                    {
                        var c = columns[x];
                        float t0 = top[c.Low] * c.WLow + top[c.High] * c.WHigh;
                        float t1 = bottom[c.Low] * c.WLow + bottom[c.High] * c.WHigh;
                        dst[x] = t0 * row.WLow + t1 * row.WHigh;
                    }
                }
            }
            return padded;
        }, _ => { });
    }

    /// <summary>ATen's compute_source_index_and_lambda for align_corners=False, in float32.</summary>
    static Tap Source(int dst, int inputSize, int outputSize)
    {
        if (inputSize == outputSize) return new Tap(dst, dst, 1f, 0f);
        float scale = (float)inputSize / outputSize;
        float real = MathF.Max(scale * (dst + 0.5f) - 0.5f, 0f);
        int low = (int)real;
        int high = low + (low < inputSize - 1 ? 1 : 0);
        float lambda = MathF.Min(MathF.Max(real - low, 0f), 1f);
        return new Tap(low, high, 1f - lambda, lambda);
    }
}
