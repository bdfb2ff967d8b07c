using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>Argument checks shared by the RoI ops, so bad input fails with the op and item named.</summary>
internal static class RoiInputs
{
    public static void CheckFeatures(Tensor input, string op, string name = "input")
    {
        if (input.dim() != 4)
            throw new ArgumentException($"{op}: {name} must be [N,C,H,W], got [{string.Join(",", input.shape)}].", name);
        if (input.dtype != ScalarType.Float32)
            throw new ArgumentException($"{op}: {name} must be float32, got {input.dtype}.", name);
    }

    public static void CheckOutputSize((int Height, int Width) outputSize, string op)
    {
        if (outputSize.Height <= 0 || outputSize.Width <= 0)
            throw new ArgumentOutOfRangeException(nameof(outputSize), $"{op}: output size must be positive, got {outputSize}.");
    }

    /// <summary>Checks <paramref name="rois"/> is [K,5] and every batch index names an image of the batch.</summary>
    public static void CheckRois(Tensor rois, long batchSize, string op)
    {
        if (rois.dim() != 2 || rois.shape[1] != 5)
            throw new ArgumentException($"{op}: rois must be [K,5] (batch_idx,x1,y1,x2,y2), got [{string.Join(",", rois.shape)}].", nameof(rois));
        if (!rois.is_floating_point())
            throw new ArgumentException($"{op}: rois must be floating point, got {rois.dtype}.", nameof(rois));
        if (rois.shape[0] == 0)
            return;
        using var scope = NewDisposeScope();
        var batch = rois[.., 0];
        var bad = (batch < 0).logical_or(batch >= batchSize).logical_or(batch != batch.floor()).nonzero();
        if (bad.shape[0] > 0)
        {
            long i = bad[0, 0].item<long>();
            throw new ArgumentException(
                $"{op}: roi {i} has batch index {batch[i].item<float>()}, but the input holds {batchSize} image(s).", nameof(rois));
        }
    }

    /// <summary>The RoIs as a flat float32 array [K*5] for the CPU kernels.</summary>
    public static float[] ToArray(Tensor rois)
    {
        if (rois.numel() == 0) return [];
        using var cpu = rois.to(ScalarType.Float32).cpu().contiguous();
        return cpu.data<float>().ToArray();
    }
}
