using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// RoIPool (Girshick, Fast R-CNN, 2015) as torchvision 0.14's <c>torchvision.ops.roi_pool</c>: box
/// corners rounded to the feature grid, each bin max-pooled. Differentiable with respect to
/// <c>input</c> (the gradient goes to each bin's maximum).
/// </summary>
public static class RoiPool
{
    /// <param name="input">Features, float32 [N,C,H,W].</param>
    /// <param name="rois">[K,5] rows (batch_idx, x1, y1, x2, y2) in image coordinates.</param>
    /// <param name="outputSize">Pooled size (height, width).</param>
    /// <param name="spatialScale">Feature size / image size.</param>
    /// <returns>float32 [K,C,outputHeight,outputWidth].</returns>
    public static Tensor Apply(Tensor input, Tensor rois, (int Height, int Width) outputSize, double spatialScale) =>
        Apply(input, rois, outputSize, spatialScale, OpPath.Auto);

    internal static Tensor Apply(Tensor input, Tensor rois, (int Height, int Width) outputSize, double spatialScale, OpPath path)
    {
        RoiInputs.CheckFeatures(input, nameof(RoiPool));
        RoiInputs.CheckOutputSize(outputSize, nameof(RoiPool));
        RoiInputs.CheckRois(rois, input.shape[0], nameof(RoiPool));
        if (!path.UsesCpuKernel(input))
            return RoiPoolTensorOps.Forward(input, rois, outputSize, spatialScale);
        var plan = new RoiPoolFunction.Plan(RoiInputs.ToArray(rois), (float)spatialScale, outputSize.Height, outputSize.Width);
        return RoiPoolFunction.apply(plan, input);
    }
}
