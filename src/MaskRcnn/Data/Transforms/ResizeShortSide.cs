using MaskRcnn.Modeling.Transform;
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
    /// The output size, rounded exactly as torchvision does (see <see cref="GeneralizedRcnnTransform.ResizedSize"/>,
    /// the one place that rule lives: the model's transform applies the same resize at inference).
    /// </summary>
    public static (int Height, int Width) OutputSize(int height, int width, int minSize, int maxSize)
    {
        var (h, w) = GeneralizedRcnnTransform.ResizedSize(height, width, minSize, maxSize);
        return ((int)h, (int)w);
    }

    /// <summary>The resized copy of <paramref name="item"/> (which is left untouched).</summary>
    public static DatasetItem Resize(DatasetItem item, int minSize, int maxSize)
    {
        var (image, target) = GeneralizedRcnnTransform.Resize(item.Image, item.Target, minSize, maxSize);
        return new DatasetItem(image, target!, item.ImageId);
    }
}
