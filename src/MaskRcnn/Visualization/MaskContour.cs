namespace MaskRcnn.Visualization;

/// <summary>The inner boundary band of a binary mask, for drawing crisp outlines over a translucent fill.</summary>
public static class MaskContour
{
    /// <summary>
    /// Pixels of the mask within <paramref name="thickness"/> steps (4-neighbourhood) of a pixel outside it;
    /// the image border counts as outside, so a mask touching the border is closed there too.
    /// </summary>
    public static bool[] Boundary(ReadOnlySpan<byte> mask, int width, int height, int thickness = 2)
    {
        if (mask.Length != width * height)
            throw new ArgumentException($"mask has {mask.Length} values, the image {width}×{height} needs {width * height}", nameof(mask));
        // Erode `thickness` times; the boundary is what the erosion removed.
        var inside = new bool[mask.Length];
        for (int i = 0; i < mask.Length; i++) inside[i] = mask[i] != 0;
        var eroded = (bool[])inside.Clone();
        var next = new bool[mask.Length];
        for (int step = 0; step < thickness; step++)
        {
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int i = y * width + x;
                    next[i] = eroded[i] && x > 0 && x < width - 1 && y > 0 && y < height - 1
                        && eroded[i - 1] && eroded[i + 1] && eroded[i - width] && eroded[i + width];
                }
            (eroded, next) = (next, eroded);
        }
        for (int i = 0; i < inside.Length; i++) inside[i] &= !eroded[i];
        return inside;
    }
}
