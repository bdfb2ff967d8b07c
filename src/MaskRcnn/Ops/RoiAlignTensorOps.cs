using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// RoIAlign composed of tensor ops, for devices without the hand-written kernel. Same arithmetic as
/// torchvision's kernel (float32, same operation order for sample coordinates and weights); autograd
/// flows through the gathers. RoIs are grouped by their sampling grid so each group is one batched
/// gather.
/// </summary>
internal static class RoiAlignTensorOps
{
    public static Tensor Forward(Tensor input, Tensor rois, (int Height, int Width) outputSize, double spatialScale,
        int samplingRatio, bool aligned)
    {
        long k = rois.shape[0], channels = input.shape[1], height = input.shape[2], width = input.shape[3];
        var device = input.device;
        using var scope = NewDisposeScope();
        if (k == 0)
            // Still a view of the input, so a loss over no RoIs keeps a (zero) path back to the features.
            return scope.MoveToOuter(input.reshape(-1).narrow(0, 0, 0).view(0, channels, outputSize.Height, outputSize.Width));

        var r = rois.to(ScalarType.Float32, device);
        float scale = (float)spatialScale, offset = aligned ? 0.5f : 0f;
        var startW = r[.., 1] * scale - offset;
        var startH = r[.., 2] * scale - offset;
        var roiW = r[.., 3] * scale - offset - startW;
        var roiH = r[.., 4] * scale - offset - startH;
        if (!aligned)
        {
            roiW = roiW.clamp_min(1f);
            roiH = roiH.clamp_min(1f);
        }
        var binH = roiH / outputSize.Height;
        var binW = roiW / outputSize.Width;
        var batch = r[.., 0].to(ScalarType.Int64);

        // Per-RoI sampling grid; fixed when samplingRatio > 0, else ceil(roi_size / pooled_size).
        long[] gridH, gridW;
        if (samplingRatio > 0)
            gridH = gridW = Enumerable.Repeat((long)samplingRatio, (int)k).ToArray();
        else
        {
            gridH = (roiH / outputSize.Height).ceil().clamp_min(0).to(ScalarType.Int64).cpu().data<long>().ToArray();
            gridW = (roiW / outputSize.Width).ceil().clamp_min(0).to(ScalarType.Int64).cpu().data<long>().ToArray();
        }

        // Rows of the features as [N*H*W, C] so one index_select gathers all channels of a point.
        var pixels = input.permute(0, 2, 3, 1).reshape(-1, channels);
        var parts = new List<Tensor>();
        var order = new List<long>();
        foreach (var group in Enumerable.Range(0, (int)k).GroupBy(i => (gridH[i], gridW[i])))
        {
            var members = group.Select(i => (long)i).ToArray();
            order.AddRange(members);
            var (gh, gw) = group.Key;
            if (gh == 0 || gw == 0)
            {
                parts.Add(zeros([members.Length, channels, outputSize.Height, outputSize.Width], ScalarType.Float32, device));
                continue;
            }
            var idx = tensor(members, device: device);
            var y = SampleCoordinates(startH[idx], binH[idx], outputSize.Height, gh, device); // [G,ph,gh]
            var x = SampleCoordinates(startW[idx], binW[idx], outputSize.Width, gw, device);  // [G,pw,gw]
            var (yLow, yHigh, ly, hy) = Neighbours(y, height);
            var (xLow, xHigh, lx, hx) = Neighbours(x, width);

            // Broadcast to [G, ph, gh, pw, gw].
            Tensor Rows(Tensor t) => t.unsqueeze(-1).unsqueeze(-1);
            Tensor Cols(Tensor t) => t.unsqueeze(1).unsqueeze(1);
            var baseIndex = (batch[idx] * (height * width)).view(-1, 1, 1, 1, 1);
            Tensor Gather(Tensor yi, Tensor xi)
            {
                var index = baseIndex + Rows(yi) * width + Cols(xi);
                var shape = index.shape;
                return pixels.index_select(0, index.flatten()).view([.. shape, channels]);
            }
            Tensor Weight(Tensor wy, Tensor wx) => (Rows(wy) * Cols(wx)).unsqueeze(-1);

            var value = Weight(hy, hx) * Gather(yLow, xLow) + Weight(hy, lx) * Gather(yLow, xHigh)
                      + Weight(ly, hx) * Gather(yHigh, xLow) + Weight(ly, lx) * Gather(yHigh, xHigh);
            var pooled = value.sum([2, 4]) / (float)(gh * gw); // [G, ph, pw, C]
            parts.Add(pooled.permute(0, 3, 1, 2));
        }
        var stacked = cat(parts, 0);
        var inverse = tensor(order.ToArray(), device: device).argsort();
        return scope.MoveToOuter(stacked.index_select(0, inverse).contiguous());
    }

    /// <summary>start + p*bin + (i+.5)*bin/grid, in torchvision's operation order: [G, pooled, grid].</summary>
    static Tensor SampleCoordinates(Tensor start, Tensor bin, int pooled, long grid, Device device)
    {
        var p = arange(pooled, ScalarType.Float32, device).view(1, -1, 1);
        var i = (arange(grid, ScalarType.Float32, device) + 0.5f).view(1, 1, -1);
        var b = bin.view(-1, 1, 1);
        return start.view(-1, 1, 1) + p * b + i * b / (float)grid;
    }

    /// <summary>
    /// One axis of torchvision's bilinear_interpolate: neighbour indices and weights, with points more
    /// than one pixel outside weighted zero and points past the last pixel snapped onto it.
    /// </summary>
    static (Tensor Low, Tensor High, Tensor WHigh, Tensor WLow) Neighbours(Tensor v, long size)
    {
        var valid = (v >= -1f).logical_and(v <= size);
        // Invalid (incl. NaN) points are moved to 0 so their indices stay in range; their weight is zero.
        var c = where(valid, v, zeros_like(v)).clamp_min(0f);
        var low = c.floor();
        var atEdge = low >= size - 1;
        var last = full_like(c, size - 1);
        low = where(atEdge, last, low);
        c = where(atEdge, last, c);
        var high = where(atEdge, last, low + 1);
        var l = c - low;
        var h = 1f - l;
        var zero = zeros_like(l);
        return (low.to(ScalarType.Int64), high.to(ScalarType.Int64), where(valid, l, zero), where(valid, h, zero));
    }
}
