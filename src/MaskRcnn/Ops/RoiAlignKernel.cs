namespace MaskRcnn.Ops;

/// <summary>One contiguous float32 [N,C,H,W] feature map (or its gradient) a RoI pools from.</summary>
internal readonly record struct FeatureLevel(nint Data, int Height, int Width, float SpatialScale);

/// <summary>
/// Hand-written CPU RoIAlign, forward and backward, following torchvision 0.14's
/// csrc/ops/cpu/roi_align_kernel.cpp operation for operation in float32 so results agree to the last
/// bits. Every RoI may read from its own level (<c>roiLevels</c>), which lets MultiScaleRoIAlign pool
/// all FPN levels in one pass instead of torchvision's per-level gather and scatter.
/// </summary>
internal static unsafe class RoiAlignKernel
{
    /// <summary>torchvision's PreCalc: the four neighbours and bilinear weights of one sampling point.</summary>
    struct Sample
    {
        public int Pos1, Pos2, Pos3, Pos4;
        public float W1, W2, W3, W4;
    }

    readonly record struct Geometry(int Batch, float StartH, float StartW, float BinH, float BinW, int GridH, int GridW)
    {
        // torchvision forward: count = max(grid_h * grid_w, 1); an empty grid outputs zeros.
        public float Count => Math.Max(GridH * GridW, 1);
        public int SamplesPerBin => GridH * GridW;
    }

    static Geometry Locate(float[] rois, int n, float scale, int pooledH, int pooledW, int samplingRatio, bool aligned)
    {
        int o = n * 5;
        // No rounding of the box: the point of RoIAlign. aligned=True shifts by half a pixel.
        float offset = aligned ? 0.5f : 0f;
        float startW = rois[o + 1] * scale - offset;
        float startH = rois[o + 2] * scale - offset;
        float endW = rois[o + 3] * scale - offset;
        float endH = rois[o + 4] * scale - offset;
        float roiW = endW - startW;
        float roiH = endH - startH;
        if (!aligned)
        {
            // Legacy behaviour: malformed RoIs are forced to 1x1.
            roiW = MathF.Max(roiW, 1f);
            roiH = MathF.Max(roiH, 1f);
        }
        float binH = roiH / pooledH;
        float binW = roiW / pooledW;
        // Adaptive sampling (ratio <= 0): ceil(roi_size / pooled_size) points per bin side. A negative
        // extent (aligned, x2 < x1) samples nothing, as torchvision's loops never run then.
        int gridH = samplingRatio > 0 ? samplingRatio : Math.Max((int)MathF.Ceiling(roiH / pooledH), 0);
        int gridW = samplingRatio > 0 ? samplingRatio : Math.Max((int)MathF.Ceiling(roiW / pooledW), 0);
        return new Geometry((int)rois[o], startH, startW, binH, binW, gridH, gridW);
    }

    /// <summary>torchvision's pre_calc_for_bilinear_interpolate: weights shared by every channel.</summary>
    static void FillSamples(in Geometry g, int height, int width, int pooledH, int pooledW, Sample[] samples)
    {
        int k = 0;
        for (int ph = 0; ph < pooledH; ph++)
        for (int pw = 0; pw < pooledW; pw++)
        for (int iy = 0; iy < g.GridH; iy++)
        {
            float yy = g.StartH + ph * g.BinH + (iy + .5f) * g.BinH / g.GridH;
            for (int ix = 0; ix < g.GridW; ix++)
            {
                float xx = g.StartW + pw * g.BinW + (ix + .5f) * g.BinW / g.GridW;
                samples[k++] = Interpolate(yy, xx, height, width);
            }
        }
    }

    static Sample Interpolate(float y, float x, int height, int width)
    {
        // Points more than one pixel outside the map contribute nothing; written as !(in range) so
        // NaN coordinates land here too.
        if (!(y >= -1f && y <= height && x >= -1f && x <= width))
            return default;
        if (y <= 0) y = 0;
        if (x <= 0) x = 0;
        int yLow = (int)y, xLow = (int)x, yHigh, xHigh;
        if (yLow >= height - 1) { yHigh = yLow = height - 1; y = yLow; }
        else yHigh = yLow + 1;
        if (xLow >= width - 1) { xHigh = xLow = width - 1; x = xLow; }
        else xHigh = xLow + 1;
        float ly = y - yLow, lx = x - xLow;
        float hy = 1f - ly, hx = 1f - lx;
        return new Sample
        {
            Pos1 = yLow * width + xLow, Pos2 = yLow * width + xHigh,
            Pos3 = yHigh * width + xLow, Pos4 = yHigh * width + xHigh,
            W1 = hy * hx, W2 = hy * lx, W3 = ly * hx, W4 = ly * lx,
        };
    }

    static Sample[] Buffer(ref Sample[] buffer, int size)
    {
        if (buffer.Length < size) buffer = new Sample[size];
        return buffer;
    }

    /// <summary>output: contiguous [K,C,pooledH,pooledW], zero-initialised. Parallel over RoIs.</summary>
    public static void Forward(FeatureLevel[] levels, float[] rois, int[]? roiLevels, int channels,
        int pooledH, int pooledW, int samplingRatio, bool aligned, nint output)
    {
        int numRois = rois.Length / 5;
        int bins = pooledH * pooledW;
        Parallel.For(0, numRois, () => Array.Empty<Sample>(), (n, _, buffer) =>
        {
            var level = levels[roiLevels?[n] ?? 0];
            var g = Locate(rois, n, level.SpatialScale, pooledH, pooledW, samplingRatio, aligned);
            int perBin = g.SamplesPerBin;
            var samples = Buffer(ref buffer, bins * perBin);
            FillSamples(g, level.Height, level.Width, pooledH, pooledW, samples);
            long plane = (long)level.Height * level.Width;
            float count = g.Count;
            fixed (Sample* s = samples)
            {
                for (int c = 0; c < channels; c++)
                {
                    float* input = (float*)level.Data + ((long)g.Batch * channels + c) * plane;
                    float* outC = (float*)output + ((long)n * channels + c) * bins;
                    Sample* p = s;
                    for (int bin = 0; bin < bins; bin++)
                    {
                        float acc = 0f;
                        for (int i = 0; i < perBin; i++, p++)
                            acc += p->W1 * input[p->Pos1] + p->W2 * input[p->Pos2] + p->W3 * input[p->Pos3] + p->W4 * input[p->Pos4];
                        outC[bin] = acc / count;
                    }
                }
            }
            return buffer;
        }, _ => { });
    }

    /// <summary>
    /// Accumulates d(output)/d(features) into <paramref name="gradLevels"/> (zero-initialised, same
    /// shapes as the features). RoIs overlap, so work is split over channels, which never collide.
    /// </summary>
    public static void Backward(FeatureLevel[] gradLevels, float[] rois, int[]? roiLevels, int channels,
        int pooledH, int pooledW, int samplingRatio, bool aligned, nint gradOutput)
    {
        int numRois = rois.Length / 5;
        int bins = pooledH * pooledW;
        int chunks = Math.Min(channels, Environment.ProcessorCount * 4);
        Parallel.For(0, chunks, () => Array.Empty<Sample>(), (chunk, _, buffer) =>
        {
            int c0 = (int)((long)channels * chunk / chunks), c1 = (int)((long)channels * (chunk + 1) / chunks);
            for (int n = 0; n < numRois; n++)
            {
                var level = gradLevels[roiLevels?[n] ?? 0];
                var g = Locate(rois, n, level.SpatialScale, pooledH, pooledW, samplingRatio, aligned);
                int perBin = g.SamplesPerBin;
                if (perBin == 0) continue;
                var samples = Buffer(ref buffer, bins * perBin);
                FillSamples(g, level.Height, level.Width, pooledH, pooledW, samples);
                long plane = (long)level.Height * level.Width;
                float count = perBin;
                fixed (Sample* s = samples)
                {
                    for (int c = c0; c < c1; c++)
                    {
                        float* gradIn = (float*)level.Data + ((long)g.Batch * channels + c) * plane;
                        float* gradOut = (float*)gradOutput + ((long)n * channels + c) * bins;
                        Sample* p = s;
                        for (int bin = 0; bin < bins; bin++)
                        {
                            float go = gradOut[bin];
                            for (int i = 0; i < perBin; i++, p++)
                            {
                                gradIn[p->Pos1] += go * p->W1 / count;
                                gradIn[p->Pos2] += go * p->W2 / count;
                                gradIn[p->Pos3] += go * p->W3 / count;
                                gradIn[p->Pos4] += go * p->W4 / count;
                            }
                        }
                    }
                }
            }
            return buffer;
        }, _ => { });
    }
}
