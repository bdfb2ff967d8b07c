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
        var boxes = tensor(MirrorBoxes(item.Target.Boxes.cpu().contiguous().data<float>().ToArray(), length, horizontal),
            [item.Target.Count, 4], device: item.Target.Boxes.device);
        var target = new TargetSet(boxes.MoveToOuterDisposeScope(), item.Target.Labels.clone().MoveToOuterDisposeScope(),
            item.Target.Masks.flip(dim).MoveToOuterDisposeScope());
        return new DatasetItem(item.Image.flip(dim).MoveToOuterDisposeScope(), target, item.ImageId);
    }

    /// <summary>
    /// x1,y1,x2,y2 boxes mirrored over an axis of <paramref name="length"/> pixels: (length − x2, y1, length − x1, y2)
    /// left–right, as torchvision's references flip them. In managed float32 (the same rounding as the tensor
    /// expression <c>length - b</c>) because that expression's implicit <c>Scalar</c> is freed by TorchSharp's
    /// finalizer, which raced the native call in a test run (<c>Scalar::toFloat</c> in <c>aten::add</c>; see GcPause).
    /// </summary>
    static float[] MirrorBoxes(float[] b, long length, bool horizontal)
    {
        var result = new float[b.Length];
        float l = length;
        for (int i = 0; i < b.Length; i += 4)
        {
            if (horizontal) (result[i], result[i + 1], result[i + 2], result[i + 3]) = (l - b[i + 2], b[i + 1], l - b[i], b[i + 3]);
            else (result[i], result[i + 1], result[i + 2], result[i + 3]) = (b[i], l - b[i + 3], b[i + 2], l - b[i + 1]);
        }
        return result;
    }
}
