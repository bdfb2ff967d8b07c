using System.Numerics;
using System.Runtime.CompilerServices;

namespace MaskRcnn.Ops;

/// <summary>One contiguous channels-last float32 [N,H,W,C] feature map (or its gradient) a RoI pools from.</summary>
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

    /// <summary>
    /// output: contiguous [K,C,pooledH,pooledW], zero-initialised; the levels hold channels-last
    /// [N,H,W,C] features so the four neighbours of a sample are four contiguous channel vectors.
    /// Parallel over RoIs; each channel accumulates in torchvision's order, so results are bit-equal.
    /// </summary>
    public static void Forward(FeatureLevel[] levels, float[] rois, int[]? roiLevels, int channels,
        int pooledH, int pooledW, int samplingRatio, bool aligned, nint output)
    {
        int numRois = rois.Length / 5;
        int bins = pooledH * pooledW;
        Parallel.For(0, numRois, () => (Samples: Array.Empty<Sample>(), Sum: new float[channels]), (n, _, local) =>
        {
            var level = levels[roiLevels?[n] ?? 0];
            var g = Locate(rois, n, level.SpatialScale, pooledH, pooledW, samplingRatio, aligned);
            int perBin = g.SamplesPerBin;
            var samples = Buffer(ref local.Samples, bins * perBin);
            FillSamples(g, level.Height, level.Width, pooledH, pooledW, samples);
            float* image = (float*)level.Data + (long)g.Batch * level.Height * level.Width * channels;
            float* outRoi = (float*)output + (long)n * channels * bins;
            float count = g.Count;
            fixed (Sample* s = samples)
            fixed (float* sum = local.Sum)
            {
                Sample* p = s;
                for (int bin = 0; bin < bins; bin++)
                {
                    new Span<float>(sum, channels).Clear();
                    for (int i = 0; i < perBin; i++, p++)
                        AccumulateSample(sum, image, p, channels);
                    for (int c = 0; c < channels; c++)
                        outRoi[(long)c * bins + bin] = sum[c] / count;
                }
            }
            return local;
        }, _ => { });
    }

    /// <summary>
    /// RoIAlign of one-channel uint8 masks read where they lie (<paramref name="masks"/>: contiguous [N,H,W]; a RoI's
    /// batch index picks its mask): the sampling points, weights and summation order of <see cref="Forward"/> with one
    /// channel, each byte taken as the float it equals, so the result is bit-equal to RoIAlign of the masks converted to
    /// float32 — without that image-sized float copy per instance (Mask R-CNN's mask targets). output: [K,pooledH,pooledW].
    /// </summary>
    public static void ForwardOnMasks(nint masks, int height, int width, float[] rois, int pooledH, int pooledW,
        int samplingRatio, bool aligned, nint output)
    {
        int numRois = rois.Length / 5;
        int bins = pooledH * pooledW;
        Parallel.For(0, numRois, () => Array.Empty<Sample>(), (n, _, buffer) =>
        {
            var g = Locate(rois, n, 1f, pooledH, pooledW, samplingRatio, aligned);
            int perBin = g.SamplesPerBin;
            var samples = Buffer(ref buffer, bins * perBin);
            FillSamples(g, height, width, pooledH, pooledW, samples);
            byte* mask = (byte*)masks + (long)g.Batch * height * width;
            float* outRoi = (float*)output + (long)n * bins;
            float count = g.Count;
            int k = 0;
            for (int bin = 0; bin < bins; bin++)
            {
                float sum = 0;
                for (int i = 0; i < perBin; i++, k++)
                {
                    var p = samples[k];
                    sum += p.W1 * mask[p.Pos1] + p.W2 * mask[p.Pos2] + p.W3 * mask[p.Pos3] + p.W4 * mask[p.Pos4];
                }
                outRoi[bin] = sum / count;
            }
            return buffer;
        }, _ => { });
    }

    /// <summary>sum[c] += w1*v1[c] + w2*v2[c] + w3*v3[c] + w4*v4[c], vectorised over channels (no FMA, as the scalar form).</summary>
    static void AccumulateSample(float* sum, float* image, Sample* p, int channels)
    {
        float* v1 = image + (long)p->Pos1 * channels, v2 = image + (long)p->Pos2 * channels;
        float* v3 = image + (long)p->Pos3 * channels, v4 = image + (long)p->Pos4 * channels;
        int c = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var w1 = new Vector<float>(p->W1);
            var w2 = new Vector<float>(p->W2);
            var w3 = new Vector<float>(p->W3);
            var w4 = new Vector<float>(p->W4);
            for (; c <= channels - Vector<float>.Count; c += Vector<float>.Count)
            {
                var term = w1 * Load(v1 + c) + w2 * Load(v2 + c) + w3 * Load(v3 + c) + w4 * Load(v4 + c);
                Store(sum + c, Load(sum + c) + term);
            }
        }
        for (; c < channels; c++)
            sum[c] += p->W1 * v1[c] + p->W2 * v2[c] + p->W3 * v3[c] + p->W4 * v4[c];
    }

    /// <summary>
    /// Accumulates d(output)/d(features) into <paramref name="gradLevels"/> (zeroed, channels-last
    /// [N,H,W,C]) from gradOutput laid out [K,pooledH,pooledW,C]. RoIs overlap, so work is split over
    /// channel slices, which never collide; per element the additions come in torchvision's order.
    /// </summary>
    public static void Backward(FeatureLevel[] gradLevels, float[] rois, int[]? roiLevels, int channels,
        int pooledH, int pooledW, int samplingRatio, bool aligned, nint gradOutput)
    {
        int numRois = rois.Length / 5;
        int bins = pooledH * pooledW;
        // Slices of whole vectors (and cache lines) so threads never share a line of the gradient.
        int width = Vector<float>.Count;
        int vectors = (channels + width - 1) / width;
        int slices = Math.Min(vectors, Environment.ProcessorCount * 4);
        Parallel.For(0, slices, () => Array.Empty<Sample>(), (slice, _, buffer) =>
        {
            int c0 = Math.Min(channels, vectors * slice / slices * width);
            int c1 = Math.Min(channels, vectors * (slice + 1) / slices * width);
            for (int n = 0; n < numRois; n++)
            {
                var level = gradLevels[roiLevels?[n] ?? 0];
                var g = Locate(rois, n, level.SpatialScale, pooledH, pooledW, samplingRatio, aligned);
                int perBin = g.SamplesPerBin;
                if (perBin == 0) continue;
                var samples = Buffer(ref buffer, bins * perBin);
                FillSamples(g, level.Height, level.Width, pooledH, pooledW, samples);
                float* image = (float*)level.Data + (long)g.Batch * level.Height * level.Width * channels;
                float count = perBin;
                bool countIsPow2 = BitOperations.IsPow2(perBin);
                fixed (Sample* s = samples)
                {
                    Sample* p = s;
                    for (int bin = 0; bin < bins; bin++)
                    {
                        float* go = (float*)gradOutput + ((long)n * bins + bin) * channels;
                        for (int i = 0; i < perBin; i++, p++)
                        {
                            Scatter(image + (long)p->Pos1 * channels, go, p->W1, count, c0, c1, countIsPow2);
                            Scatter(image + (long)p->Pos2 * channels, go, p->W2, count, c0, c1, countIsPow2);
                            Scatter(image + (long)p->Pos3 * channels, go, p->W3, count, c0, c1, countIsPow2);
                            Scatter(image + (long)p->Pos4 * channels, go, p->W4, count, c0, c1, countIsPow2);
                        }
                    }
                }
            }
            return buffer;
        }, _ => { });
    }

    /// <summary>
    /// grad[c] += go[c] * w / count for c in [c0, c1), torchvision's g = grad * w / count. For a
    /// power-of-two count (sampling 2 gives 4) w / count is exact and (go * w) / count == go * (w / count),
    /// so the division folds into the weight.
    /// </summary>
    static void Scatter(float* grad, float* go, float w, float count, int c0, int c1, bool countIsPow2)
    {
        int c = c0;
        if (countIsPow2)
        {
            float scaled = w / count;
            if (Vector.IsHardwareAccelerated)
            {
                var wv = new Vector<float>(scaled);
                for (; c <= c1 - Vector<float>.Count; c += Vector<float>.Count)
                    Store(grad + c, Load(grad + c) + Load(go + c) * wv);
            }
            for (; c < c1; c++)
                grad[c] += go[c] * scaled;
            return;
        }
        if (Vector.IsHardwareAccelerated)
        {
            var wv = new Vector<float>(w);
            var cv = new Vector<float>(count);
            for (; c <= c1 - Vector<float>.Count; c += Vector<float>.Count)
                Store(grad + c, Load(grad + c) + Load(go + c) * wv / cv);
        }
        for (; c < c1; c++)
            grad[c] += go[c] * w / count;
    }

    static Vector<float> Load(float* p) => Unsafe.ReadUnaligned<Vector<float>>(p);

    static void Store(float* p, Vector<float> v) => Unsafe.WriteUnaligned(p, v);
}
