using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Data.Transforms;

/// <summary>
/// Resizes so the short side becomes a size drawn (per sample) from <c>MinSizes</c>, unless that would make
/// the long side exceed <c>MaxSize</c> — torchvision 0.14's <c>GeneralizedRCNNTransform.resize</c> rule,
/// reproduced to the pixel: image bilinear (align_corners=false), masks nearest, boxes scaled by the
/// per-axis ratio of new to old size.
/// </summary>
public sealed class ResizeShortSide : ITransform
{
    public IReadOnlyList<int> MinSizes { get; }
    public int MaxSize { get; }

    public ResizeShortSide(int[] minSizes, int maxSize)
    {
        if (minSizes.Length == 0) throw new ArgumentException("at least one short-side size is needed", nameof(minSizes));
        if (minSizes.Any(s => s <= 0) || maxSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(minSizes), "sizes must be positive");
        MinSizes = minSizes.ToArray();
        MaxSize = maxSize;
    }

    public DatasetItem Apply(DatasetItem item, DeterministicRandom random)
    {
        int minSize = MinSizes[random.NextInt(0, MinSizes.Count)];
        using (item)
        {
            return Resize(item, minSize, MaxSize);
        }
    }

    /// <summary>
    /// The output size, rounded exactly as torchvision: <c>min_size / short_side</c> on a float32 tensor is
    /// evaluated by PyTorch as <c>reciprocal(short_side) * min_size</c> in float32 (likewise for the long side),
    /// and <c>interpolate(recompute_scale_factor=True)</c> then takes <c>floor(side * scale)</c> in double.
    /// The two roundings decide between e.g. 799 and 800 px, so both are reproduced.
    /// </summary>
    public static (int Height, int Width) OutputSize(int height, int width, int minSize, int maxSize)
    {
        float shortSide = Math.Min(height, width), longSide = Math.Max(height, width);
        float scale = Math.Min(1f / shortSide * minSize, 1f / longSide * maxSize);
        return ((int)Math.Floor(height * (double)scale), (int)Math.Floor(width * (double)scale));
    }

    /// <summary>The resized copy of <paramref name="item"/> (which is left untouched).</summary>
    public static DatasetItem Resize(DatasetItem item, int minSize, int maxSize)
    {
        int h = (int)item.Image.shape[^2], w = (int)item.Image.shape[^1];
        var (nh, nw) = OutputSize(h, w, minSize, maxSize);
        var size = new long[] { nh, nw };

        using var batched = item.Image.unsqueeze(0);
        using var resizedBatch = nn.functional.interpolate(batched, size, mode: InterpolationMode.Bilinear, align_corners: false);
        var image = resizedBatch[0];

        var src = item.Target.Masks;
        Tensor masks;
        if (src.shape[0] == 0)
            masks = zeros(new long[] { 0, nh, nw }, ScalarType.Byte);
        else
        {
            using var asFloat = src.unsqueeze(1).to_type(ScalarType.Float32);
            using var resized = nn.functional.interpolate(asFloat, size, mode: InterpolationMode.Nearest);
            using var squeezed = resized[.., 0];
            masks = squeezed.to_type(ScalarType.Byte);
        }

        // resize_boxes: ratios as float32 tensors new/old per axis.
        float ratioW = (float)nw / w, ratioH = (float)nh / h;
        using var ratios = tensor(new[] { ratioW, ratioH, ratioW, ratioH });
        var boxes = item.Target.Boxes * ratios;
        return new DatasetItem(image, new TargetSet(boxes, item.Target.Labels.clone(), masks), item.ImageId);
    }
}
