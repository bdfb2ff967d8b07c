namespace MaskRcnn.Data.Transforms;

/// <summary><c>train --augment</c>'s list straight to a transform: <see cref="AugmentationConfig.Parse"/> then
/// <see cref="AugmentationConfig.Build"/>.</summary>
public static class AugmentationSpec
{
    /// <exception cref="FormatException">One line naming the bad step.</exception>
    public static ITransform Parse(string list, int? trainingShortSide = null, int? maxSize = null) =>
        AugmentationConfig.Parse(list).Build(trainingShortSide, maxSize);
}
