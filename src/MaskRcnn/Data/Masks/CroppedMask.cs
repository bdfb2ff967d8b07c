namespace MaskRcnn.Data.Masks;

/// <summary>
/// A binary mask of an <see cref="ImageHeight"/>×<see cref="ImageWidth"/> image stored only over a <see cref="Window"/>
/// that holds all of its foreground: every pixel outside the window is 0. A pasted Mask R-CNN mask is nonzero only
/// inside its (padded) box, so its crop to that box is exact, and a thousand small objects in a large image cost
/// their boxes' pixels instead of a thousand image-sized planes (Detectron2 keeps masks the same way before pasting).
/// </summary>
public sealed record CroppedMask
{
    /// <param name="imageHeight">The image's height.</param>
    /// <param name="imageWidth">The image's width.</param>
    /// <param name="window">Where <paramref name="pixels"/> lie; inside the image.</param>
    /// <param name="pixels">Row-major <c>window.Height × window.Width</c>, nonzero inside the mask (kept, not copied).</param>
    public CroppedMask(int imageHeight, int imageWidth, MaskWindow window, byte[] pixels)
    {
        if (imageHeight < 0 || imageWidth < 0) throw new ArgumentOutOfRangeException(nameof(imageHeight), $"negative image size {imageWidth}x{imageHeight}");
        if (window.IsEmpty) window = new MaskWindow(0, 0, 0, 0);
        else if (window.X0 < 0 || window.Y0 < 0 || window.X1 > imageWidth || window.Y1 > imageHeight)
            throw new ArgumentException($"window {window} is not inside the {imageWidth}x{imageHeight} image", nameof(window));
        if (pixels.LongLength != window.Area)
            throw new ArgumentException($"the {window.Width}x{window.Height} window needs {window.Area} pixels, got {pixels.Length}", nameof(pixels));
        (ImageHeight, ImageWidth, Window, Pixels) = (imageHeight, imageWidth, window, pixels);
    }

    public int ImageHeight { get; }
    public int ImageWidth { get; }
    public MaskWindow Window { get; }

    /// <summary>Row-major over <see cref="Window"/>.</summary>
    public byte[] Pixels { get; }

    /// <summary>An image-sized mask with no pixel set.</summary>
    public static CroppedMask Empty(int imageHeight, int imageWidth) => new(imageHeight, imageWidth, default, []);

    /// <summary>A row-major H×W mask kept over the bounding rectangle of its nonzero pixels.</summary>
    public static CroppedMask FromFullFrame(ReadOnlySpan<byte> mask, int height, int width)
    {
        if (mask.Length != (long)height * width)
            throw new ArgumentException($"mask has {mask.Length} bytes, expected {height}x{width}", nameof(mask));
        return new CroppedMask(height, width, new MaskWindow(0, 0, width, height), mask.ToArray()).Tight();
    }

    public bool At(int x, int y) => Window.Contains(x, y) && Pixels[(y - Window.Y0) * Window.Width + (x - Window.X0)] != 0;

    /// <summary>Number of foreground pixels.</summary>
    public long Area
    {
        get
        {
            long area = 0;
            foreach (byte p in Pixels) if (p != 0) area++;
            return area;
        }
    }

    /// <summary>The row-major H×W mask (0/1), allocated on each call.</summary>
    public byte[] ToFullFrame()
    {
        var mask = new byte[(long)ImageHeight * ImageWidth];
        int w = Window.Width;
        for (int y = 0; y < Window.Height; y++)
            for (int x = 0; x < w; x++)
                if (Pixels[y * w + x] != 0) mask[(long)(Window.Y0 + y) * ImageWidth + Window.X0 + x] = 1;
        return mask;
    }

    /// <summary>The same mask over the bounding rectangle of its foreground (an empty window when it has none).</summary>
    public CroppedMask Tight()
    {
        int w = Window.Width, h = Window.Height;
        int x1 = w, y1 = h, x2 = -1, y2 = -1;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (Pixels[y * w + x] != 0)
                {
                    if (x < x1) x1 = x;
                    if (x > x2) x2 = x;
                    if (y < y1) y1 = y;
                    y2 = y;
                }
        if (x2 < 0) return Empty(ImageHeight, ImageWidth);
        if (x1 == 0 && y1 == 0 && x2 == w - 1 && y2 == h - 1) return this;
        int cw = x2 - x1 + 1, ch = y2 - y1 + 1;
        var crop = new byte[cw * ch];
        for (int y = 0; y < ch; y++) Array.Copy(Pixels, (y1 + y) * w + x1, crop, y * cw, cw);
        return new CroppedMask(ImageHeight, ImageWidth, new MaskWindow(Window.X0 + x1, Window.Y0 + y1, Window.X0 + x2 + 1, Window.Y0 + y2 + 1), crop);
    }

    /// <summary>This mask moved by (<paramref name="dx"/>, <paramref name="dy"/>) into an <paramref name="imageHeight"/>×<paramref name="imageWidth"/>
    /// image (a tile's mask placed in the whole image); the moved window must lie inside that image.</summary>
    public CroppedMask Translate(int dx, int dy, int imageHeight, int imageWidth) =>
        Window.IsEmpty ? Empty(imageHeight, imageWidth)
            : new(imageHeight, imageWidth, new MaskWindow(Window.X0 + dx, Window.Y0 + dy, Window.X1 + dx, Window.Y1 + dy), Pixels);

    /// <summary>The union of two masks of the same image.</summary>
    public CroppedMask Union(CroppedMask other)
    {
        CheckSameImage(other);
        if (other.Window.IsEmpty) return this;
        if (Window.IsEmpty) return other;
        var window = Window.Union(other.Window);
        var pixels = new byte[window.Area];
        for (int y = window.Y0; y < window.Y1; y++)
            for (int x = window.X0; x < window.X1; x++)
                if (At(x, y) || other.At(x, y)) pixels[(y - window.Y0) * window.Width + (x - window.X0)] = 1;
        return new CroppedMask(ImageHeight, ImageWidth, window, pixels);
    }

    /// <summary>IoU of the two masks counted inside <paramref name="region"/> only (0 when neither has a pixel there).</summary>
    public double IouWithin(CroppedMask other, MaskWindow region)
    {
        CheckSameImage(other);
        // Masks whose windows do not meet share no pixel: IoU 0, without visiting the rectangle spanning both
        // (tiling a crowded image compares thousands of such pairs).
        if (Window.Intersect(other.Window).IsEmpty) return 0;
        var r = region.Intersect(Window.Union(other.Window));
        long inter = 0, union = 0;
        for (int y = r.Y0; y < r.Y1; y++)
            for (int x = r.X0; x < r.X1; x++)
            {
                bool a = At(x, y), b = other.At(x, y);
                if (a && b) inter++;
                if (a || b) union++;
            }
        return union == 0 ? 0 : (double)inter / union;
    }

    void CheckSameImage(CroppedMask other)
    {
        if (other.ImageHeight != ImageHeight || other.ImageWidth != ImageWidth)
            throw new ArgumentException($"masks of a {ImageWidth}x{ImageHeight} and a {other.ImageWidth}x{other.ImageHeight} image", nameof(other));
    }
}
