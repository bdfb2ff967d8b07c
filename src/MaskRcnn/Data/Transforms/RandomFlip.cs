using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Data.Transforms;

/// <summary>
/// Mirrors image, masks and boxes along one axis with probability <c>p</c>, as torchvision's detection references'
/// <c>RandomHorizontalFlip</c> (and v2's <c>RandomVerticalFlip</c>): boxes use pixel-edge coordinates, so
/// c ↦ L − c along the axis of length L and the corners swap (c1' = L − c2, c2' = L − c1).
/// </summary>
public abstract class RandomFlip : ITransform
{
    public double P { get; }

    private protected RandomFlip(double p)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "a probability must be in [0, 1]");
        P = p;
    }

    /// <summary>The mirrored copy (the input left untouched).</summary>
    private protected abstract DatasetItem Mirror(DatasetItem item);

    public DatasetItem Apply(DatasetItem item, DeterministicRandom random)
    {
        // Always draw, so the stream's later values do not depend on whether this sample flipped.
        if (random.NextDouble() >= P) return item;
        using (item)
        {
            return Mirror(item);
        }
    }

    /// <summary>The copy of <paramref name="item"/> mirrored left–right (<paramref name="horizontal"/>) or top–bottom.</summary>
    private protected static DatasetItem Mirror(DatasetItem item, bool horizontal)
    {
        int dim = horizontal ? -1 : -2;
        long length = horizontal ? item.Image.shape[^1] : item.Image.shape[^2];
        using var scope = NewDisposeScope();
        var b = item.Target.Boxes;
        var boxes = horizontal
            ? stack([length - b[.., 2], b[.., 1], length - b[.., 0], b[.., 3]], 1)
            : stack([b[.., 0], length - b[.., 3], b[.., 2], length - b[.., 1]], 1);
        var target = new TargetSet(boxes.MoveToOuterDisposeScope(), item.Target.Labels.clone().MoveToOuterDisposeScope(),
            item.Target.Masks.flip(dim).MoveToOuterDisposeScope());
        return new DatasetItem(item.Image.flip(dim).MoveToOuterDisposeScope(), target, item.ImageId);
    }
}
