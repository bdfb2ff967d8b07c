namespace MaskRcnn.Ops;

/// <summary>
/// Hand-written CPU RoIPool (Fast R-CNN max pooling over quantised bins), forward and backward, as
/// torchvision 0.14's csrc/ops/cpu/roi_pool_kernel.cpp: box corners rounded half away from zero,
/// bins floor/ceil-quantised, the argmax of each bin remembered to route the gradient.
/// </summary>
internal static unsafe class RoiPoolKernel
{
    readonly record struct Bins(int Batch, int StartH, int StartW, float BinH, float BinW);

    static Bins Locate(float[] rois, int n, float scale, int pooledH, int pooledW)
    {
        int o = n * 5;
        // C's round(): halves go away from zero, unlike banker's rounding.
        int startW = (int)MathF.Round(rois[o + 1] * scale, MidpointRounding.AwayFromZero);
        int startH = (int)MathF.Round(rois[o + 2] * scale, MidpointRounding.AwayFromZero);
        int endW = (int)MathF.Round(rois[o + 3] * scale, MidpointRounding.AwayFromZero);
        int endH = (int)MathF.Round(rois[o + 4] * scale, MidpointRounding.AwayFromZero);
        // Malformed RoIs are forced to 1x1.
        int roiW = Math.Max(endW - startW + 1, 1);
        int roiH = Math.Max(endH - startH + 1, 1);
        return new Bins((int)rois[o], startH, startW, (float)roiH / pooledH, (float)roiW / pooledW);
    }

    static (int Start, int End) BinRange(int p, float binSize, int roiStart, int size)
    {
        int start = (int)MathF.Floor(p * binSize) + roiStart;
        int end = (int)MathF.Ceiling((p + 1) * binSize) + roiStart;
        return (Math.Clamp(start, 0, size), Math.Clamp(end, 0, size));
    }

    /// <summary>output [K,C,ph,pw] and argmax (flat index into the H*W plane, -1 for empty bins). Parallel over RoIs.</summary>
    public static void Forward(nint input, int channels, int height, int width, float[] rois, float scale,
        int pooledH, int pooledW, nint output, int[] argmax)
    {
        int numRois = rois.Length / 5;
        int bins = pooledH * pooledW;
        long plane = (long)height * width;
        Parallel.For(0, numRois, n =>
        {
            var r = Locate(rois, n, scale, pooledH, pooledW);
            for (int ph = 0; ph < pooledH; ph++)
            {
                var (hStart, hEnd) = BinRange(ph, r.BinH, r.StartH, height);
                for (int pw = 0; pw < pooledW; pw++)
                {
                    var (wStart, wEnd) = BinRange(pw, r.BinW, r.StartW, width);
                    bool empty = hEnd <= hStart || wEnd <= wStart;
                    for (int c = 0; c < channels; c++)
                    {
                        float* map = (float*)input + ((long)r.Batch * channels + c) * plane;
                        // An empty bin pools to zero and, with argmax -1, receives no gradient.
                        float max = empty ? 0f : -float.MaxValue;
                        int maxIndex = -1;
                        for (int h = hStart; h < hEnd; h++)
                        for (int w = wStart; w < wEnd; w++)
                        {
                            int i = h * width + w;
                            if (map[i] > max) { max = map[i]; maxIndex = i; }
                        }
                        long o = ((long)n * channels + c) * bins + ph * pooledW + pw;
                        ((float*)output)[o] = max;
                        argmax[o] = maxIndex;
                    }
                }
            }
        });
    }

    /// <summary>Adds each bin's gradient to its argmax pixel; parallel over channels so writes never collide.</summary>
    public static void Backward(nint gradOutput, int[] argmax, float[] rois, int channels, int height, int width,
        int pooledH, int pooledW, nint gradInput)
    {
        int numRois = rois.Length / 5;
        int bins = pooledH * pooledW;
        long plane = (long)height * width;
        Parallel.For(0, channels, c =>
        {
            for (int n = 0; n < numRois; n++)
            {
                float* grad = (float*)gradInput + ((long)(int)rois[n * 5] * channels + c) * plane;
                long o = ((long)n * channels + c) * bins;
                for (int bin = 0; bin < bins; bin++)
                    if (argmax[o + bin] != -1)
                        grad[argmax[o + bin]] += ((float*)gradOutput)[o + bin];
            }
        });
    }
}
