namespace MaskRcnn.Data.Transforms;

/// <summary>Mirrors left–right with probability <c>p</c> (torchvision's references' default augmentation): x ↦ W − x,
/// x1' = W − x2, x2' = W − x1.</summary>
public sealed class RandomHorizontalFlip(double p = 0.5) : RandomFlip(p)
{
    /// <summary>The flipped copy of <paramref name="item"/> (which is left untouched).</summary>
    public static DatasetItem Flip(DatasetItem item) => Mirror(item, horizontal: true);

    private protected override DatasetItem Mirror(DatasetItem item) => Flip(item);
}
