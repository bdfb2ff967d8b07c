using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MaskRcnn.Ops;

/// <summary>
/// Greedy NMS over contiguous float32 data on the CPU — the arithmetic of torchvision 0.14's <c>nms_kernel.cpp</c>
/// (areas (x2-x1)*(y2-y1); IoU = inter / (area_i + area_j - inter); suppress when IoU &gt; threshold; boxes visited
/// in a stable descending sort of the scores), vectorised over the candidates j with 256-bit lanes. Every lane
/// does the same IEEE single-precision operations in the same order as the scalar C++ loop, so the kept set is
/// bit-for-bit the same.
/// </summary>
static unsafe class NmsCpuKernel
{
    /// <summary>
    /// Kept box indices (into the input) in visiting order. <paramref name="classes"/> (dense class ids, or null)
    /// restricts suppression to boxes of the same class — one pass equal to NMS run per class.
    /// </summary>
    public static long[] Run(float* boxes, float* scores, int n, double iouThreshold, int[]? classes)
    {
        if (n == 0) return [];
        int[] order = StableDescendingOrder(scores, n);
        int padded = (n + Vector256<float>.Count - 1) / Vector256<float>.Count * Vector256<float>.Count + Vector256<float>.Count;
        // Structure-of-arrays in visiting order; the zero padding gives IoU 0 (or NaN), never a suppression.
        var x1 = new float[padded]; var y1 = new float[padded]; var x2 = new float[padded]; var y2 = new float[padded];
        var area = new float[padded];
        var cls = classes is null ? null : new int[padded];
        for (int k = 0; k < n; k++)
        {
            float* b = boxes + 4L * order[k];
            x1[k] = b[0]; y1[k] = b[1]; x2[k] = b[2]; y2[k] = b[3];
            area[k] = (b[2] - b[0]) * (b[3] - b[1]);
            if (cls is not null) cls[k] = classes![order[k]];
        }
        float threshold = LargestFloatNotAbove(iouThreshold);
        var removed = new int[padded];
        var keep = new List<long>();
        fixed (float* px1 = x1, py1 = y1, px2 = x2, py2 = y2, parea = area)
        fixed (int* prem = removed, pcls = cls)
        {
            for (int i = 0; i < n; i++)
            {
                if (prem[i] != 0) continue;
                keep.Add(order[i]);
                var ix1 = Vector256.Create(px1[i]); var iy1 = Vector256.Create(py1[i]);
                var ix2 = Vector256.Create(px2[i]); var iy2 = Vector256.Create(py2[i]);
                var iarea = Vector256.Create(parea[i]);
                var thr = Vector256.Create(threshold);
                var icls = Vector256.Create(pcls is null ? 0 : pcls[i]);
                for (int j = i + 1; j < n; j += Vector256<float>.Count)
                {
                    var w = Vector256.MaxNative(Vector256.MinNative(ix2, Vector256.Load(px2 + j)) - Vector256.MaxNative(ix1, Vector256.Load(px1 + j)), Vector256<float>.Zero);
                    var h = Vector256.MaxNative(Vector256.MinNative(iy2, Vector256.Load(py2 + j)) - Vector256.MaxNative(iy1, Vector256.Load(py1 + j)), Vector256<float>.Zero);
                    var inter = w * h;
                    var iou = inter / (iarea + Vector256.Load(parea + j) - inter);
                    var suppress = Vector256.GreaterThan(iou, thr).AsInt32();
                    if (pcls is not null) suppress &= Vector256.Equals(icls, Vector256.Load(pcls + j));
                    (Vector256.Load(prem + j) | suppress).Store(prem + j);
                }
            }
        }
        return keep.ToArray();
    }

    /// <summary>
    /// Indices by decreasing score, ties by increasing index: torch's <c>sort(stable=True, descending=True)</c>
    /// that torchvision's kernel uses. Keys pack an order-preserving image of the float with the index so a
    /// primitive sort does the work; -0 is folded onto +0 because the comparison treats them as equal.
    /// </summary>
    internal static int[] StableDescendingOrder(float* scores, int n)
    {
        var keys = new ulong[n];
        for (int k = 0; k < n; k++)
        {
            float s = scores[k] == 0f ? 0f : scores[k];
            uint bits = BitConverter.SingleToUInt32Bits(s);
            uint ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
            keys[k] = ((ulong)~ascending << 32) | (uint)k;
        }
        Array.Sort(keys);
        var order = new int[n];
        for (int k = 0; k < n; k++) order[k] = (int)(uint)keys[k];
        return order;
    }

    /// <summary>
    /// The C++ kernel compares a float IoU with the double threshold; for a float x, x &gt; t holds exactly when
    /// x &gt; (the largest float not above t), which lets the comparison stay in single precision.
    /// </summary>
    internal static float LargestFloatNotAbove(double t)
    {
        float f = (float)t;
        return f > t ? MathF.BitDecrement(f) : f;
    }
}
