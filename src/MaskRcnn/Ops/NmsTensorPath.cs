using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// Device-independent NMS: the IoU-above-threshold matrix is computed with tensor operations on the boxes'
/// device (the element-wise arithmetic of torchvision's kernel, in the boxes' dtype) a block of rows at a time,
/// and the greedy sweep over it runs on the host.
/// </summary>
static class NmsTensorPath
{
    const int RowsPerBlock = 1024;

    public static long[] Keep(Tensor boxes, Tensor scores, double iouThreshold, int[]? categories)
    {
        int n = (int)boxes.shape[0];
        using var scope = NewDisposeScope();
        var order = scores.sort(0, descending: true, stable: true).Indices;
        long[] orderHost = order.cpu().data<long>().ToArray();
        var b = boxes.index_select(0, order);
        var (x1, y1, x2, y2) = (b[.., 0], b[.., 1], b[.., 2], b[.., 3]);
        var area = (x2 - x1) * (y2 - y1);
        var cls = categories is null ? null : tensor(categories, device: boxes.device).index_select(0, order);
        // Single precision compares with the float just below the double threshold (see the kernel).
        double threshold = boxes.dtype == ScalarType.Float64 ? iouThreshold : NmsCpuKernel.LargestFloatNotAbove(iouThreshold);

        var removed = new bool[n];
        var keep = new List<long>();
        for (int start = 0; start < n; start += RowsPerBlock)
        {
            using var blockScope = NewDisposeScope();
            int stop = Math.Min(n, start + RowsPerBlock);
            var rows = TensorIndex.Slice(start, stop);
            var w = (minimum(x2[rows, TensorIndex.None], x2) - maximum(x1[rows, TensorIndex.None], x1)).clamp_min(0);
            var h = (minimum(y2[rows, TensorIndex.None], y2) - maximum(y1[rows, TensorIndex.None], y1)).clamp_min(0);
            var inter = w * h;
            var iou = inter / (area[rows, TensorIndex.None] + area - inter);
            var suppress = iou.gt(threshold);
            if (cls is not null) suppress = suppress.logical_and_(cls[rows, TensorIndex.None].eq(cls));
            var hostMask = suppress.cpu().to_type(ScalarType.Byte).contiguous();
            ReadOnlySpan<byte> mask = hostMask.bytes;
            for (int i = start; i < stop; i++)
            {
                if (removed[i]) continue;
                keep.Add(orderHost[i]);
                var row = mask.Slice((i - start) * n, n);
                for (int j = i + 1; j < n; j++) removed[j] |= row[j] != 0;
            }
        }
        return keep.ToArray();
    }
}
