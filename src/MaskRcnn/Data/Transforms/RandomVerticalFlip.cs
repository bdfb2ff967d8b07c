using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Data.Transforms;

/// <summary>
/// Mirrors image, masks and boxes top–bottom with probability <c>p</c>: the vertical counterpart of
/// <see cref="RandomHorizontalFlip"/> (torchvision v2's <c>RandomVerticalFlip</c>): y ↦ H − y, so
/// y1' = H − y2 and y2' = H − y1. Microscopy has no "up", so this is a free augmentation there.
/// </summary>
public sealed class RandomVerticalFlip : ITransform
{
    public double P { get; }

    public RandomVerticalFlip(double p = 0.5)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "a probability must be in [0, 1]");
        P = p;
    }

    public DatasetItem Apply(DatasetItem item, DeterministicRandom random)
    {
        // Always draw, so the stream's later values do not depend on whether this sample flipped.
        if (random.NextDouble() >= P) return item;
        using (item)
        {
            return Flip(item);
        }
    }

    /// <summary>The flipped copy of <paramref name="item"/> (which is left untouched).</summary>
    public static DatasetItem Flip(DatasetItem item)
    {
        long height = item.Image.shape[^2];
        using var scope = NewDisposeScope();
        var b = item.Target.Boxes;
        var boxes = stack([b[.., 0], height - b[.., 3], b[.., 2], height - b[.., 1]], 1);
        var target = new TargetSet(boxes.MoveToOuterDisposeScope(), item.Target.Labels.clone().MoveToOuterDisposeScope(),
            item.Target.Masks.flip(-2).MoveToOuterDisposeScope());
        return new DatasetItem(item.Image.flip(-2).MoveToOuterDisposeScope(), target, item.ImageId);
    }
}
