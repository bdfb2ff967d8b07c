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
    /// Kept box indices (into the input) in visiting order. <paramref name="classes"/> (dense class ids 0..K-1, or
    /// null) restricts suppression to boxes of the same class — equal to NMS run per class.
    /// </summary>
    public static long[] Run(float* boxes, float* scores, int n, double iouThreshold, int[]? classes)
    {
        if (n == 0) return [];
        int[] order = StableDescendingOrder(scores, n);
        // Visit each class on its own, in a contiguous segment: a kept box then only scans its own class rather than
        // every candidate (torchvision's box postprocessing gives ~90 classes x 1000 proposals). Within a segment the
        // visiting order is the global one, so the kept set is the same as one pass with a class test.
        int[] visit = classes is null ? IdentityOrder(n) : GroupByClass(order, classes);
        int padded = (n + Vector256<float>.Count - 1) / Vector256<float>.Count * Vector256<float>.Count + Vector256<float>.Count;
        // Structure-of-arrays in segment order; the zero padding gives IoU 0 (or NaN), never a suppression.
        var x1 = new float[padded]; var y1 = new float[padded]; var x2 = new float[padded]; var y2 = new float[padded];
        var area = new float[padded];
        var cls = classes is null ? null : new int[padded];
        for (int k = 0; k < n; k++)
        {
            int box = order[visit[k]];
            float* b = boxes + 4L * box;
            x1[k] = b[0]; y1[k] = b[1]; x2[k] = b[2]; y2[k] = b[3];
            area[k] = (b[2] - b[0]) * (b[3] - b[1]);
            if (cls is not null) cls[k] = classes![box];
        }
        float threshold = LargestFloatNotAbove(iouThreshold);
        var removed = new int[padded];
        var keptVisits = new List<int>();
        fixed (float* px1 = x1, py1 = y1, px2 = x2, py2 = y2, parea = area)
        fixed (int* prem = removed, pcls = cls)
        {
            int end = 0;
            for (int i = 0; i < n; i++)
            {
                if (i == end) end = pcls is null ? n : SegmentEnd(pcls, i, n);
                if (prem[i] != 0) continue;
                keptVisits.Add(visit[i]);
                var ix1 = Vector256.Create(px1[i]); var iy1 = Vector256.Create(py1[i]);
                var ix2 = Vector256.Create(px2[i]); var iy2 = Vector256.Create(py2[i]);
                var iarea = Vector256.Create(parea[i]);
                var thr = Vector256.Create(threshold);
                var icls = Vector256.Create(pcls is null ? 0 : pcls[i]);
                for (int j = i + 1; j < end; j += Vector256<float>.Count)
                {
                    var w = Vector256.MaxNative(Vector256.MinNative(ix2, Vector256.Load(px2 + j)) - Vector256.MaxNative(ix1, Vector256.Load(px1 + j)), Vector256<float>.Zero);
                    var h = Vector256.MaxNative(Vector256.MinNative(iy2, Vector256.Load(py2 + j)) - Vector256.MaxNative(iy1, Vector256.Load(py1 + j)), Vector256<float>.Zero);
                    var inter = w * h;
                    var iou = inter / (iarea + Vector256.Load(parea + j) - inter);
                    var suppress = Vector256.GreaterThan(iou, thr).AsInt32();
                    // The last vector of a segment reaches into the next class: the class test keeps it untouched.
                    if (pcls is not null) suppress &= Vector256.Equals(icls, Vector256.Load(pcls + j));
                    (Vector256.Load(prem + j) | suppress).Store(prem + j);
                }
            }
        }
        var kept = keptVisits.ToArray();
        Array.Sort(kept);
        var result = new long[kept.Length];
        for (int k = 0; k < kept.Length; k++) result[k] = order[kept[k]];
        return result;
    }

    static int[] IdentityOrder(int n)
    {
        var identity = new int[n];
        for (int k = 0; k < n; k++) identity[k] = k;
        return identity;
    }

    /// <summary>Visiting positions grouped by class (a stable counting sort), each class in visiting order.</summary>
    static int[] GroupByClass(int[] order, int[] classes)
    {
        int classCount = 0;
        foreach (int c in classes) classCount = Math.Max(classCount, c + 1);
        var start = new int[classCount + 1];
        foreach (int c in classes) start[c + 1]++;
        for (int c = 0; c < classCount; c++) start[c + 1] += start[c];
        var grouped = new int[order.Length];
        for (int v = 0; v < order.Length; v++) grouped[start[classes[order[v]]]++] = v;
        return grouped;
    }

    static int SegmentEnd(int* classes, int i, int n)
    {
        int end = i + 1;
        while (end < n && classes[end] == classes[i]) end++;
        return end;
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
