namespace MaskRcnn.Data.Transforms;

/// <summary>Mirrors top–bottom with probability <c>p</c>: y ↦ H − y, y1' = H − y2, y2' = H − y1. Microscopy has no
/// "up", so this is a free augmentation there.</summary>
public sealed class RandomVerticalFlip(double p = 0.5) : RandomFlip(p)
{
    /// <summary>The flipped copy of <paramref name="item"/> (which is left untouched).</summary>
    public static DatasetItem Flip(DatasetItem item) => Mirror(item, horizontal: false);

    private protected override DatasetItem Mirror(DatasetItem item) => Flip(item);
}
