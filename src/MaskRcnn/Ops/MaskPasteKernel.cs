namespace MaskRcnn.Ops;

/// <summary>
/// CPU paste of padded masks into image-sized planes: bilinear resizing (align_corners=False, ATen's
/// upsample_bilinear2d arithmetic) evaluated only at the pixels of each box that fall inside the image,
/// written straight into the output. Every output element is written once (zeros outside the box),
/// so the image-sized output needs no separate zero-fill pass.
/// </summary>
internal static unsafe class MaskPasteKernel
{
    /// <summary>One output coordinate's two source neighbours and their weights.</summary>
    readonly record struct Tap(int Low, int High, float WLow, float WHigh);

    /// <summary>
    /// masks: contiguous float32 [count, maskH, maskW], unpadded; boxes: expanded integer boxes, count*4
    /// (x0, y0, x1, y1); output: contiguous float32 [count, imageH, imageW], uninitialised.
    /// </summary>
    public static void Paste(nint masks, int count, int maskH, int maskW, int padding, long[] boxes,
        int imageH, int imageW, nint output)
    {
        int paddedH = maskH + 2 * padding, paddedW = maskW + 2 * padding;
        Parallel.For(0, count, () => Array.Empty<float>(), (n, _, padded) =>
        {
            long x0 = boxes[n * 4], y0 = boxes[n * 4 + 1], x1 = boxes[n * 4 + 2], y1 = boxes[n * 4 + 3];
            // torchvision's paste_mask_in_image: TO_REMOVE = 1, sides at least one pixel.
            int w = (int)Math.Max(x1 - x0 + 1, 1), h = (int)Math.Max(y1 - y0 + 1, 1);
            int xa = (int)Math.Max(x0, 0), xb = (int)Math.Min(x1 + 1, imageW);
            int ya = (int)Math.Max(y0, 0), yb = (int)Math.Min(y1 + 1, imageH);
            float* plane = (float*)output + (long)n * imageH * imageW;
            // A box wholly outside the image pastes nothing (torchvision raises on such a box).
            if (xa >= xb || ya >= yb)
            {
                Clear(plane, (long)imageH * imageW);
                return padded;
            }
            Clear(plane, (long)ya * imageW);
            Clear(plane + (long)yb * imageW, (long)(imageH - yb) * imageW);

            if (padded.Length < paddedH * paddedW) padded = new float[paddedH * paddedW];
            Array.Clear(padded, 0, paddedH * paddedW);
            float* source = (float*)masks + (long)n * maskH * maskW;
            for (int r = 0; r < maskH; r++)
                new ReadOnlySpan<float>(source + (long)r * maskW, maskW).CopyTo(padded.AsSpan((r + padding) * paddedW + padding, maskW));

            var columns = new Tap[xb - xa];
            for (int x = xa; x < xb; x++) columns[x - xa] = Source((int)(x - x0), paddedW, w);
            fixed (float* p = padded)
            {
                for (int y = ya; y < yb; y++)
                {
                    var row = Source((int)(y - y0), paddedH, h);
                    float* top = p + row.Low * paddedW, bottom = p + row.High * paddedW;
                    float* dst = plane + (long)y * imageW;
                    new Span<float>(dst, xa).Clear();
                    new Span<float>(dst + xb, imageW - xb).Clear();
                    for (int x = xa; x < xb; x++)
                    {
                        var c = columns[x - xa];
                        float t0 = top[c.Low] * c.WLow + top[c.High] * c.WHigh;
                        float t1 = bottom[c.Low] * c.WLow + bottom[c.High] * c.WHigh;
                        dst[x] = t0 * row.WLow + t1 * row.WHigh;
                    }
                }
            }
            return padded;
        }, _ => { });
    }

    static void Clear(float* start, long count)
    {
        for (long done = 0; done < count; done += int.MaxValue)
            new Span<float>(start + done, (int)Math.Min(count - done, int.MaxValue)).Clear();
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
