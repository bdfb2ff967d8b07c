using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// Non-maximum suppression equal to torchvision 0.14's <c>nms</c> and <c>batched_nms</c>: the same kept indices in
/// the same order, ties in score included. On the CPU with float32 data a hand-written kernel
/// (<see cref="NmsCpuKernel"/>) does the work; other devices and dtypes use tensor operations that compute the
/// same IoU matrix on the device and sweep it on the host.
/// </summary>
/// <remarks>C# forbids a member named like its class, hence <c>NonMaxSuppression.Nms</c> rather than <c>Nms.Nms</c>.</remarks>
public static class NonMaxSuppression
{
    /// <summary>
    /// Greedily keeps the highest-scoring box and drops every later box whose IoU with it is above
    /// <paramref name="iouThreshold"/>. Returns int64 indices into <paramref name="boxes"/> [N,4] by decreasing
    /// score; equal scores are visited by increasing index (torch's stable sort, as torchvision's CPU kernel).
    /// </summary>
    public static Tensor Nms(Tensor boxes, Tensor scores, double iouThreshold) => Nms(boxes, scores, iouThreshold, OpPath.Auto);

    /// <summary>
    /// NMS within each category of <paramref name="idxs"/> [N] (boxes of different categories never suppress
    /// each other), result ordered by decreasing score. Like torchvision, inputs with more than 4,000 coordinates
    /// on the CPU (20,000 elsewhere) follow its per-category algorithm and smaller ones its coordinate-offset trick
    /// (IoU of boxes shifted by idx * (max coordinate + 1)); both are reproduced, including their tie orders.
    /// </summary>
    public static Tensor BatchedNms(Tensor boxes, Tensor scores, Tensor idxs, double iouThreshold) =>
        BatchedNms(boxes, scores, idxs, iouThreshold, OpPath.Auto);

    internal static Tensor Nms(Tensor boxes, Tensor scores, double iouThreshold, OpPath path)
    {
        Validate(boxes, scores, null);
        if (boxes.shape[0] == 0) return empty(0, ScalarType.Int64, device: boxes.device);
        return tensor(Keep(boxes, scores, iouThreshold, null, path), device: boxes.device);
    }

    internal static Tensor BatchedNms(Tensor boxes, Tensor scores, Tensor idxs, double iouThreshold, OpPath path)
    {
        Validate(boxes, scores, idxs);
        if (boxes.numel() == 0) return empty(0, ScalarType.Int64, device: boxes.device);
        bool perCategory = boxes.numel() > (boxes.device_type == DeviceType.CPU ? 4000 : 20000);
        if (!perCategory)
        {
            using var scope = NewDisposeScope();
            var maxCoordinate = boxes.max();
            var offsets = idxs.to(boxes.dtype) * (maxCoordinate + 1);
            var shifted = boxes + offsets[.., TensorIndex.None];
            return Nms(shifted, scores, iouThreshold, path).MoveToOuterDisposeScope();
        }

        long[] categories = idxs.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        long[] kept = Keep(boxes, scores, iouThreshold, DenseIds(categories), path);
        // torchvision collects the kept indices in increasing order, then sorts their scores descending with the
        // unstable sort, whose tie order we reproduce.
        Array.Sort(kept);
        using var cpuScores = scores.cpu().to_type(ScalarType.Float64);
        var allScores = cpuScores.data<double>();
        var keptScores = new double[kept.Length];
        for (int k = 0; k < kept.Length; k++) keptScores[k] = allScores[kept[k]];
        int[] order = TorchUnstableSort.DescendingOrder(keptScores);
        var result = new long[kept.Length];
        for (int k = 0; k < kept.Length; k++) result[k] = kept[order[k]];
        return tensor(result, device: boxes.device);
    }

    static long[] Keep(Tensor boxes, Tensor scores, double iouThreshold, int[]? categories, OpPath path)
    {
        if (!path.UsesCpuKernel(boxes, ScalarType.Float32)) return NmsTensorPath.Keep(boxes, scores, iouThreshold, categories);
        using var b = boxes.detach().contiguous();
        using var s = scores.detach().contiguous();
        unsafe
        {
            // Tensor.bytes spans the tensor's own (contiguous, CPU) storage: no copy.
            fixed (byte* pb = b.bytes, ps = s.bytes)
                return NmsCpuKernel.Run((float*)pb, (float*)ps, (int)b.shape[0], iouThreshold, categories);
        }
    }

    /// <summary>Maps arbitrary int64 category ids onto 0..K-1 so the kernel can compare them in 32-bit lanes.</summary>
    static int[] DenseIds(long[] categories)
    {
        var ids = new Dictionary<long, int>();
        var dense = new int[categories.Length];
        for (int k = 0; k < categories.Length; k++)
        {
            if (!ids.TryGetValue(categories[k], out int id)) ids[categories[k]] = id = ids.Count;
            dense[k] = id;
        }
        return dense;
    }

    static void Validate(Tensor boxes, Tensor scores, Tensor? idxs)
    {
        Boxes.RequireBoxes(boxes, nameof(boxes));
        if (scores.dim() != 1 || scores.shape[0] != boxes.shape[0])
            throw new ArgumentException($"scores must be [N] with N = {boxes.shape[0]} boxes; got [{string.Join(",", scores.shape)}]", nameof(scores));
        if (scores.dtype != boxes.dtype)
            throw new ArgumentException($"boxes ({boxes.dtype}) and scores ({scores.dtype}) must have the same dtype, as torchvision requires", nameof(scores));
        if (idxs is not null && (idxs.dim() != 1 || idxs.shape[0] != boxes.shape[0]))
            throw new ArgumentException($"idxs must be [N] with N = {boxes.shape[0]} boxes; got [{string.Join(",", idxs.shape)}]", nameof(idxs));
        if (boxes.shape[0] > int.MaxValue / 4)
            throw new ArgumentException($"NMS supports at most {int.MaxValue / 4} boxes; got {boxes.shape[0]}", nameof(boxes));
    }
}
