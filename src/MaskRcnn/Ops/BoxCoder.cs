using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// Encodes boxes as regression targets (dx, dy, dw, dh) relative to reference boxes and decodes them back —
/// torchvision 0.14's <c>BoxCoder</c> (<c>encode_single</c>/<c>decode_single</c>). Widths are x2 - x1 with no
/// "+1" (the TO_REMOVE of older Detectron code is 0 here) and decoded corners are centre ± 0.5 * size.
/// </summary>
public sealed class BoxCoder
{
    public double Wx { get; }
    public double Wy { get; }
    public double Ww { get; }
    public double Wh { get; }

    /// <summary>Upper clamp of dw and dh before exp() in <see cref="Decode"/>, log(1000/16) by default.</summary>
    public double BboxXformClip { get; }

    public BoxCoder(double wx, double wy, double ww, double wh, double bboxXformClip = 4.135166556742356 /* Math.Log(1000.0 / 16) */)
    {
        Wx = wx; Wy = wy; Ww = ww; Wh = wh;
        BboxXformClip = bboxXformClip;
    }

    /// <summary>
    /// Regression targets [N,4] that move each of <paramref name="proposals"/> [N,4] onto the matching
    /// <paramref name="referenceBoxes"/> [N,4] (the matched ground truth); computed in the reference boxes' dtype.
    /// </summary>
    public Tensor Encode(Tensor referenceBoxes, Tensor proposals)
    {
        Boxes.RequireBoxes(referenceBoxes, nameof(referenceBoxes));
        Boxes.RequireBoxes(proposals, nameof(proposals));
        if (referenceBoxes.shape[0] != proposals.shape[0])
            throw new ArgumentException($"referenceBoxes has {referenceBoxes.shape[0]} rows but proposals has {proposals.shape[0]}");
        using var scope = NewDisposeScope();
        // torchvision builds the weights in the reference boxes' dtype; scalars here do the same arithmetic
        // (tensor op scalar keeps the tensor's dtype), with the weights rounded to that dtype first.
        var dtype = referenceBoxes.dtype;
        var (wx, wy, ww, wh) = (InDtype(Wx, dtype), InDtype(Wy, dtype), InDtype(Ww, dtype), InDtype(Wh, dtype));
        var (exW, exH, exCx, exCy) = WidthsHeightsCentres(proposals);
        var (gtW, gtH, gtCx, gtCy) = WidthsHeightsCentres(referenceBoxes);
        // Out-of-place throughout so the coder stays differentiable (exp/log backward need their tensors).
        var dx = wx * (gtCx - exCx) / exW;
        var dy = wy * (gtCy - exCy) / exH;
        var dw = ww * (gtW / exW).log();
        var dh = wh * (gtH / exH).log();
        return stack([dx, dy, dw, dh], 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Applies deltas <paramref name="relCodes"/> [N,4*C] (C boxes per row, e.g. one per class) to
    /// <paramref name="boxes"/> [N,4]; returns [N,4*C] in the deltas' dtype. dw and dh are clamped at
    /// <see cref="BboxXformClip"/> so exp() cannot overflow.
    /// </summary>
    public Tensor Decode(Tensor relCodes, Tensor boxes)
    {
        Boxes.RequireBoxes(boxes, nameof(boxes));
        if (relCodes.dim() != 2 || relCodes.shape[1] % 4 != 0 || relCodes.shape[0] != boxes.shape[0])
            throw new ArgumentException(
                $"relCodes must be [N,4*C] with N = {boxes.shape[0]} boxes; got [{string.Join(",", relCodes.shape)}]", nameof(relCodes));
        using var scope = NewDisposeScope();
        var (widths, heights, ctrX, ctrY) = WidthsHeightsCentres(boxes.to_type(relCodes.dtype));
        var every4 = (int start) => relCodes[.., TensorIndex.Slice(start, null, 4)];
        var dx = every4(0) / Wx;
        var dy = every4(1) / Wy;
        var dw = (every4(2) / Ww).clamp_max(BboxXformClip);
        var dh = (every4(3) / Wh).clamp_max(BboxXformClip);
        var predCtrX = dx * widths[.., TensorIndex.None] + ctrX[.., TensorIndex.None];
        var predCtrY = dy * heights[.., TensorIndex.None] + ctrY[.., TensorIndex.None];
        var halfW = dw.exp() * widths[.., TensorIndex.None] * 0.5;
        var halfH = dh.exp() * heights[.., TensorIndex.None] * 0.5;
        var pred = stack([predCtrX - halfW, predCtrY - halfH, predCtrX + halfW, predCtrY + halfH], 2).flatten(1);
        return pred.MoveToOuterDisposeScope();
    }

    static (Tensor W, Tensor H, Tensor Cx, Tensor Cy) WidthsHeightsCentres(Tensor boxes)
    {
        var w = boxes[.., 2] - boxes[.., 0];
        var h = boxes[.., 3] - boxes[.., 1];
        return (w, h, boxes[.., 0] + w * 0.5, boxes[.., 1] + h * 0.5);
    }

    static double InDtype(double value, ScalarType dtype) => dtype == ScalarType.Float64 ? value : (float)value;
}
