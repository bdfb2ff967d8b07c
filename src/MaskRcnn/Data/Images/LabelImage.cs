namespace MaskRcnn.Data.Images;

/// <summary>
/// An instance label image as stored (CellPose/StarDist masks): row-major raw sample values, 0 for background and
/// each other value one instance. Never intensity-mapped.
/// </summary>
public sealed record LabelImage(int Width, int Height, int[] Labels)
{
    public int[] Labels { get; init; } = Labels.Length == (long)Width * Height
        ? Labels
        : throw new ArgumentException($"a label image of {Width}x{Height} needs {(long)Width * Height} values, got {Labels.Length}");
}
