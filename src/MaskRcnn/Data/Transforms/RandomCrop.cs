using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Data.Transforms;

/// <summary>
/// A random <c>Size</c>×<c>Size</c> window of the image (Detectron2's <c>RandomCrop("absolute")</c>), so that large
/// images train at their own scale for the cost of the window. Instances cut by the window's border keep the part of
/// their mask inside it; those left with fewer than <c>MinArea</c> pixels are dropped, and boxes are the kept masks'
/// tight extents (<see cref="InstanceMasks"/>).
/// </summary>
/// <remarks>
/// <para>A side shorter than <c>Size</c> is kept whole, not padded: the batch is padded to a common size (a multiple
/// of 32) by the model's transform anyway, and padding here would only add background that no prediction sees.</para>
/// <para>The offset is uniform over the valid positions; up to <see cref="Attempts"/> positions are drawn and the
/// first that keeps an instance is taken (the last one when none does), so that sparse images rarely give empty
/// crops. All draws come from the sample's random stream, so the choice is reproducible.</para>
/// </remarks>
public sealed class RandomCrop : ITransform
{
    /// <summary>Positions tried before an empty crop is accepted.</summary>
    public const int Attempts = 10;

    /// <summary>The default <see cref="MinArea"/>: a 4×4-pixel sliver carries no shape worth a mask target.</summary>
    public const int DefaultMinArea = 16;

    public int Size { get; }
    public int MinArea { get; }

    public RandomCrop(int size, int minArea = DefaultMinArea)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the crop size must be positive");
        if (minArea < 1) throw new ArgumentOutOfRangeException(nameof(minArea), minArea, "the minimum area must be at least 1 pixel");
        (Size, MinArea) = (size, minArea);
    }

    public DatasetItem Apply(DatasetItem item, DeterministicRandom random)
    {
        long h = item.Image.shape[^2], w = item.Image.shape[^1];
        int ch = (int)Math.Min(Size, h), cw = (int)Math.Min(Size, w);
        if (ch == h && cw == w) return item;
        using (item)
        {
            int x0 = 0, y0 = 0;
            for (int attempt = 0; attempt < Attempts; attempt++)
            {
                x0 = random.NextInt(0, (int)w - cw + 1);
                y0 = random.NextInt(0, (int)h - ch + 1);
                if (item.Target.Count == 0 || KeepsAnInstance(item.Target.Masks, x0, y0, cw, ch)) break;
            }
            return Crop(item, x0, y0, cw, ch, MinArea);
        }
    }

    bool KeepsAnInstance(Tensor masks, int x0, int y0, int width, int height)
    {
        using var scope = NewDisposeScope();
        var window = masks.narrow(1, y0, height).narrow(2, x0, width);
        return window.sum([1, 2], type: ScalarType.Int64).ge(MinArea).any().item<bool>();
    }

    /// <summary>The <paramref name="width"/>×<paramref name="height"/> window at (<paramref name="x0"/>, <paramref name="y0"/>)
    /// of <paramref name="item"/> (left untouched), instances with fewer than <paramref name="minArea"/> pixels inside dropped.</summary>
    public static DatasetItem Crop(DatasetItem item, int x0, int y0, int width, int height, int minArea)
    {
        using var scope = NewDisposeScope();
        var image = item.Image.narrow(1, y0, height).narrow(2, x0, width).contiguous().clone();
        var masks = item.Target.Masks.narrow(1, y0, height).narrow(2, x0, width).contiguous().clone();
        var target = InstanceMasks.ToTargets(masks, item.Target.Labels, minArea);
        return new DatasetItem(image.MoveToOuterDisposeScope(), MoveOut(target), item.ImageId);
    }

    static TargetSet MoveOut(TargetSet t) =>
        new(t.Boxes.MoveToOuterDisposeScope(), t.Labels.MoveToOuterDisposeScope(), t.Masks.MoveToOuterDisposeScope());
}
