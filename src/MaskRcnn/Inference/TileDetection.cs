using MaskRcnn.Data.Masks;

namespace MaskRcnn.Inference;

/// <summary>
/// A detection in one tile's own pixels, as the predictor returned it for the cut-out tile: a different type from the
/// whole-image <see cref="InstancePrediction"/> so that tile-frame boxes and masks cannot be mistaken for image-frame
/// ones. <see cref="ToImage"/> maps it into the image.
/// </summary>
public sealed record TileDetection(TileWindow Tile, InstancePrediction InTile)
{
    /// <summary>The box in image pixels.</summary>
    public float[] ImageBox => [InTile.BoxXyxy[0] + Tile.X, InTile.BoxXyxy[1] + Tile.Y, InTile.BoxXyxy[2] + Tile.X, InTile.BoxXyxy[3] + Tile.Y];

    /// <summary>Whether the box comes within <paramref name="margin"/> pixels of a tile edge inside the image.</summary>
    public bool TouchesInnerEdge(int imageWidth, int imageHeight, float margin)
    {
        var b = InTile.BoxXyxy;
        return Tile.TouchesInnerEdge(b[0], b[1], b[2], b[3], imageWidth, imageHeight, margin);
    }

    /// <summary>The mask cropped to its occupied pixels, placed in image coordinates.</summary>
    internal PlacedMask Place()
    {
        int w = Tile.Width, h = Tile.Height;
        var m = InTile.Mask;
        int x1 = w, y1 = h, x2 = -1, y2 = -1;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (m[y * w + x] != 0)
                {
                    if (x < x1) x1 = x;
                    if (x > x2) x2 = x;
                    if (y < y1) y1 = y;
                    y2 = y;
                }
        if (x2 < 0) return new PlacedMask(Tile.X, Tile.Y, 0, 0, []);
        int cw = x2 - x1 + 1, ch = y2 - y1 + 1;
        var crop = new byte[cw * ch];
        for (int y = 0; y < ch; y++) Array.Copy(m, (y1 + y) * w + x1, crop, y * cw, cw);
        return new PlacedMask(Tile.X + x1, Tile.Y + y1, cw, ch, crop);
    }

    /// <summary>This detection in the <paramref name="imageWidth"/>×<paramref name="imageHeight"/> image's pixels.</summary>
    public InstancePrediction ToImage(int imageWidth, int imageHeight) =>
        Place().ToInstance(InTile with { BoxXyxy = ImageBox }, imageWidth, imageHeight);
}

/// <summary>A binary mask stored over its bounding rectangle (X, Y, Width, Height) in image pixels.</summary>
internal sealed record PlacedMask(int X, int Y, int Width, int Height, byte[] Pixels)
{
    public bool At(int x, int y) =>
        x >= X && y >= Y && x < X + Width && y < Y + Height && Pixels[(y - Y) * Width + (x - X)] != 0;

    /// <summary>The union of two masks.</summary>
    public PlacedMask Union(PlacedMask other)
    {
        if (Width == 0) return other;
        if (other.Width == 0) return this;
        int x0 = Math.Min(X, other.X), y0 = Math.Min(Y, other.Y);
        int x1 = Math.Max(X + Width, other.X + other.Width), y1 = Math.Max(Y + Height, other.Y + other.Height);
        var pixels = new byte[(x1 - x0) * (y1 - y0)];
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
                if (At(x, y) || other.At(x, y)) pixels[(y - y0) * (x1 - x0) + (x - x0)] = 1;
        return new PlacedMask(x0, y0, x1 - x0, y1 - y0, pixels);
    }

    /// <summary>IoU of the two masks counted inside <paramref name="region"/> only (0 when neither has a pixel there).</summary>
    public double IouWithin(PlacedMask other, TileWindow region)
    {
        int x0 = Math.Max(region.X, Math.Min(X, other.X)), y0 = Math.Max(region.Y, Math.Min(Y, other.Y));
        int x1 = Math.Min(region.Right, Math.Max(X + Width, other.X + other.Width));
        int y1 = Math.Min(region.Bottom, Math.Max(Y + Height, other.Y + other.Height));
        long inter = 0, union = 0;
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
            {
                bool a = At(x, y), b = other.At(x, y);
                if (a && b) inter++;
                if (a || b) union++;
            }
        return union == 0 ? 0 : (double)inter / union;
    }

    /// <summary>The whole-image prediction: <paramref name="properties"/> (in image pixels) with this mask and its RLE.</summary>
    public InstancePrediction ToInstance(InstancePrediction properties, int imageWidth, int imageHeight)
    {
        var mask = new byte[imageWidth * imageHeight];
        for (int y = 0; y < Height; y++) Array.Copy(Pixels, y * Width, mask, (Y + y) * imageWidth + X, Width);
        return properties with { Mask = mask, Rle = MaskApi.Encode(mask, imageHeight, imageWidth) };
    }
}
