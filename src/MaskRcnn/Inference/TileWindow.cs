using MaskRcnn.Data.Images;
using MaskRcnn.Data.Masks;

namespace MaskRcnn.Inference;

/// <summary>One tile's place in the image: its top-left corner and size, in image pixels.</summary>
public sealed record TileWindow(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;
    public int Bottom => Y + Height;

    /// <summary>The tile's pixels as a mask window.</summary>
    public MaskWindow Pixels => new(X, Y, Right, Bottom);

    /// <summary>
    /// The S×S tiles covering a <paramref name="width"/>×<paramref name="height"/> image with
    /// <paramref name="overlap"/> pixels shared between neighbours: starts at 0, S − O, 2(S − O), … and a last tile
    /// flush with the far border (so every tile is whole, and the last overlap may be larger). A side no longer than S
    /// is one tile of that side. Row-major order.
    /// </summary>
    public static IReadOnlyList<TileWindow> Cover(int width, int height, int size, int overlap)
    {
        new TilingOptions { TileSize = size, Overlap = overlap }.Validate();
        var xs = Starts(width, size, overlap);
        var ys = Starts(height, size, overlap);
        return ys.SelectMany(y => xs.Select(x => new TileWindow(x, y, Math.Min(size, width), Math.Min(size, height)))).ToArray();
    }

    static List<int> Starts(int length, int size, int overlap)
    {
        var starts = new List<int> { 0 };
        if (length <= size) return starts;
        for (int s = size - overlap; s + size < length; s += size - overlap) starts.Add(s);
        starts.Add(length - size);
        return starts;
    }

    /// <summary>The window both tiles cover; null when they do not overlap.</summary>
    public TileWindow? Intersect(TileWindow other)
    {
        int x0 = Math.Max(X, other.X), y0 = Math.Max(Y, other.Y), x1 = Math.Min(Right, other.Right), y1 = Math.Min(Bottom, other.Bottom);
        return x1 > x0 && y1 > y0 ? new TileWindow(x0, y0, x1 - x0, y1 - y0) : null;
    }

    /// <summary>Whether the box lies inside this tile, at least <paramref name="margin"/> pixels from each of its edges
    /// that is not an image border — the tile saw the whole object with room around it.</summary>
    public bool HoldsWhole(float[] imageBox, int imageWidth, int imageHeight, float margin) =>
        !TouchesInnerEdge(imageBox[0] - X, imageBox[1] - Y, imageBox[2] - X, imageBox[3] - Y, imageWidth, imageHeight, margin)
        && imageBox[0] >= X && imageBox[1] >= Y && imageBox[2] <= Right && imageBox[3] <= Bottom;

    /// <summary>Whether a box in this tile's pixels comes within <paramref name="margin"/> of an edge that is not an image
    /// border (where the tile may have cut an object).</summary>
    public bool TouchesInnerEdge(float x1, float y1, float x2, float y2, int imageWidth, int imageHeight, float margin) =>
        (X > 0 && x1 <= margin) || (Y > 0 && y1 <= margin)
        || (Right < imageWidth && x2 >= Width - margin) || (Bottom < imageHeight && y2 >= Height - margin);

    /// <summary>The tile's pixels cut out of <paramref name="image"/>.</summary>
    public RgbImage Cut(RgbImage image)
    {
        var pixels = new byte[Width * Height * 3];
        for (int row = 0; row < Height; row++)
            Array.Copy(image.Pixels, ((Y + row) * image.Width + X) * 3, pixels, row * Width * 3, Width * 3);
        return new RgbImage(Width, Height, pixels);
    }
}
