using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Data.Transforms;

/// <summary>
/// Mirrors image, masks and boxes left–right with probability <c>p</c>, as torchvision's detection
/// references' <c>RandomHorizontalFlip</c>: boxes use pixel-edge coordinates, so x ↦ W − x and the
/// corners swap (x1' = W − x2, x2' = W − x1).
/// </summary>
public sealed class RandomHorizontalFlip : ITransform
{
    public double P { get; }

    public RandomHorizontalFlip(double p = 0.5)
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
        long width = item.Image.shape[^1];
        var image = item.Image.flip(-1);
        var masks = item.Target.Masks.flip(-1);
        using var x1 = item.Target.Boxes[.., 0];
        using var y1 = item.Target.Boxes[.., 1];
        using var x2 = item.Target.Boxes[.., 2];
        using var y2 = item.Target.Boxes[.., 3];
        using var nx1 = width - x2;
        using var nx2 = width - x1;
        var boxes = stack(new[] { nx1, y1, nx2, y2 }, 1);
        var labels = item.Target.Labels.clone();
        return new DatasetItem(image, new TargetSet(boxes, labels, masks), item.ImageId);
    }
}
