using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// RoIAlign (He et al., Mask R-CNN, 2017) as torchvision 0.14's <c>torchvision.ops.roi_align</c>:
/// each output bin averages bilinearly interpolated samples on a regular grid inside the bin, with no
/// quantisation of the box. Differentiable with respect to <c>input</c>.
/// </summary>
public static class RoiAlign
{
    /// <param name="input">Features, float32 [N,C,H,W].</param>
    /// <param name="rois">[K,5] rows (batch_idx, x1, y1, x2, y2) in image coordinates.</param>
    /// <param name="outputSize">Pooled size (height, width).</param>
    /// <param name="spatialScale">Feature size / image size, e.g. 1/4 for stride 4.</param>
    /// <param name="samplingRatio">Sampling points per bin side; &lt;= 0 means adaptive ceil(roi_size / pooled_size).</param>
    /// <param name="aligned">True shifts the box by -0.5 pixel (pixel model of Detectron2); false is the legacy behaviour.</param>
    /// <returns>float32 [K,C,outputHeight,outputWidth].</returns>
    public static Tensor Apply(Tensor input, Tensor rois, (int Height, int Width) outputSize, double spatialScale,
        int samplingRatio, bool aligned) =>
        Apply(input, rois, outputSize, spatialScale, samplingRatio, aligned, OpPath.Auto);

    internal static Tensor Apply(Tensor input, Tensor rois, (int Height, int Width) outputSize, double spatialScale,
        int samplingRatio, bool aligned, OpPath path)
    {
        RoiInputs.CheckFeatures(input, nameof(RoiAlign));
        RoiInputs.CheckOutputSize(outputSize, nameof(RoiAlign));
        RoiInputs.CheckRois(rois, input.shape[0], nameof(RoiAlign));
        if (!path.UsesCpuKernel(input))
            return RoiAlignTensorOps.Forward(input, rois, outputSize, spatialScale, samplingRatio, aligned);
        var plan = new RoiAlignPlan(RoiInputs.ToArray(rois), null, [(float)spatialScale],
            outputSize.Height, outputSize.Width, samplingRatio, aligned);
        return RoiAlignFunction.Apply(plan, [input]);
    }
}
