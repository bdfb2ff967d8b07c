using MaskRcnn.Ops;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.RoiHeads;

/// <summary>torchvision's <c>maskrcnn_loss</c>.</summary>
public static class MaskRcnnLoss
{
    /// <summary>
    /// Per-pixel BCE-with-logits between the ground-truth class's M×M mask logits and the matched ground-truth
    /// mask cropped to the proposal (<see cref="ProjectMasksOnBoxes"/>), averaged over all pixels of all RoIs.
    /// </summary>
    public static Tensor Compute(
        Tensor maskLogits, IReadOnlyList<Tensor> positiveProposals, IReadOnlyList<Tensor> gtMasks,
        IReadOnlyList<Tensor> gtLabels, IReadOnlyList<Tensor> matchedIdxs)
    {
        using var scope = NewDisposeScope();
        long m = maskLogits.shape[^1];
        var labels = cat(gtLabels.Select((l, i) => l[matchedIdxs[i]]).ToList(), 0);
        var targets = cat(gtMasks.Select((g, i) => ProjectMasksOnBoxes(g, positiveProposals[i], matchedIdxs[i], m)).ToList(), 0);
        if (targets.numel() == 0) return (maskLogits.sum() * 0).MoveToOuterDisposeScope();
        var selected = maskLogits[arange(labels.shape[0], ScalarType.Int64, labels.device), labels];
        return nn.functional.binary_cross_entropy_with_logits(selected, targets).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// torchvision's <c>project_masks_on_boxes</c>: RoIAlign of the float gt mask over each proposal at M×M
    /// with spatial scale 1, adaptive sampling and aligned=False — soft targets in [0,1], not thresholded. uint8 masks
    /// on the CPU are read in place (<see cref="RoiAlignKernel.ForwardOnMasks"/>), bit-equal to torchvision's float
    /// conversion of every gt mask, which for a thousand instances of a 1000×1000 image is 4 GB (and its channels-last copy as much again).
    /// </summary>
    public static Tensor ProjectMasksOnBoxes(Tensor gtMasks, Tensor boxes, Tensor matchedIdxs, long m)
    {
        if (gtMasks.device_type != DeviceType.CPU || gtMasks.dtype != ScalarType.Byte || boxes.device_type != DeviceType.CPU)
            return ProjectFullFrameMasks(gtMasks, boxes, matchedIdxs, m);
        using var scope = NewDisposeScope();
        var rois = cat([matchedIdxs.to_type(ScalarType.Float32).unsqueeze(1), boxes.to_type(ScalarType.Float32)], 1);
        RoiInputs.CheckRois(rois, gtMasks.shape[0], nameof(ProjectMasksOnBoxes));
        var plan = RoiInputs.ToArray(rois);
        var output = zeros([rois.shape[0], m, m], ScalarType.Float32);
        if (plan.Length > 0)
        {
            using var masks = gtMasks.contiguous();
            RoiAlignKernel.ForwardOnMasks(TensorAddress.Of(masks), (int)masks.shape[1], (int)masks.shape[2], plan, (int)m, (int)m, -1, false,
                TensorAddress.Of(output));
        }
        return output.to_type(boxes.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>torchvision's own form: every gt mask converted to float, then <see cref="RoiAlign"/> (other devices and dtypes).</summary>
    internal static Tensor ProjectFullFrameMasks(Tensor gtMasks, Tensor boxes, Tensor matchedIdxs, long m)
    {
        using var scope = NewDisposeScope();
        var rois = cat([matchedIdxs.to_type(boxes.dtype).unsqueeze(1), boxes], 1);
        var masks = gtMasks.unsqueeze(1).to_type(rois.dtype);
        var aligned = RoiAlign.Apply(masks, rois, ((int)m, (int)m), 1.0, -1, false);
        return aligned[.., 0].MoveToOuterDisposeScope();
    }
}
