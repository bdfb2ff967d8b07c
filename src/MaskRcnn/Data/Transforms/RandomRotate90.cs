using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Data.Transforms;

/// <summary>
/// Rotates image, masks and boxes by k·90° counter-clockwise, k uniform in {0, 1, 2, 3} (with the flips, the eight
/// symmetries of the square — the usual augmentation for microscopy, where orientation carries no meaning).
/// One quarter turn is <c>torch.rot90(k=1, dims=(H, W))</c>: pixel (x, y) of a W-wide image goes to (y, W − 1 − x),
/// so a box's pixel edges map as x1' = y1, x2' = y2, y1' = W − x2, y2' = W − x1, and the image becomes W×H.
/// </summary>
public sealed class RandomRotate90 : ITransform
{
    public DatasetItem Apply(DatasetItem item, DeterministicRandom random)
    {
        int k = random.NextInt(0, 4);
        if (k == 0) return item;
        using (item)
        {
            return Rotate(item, k);
        }
    }

    /// <summary>The copy of <paramref name="item"/> (left untouched) turned <paramref name="quarterTurns"/> × 90°
    /// counter-clockwise.</summary>
    public static DatasetItem Rotate(DatasetItem item, int quarterTurns)
    {
        int k = ((quarterTurns % 4) + 4) % 4;
        using var scope = NewDisposeScope();
        var boxes = item.Target.Boxes;
        long width = item.Image.shape[^1], height = item.Image.shape[^2];
        for (int turn = 0; turn < k; turn++)
        {
            boxes = stack([boxes[.., 1], width - boxes[.., 2], boxes[.., 3], width - boxes[.., 0]], 1);
            (width, height) = (height, width);
        }
        var image = item.Image.rot90(k, (1, 2));
        var masks = item.Target.Masks.rot90(k, (1, 2));
        var target = new TargetSet((k == 0 ? boxes.clone() : boxes).MoveToOuterDisposeScope(),
            item.Target.Labels.clone().MoveToOuterDisposeScope(), masks.contiguous().MoveToOuterDisposeScope());
        return new DatasetItem(image.contiguous().MoveToOuterDisposeScope(), target, item.ImageId);
    }
}
