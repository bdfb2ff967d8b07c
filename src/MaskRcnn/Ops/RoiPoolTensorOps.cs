using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// RoIPool composed of tensor ops for devices without the kernel: every bin is gathered into a
/// window as large as the largest bin (extra cells masked to -inf) and max-reduced; autograd routes
/// the gradient to the chosen element as torchvision's argmax does.
/// </summary>
internal static class RoiPoolTensorOps
{
    public static Tensor Forward(Tensor input, Tensor rois, (int Height, int Width) outputSize, double spatialScale)
    {
        long k = rois.shape[0], channels = input.shape[1], height = input.shape[2], width = input.shape[3];
        var device = input.device;
        using var scope = NewDisposeScope();
        if (k == 0)
            return scope.MoveToOuter(input.reshape(-1).narrow(0, 0, 0).view(0, channels, outputSize.Height, outputSize.Width));

        var r = rois.to(ScalarType.Float32, device);
        float scale = (float)spatialScale;
        var startW = RoundHalfAway(r[.., 1] * scale);
        var startH = RoundHalfAway(r[.., 2] * scale);
        var roiW = (RoundHalfAway(r[.., 3] * scale) - startW + 1).clamp_min(1);
        var roiH = (RoundHalfAway(r[.., 4] * scale) - startH + 1).clamp_min(1);
        var (hIndex, hValid, hEmpty) = Windows(startH, roiH / outputSize.Height, outputSize.Height, height, device);
        var (wIndex, wValid, wEmpty) = Windows(startW, roiW / outputSize.Width, outputSize.Width, width, device);

        // [K, ph, Rh, pw, Rw] flat pixel indices into the [N*H*W, C] rows of the input.
        var batch = r[.., 0].to(ScalarType.Int64).view(-1, 1, 1, 1, 1);
        var index = batch * (height * width) + hIndex.unsqueeze(-1).unsqueeze(-1) * width + wIndex.unsqueeze(1).unsqueeze(1);
        var valid = hValid.unsqueeze(-1).unsqueeze(-1).logical_and(wValid.unsqueeze(1).unsqueeze(1));
        var pixels = input.permute(0, 2, 3, 1).reshape(-1, channels);
        var window = pixels.index_select(0, index.flatten()).view([.. index.shape, channels]);
        window = window.masked_fill(valid.logical_not().unsqueeze(-1), float.NegativeInfinity);
        // [K, C, ph, pw, Rh*Rw] in the kernel's row-major scan order, so ties pick the same element.
        var scan = window.permute(0, 5, 1, 3, 2, 4).flatten(4);
        var max = scan.max(4).values;
        var empty = hEmpty.view(k, 1, -1, 1).logical_or(wEmpty.view(k, 1, 1, -1));
        return scope.MoveToOuter(where(empty, zeros_like(max), max).contiguous());
    }

    /// <summary>C's round(): halves away from zero (torch.round rounds halves to even).</summary>
    static Tensor RoundHalfAway(Tensor v)
    {
        var t = v.trunc();
        return (t + where((v - t).abs() >= 0.5f, v.sign(), zeros_like(v))).to(ScalarType.Int64);
    }

    /// <summary>
    /// Bin p spans [floor(p*bin), ceil((p+1)*bin)) + start, clipped to the map: returns the window
    /// indices [K, P, R] (clamped into range), which of them are inside the bin, and empty bins [K, P].
    /// </summary>
    static (Tensor Index, Tensor Valid, Tensor Empty) Windows(Tensor start, Tensor binSize, int pooled, long size, Device device)
    {
        var p = arange(pooled, ScalarType.Float32, device).view(1, -1);
        var b = binSize.view(-1, 1);
        var lo = ((p * b).floor().to(ScalarType.Int64) + start.view(-1, 1)).clamp(0, size);
        var hi = (((p + 1) * b).ceil().to(ScalarType.Int64) + start.view(-1, 1)).clamp(0, size);
        long extent = Math.Max((hi - lo).max().item<long>(), 1);
        var index = lo.unsqueeze(-1) + arange(extent, ScalarType.Int64, device).view(1, 1, -1);
        var valid = index < hi.unsqueeze(-1);
        return (index.clamp(0, size - 1), valid, hi <= lo);
    }
}
