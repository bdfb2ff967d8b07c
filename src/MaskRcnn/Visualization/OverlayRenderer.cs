using MaskRcnn.Data.Images;
using SkiaSharp;

namespace MaskRcnn.Visualization;

/// <summary>
/// Draws instances over an image: translucent masks with a crisp opaque contour, box outlines, and
/// "class score" captions on a filled label in the instance's colour with black or white text, so captions
/// read on dark and light images alike. Colours follow the instances' order (rank), captions are kept
/// inside the image, and nothing is drawn outside it.
/// </summary>
public sealed record OverlayRenderer
{
    /// <summary>Opacity of the mask fill.</summary>
    public float MaskAlpha { get; init; } = 0.45f;

    /// <summary>Width in pixels of the mask contour and the box outline.</summary>
    public int LineWidth { get; init; } = 2;

    /// <summary>Caption text height in pixels; null scales it with the image (about 1/40 of the shorter side, at least 11).</summary>
    public float? FontSize { get; init; }

    public bool DrawBoxes { get; init; } = true;

    /// <summary>Draws <paramref name="instances"/> (in rank order) onto <paramref name="image"/> in place.</summary>
    internal void Draw(SKBitmap image, IReadOnlyList<InstanceOverlay> instances)
    {
        int w = image.Width, h = image.Height;
        for (int rank = 0; rank < instances.Count; rank++)
        {
            if (instances[rank].Mask is byte[] mask)
            {
                if (mask.Length != w * h)
                    throw new ArgumentException($"instance {rank} ({instances[rank].Label}): mask has {mask.Length} values, the image {w}×{h} needs {w * h}");
                BlendMask(image, mask, InstancePalette.ForRank(rank));
            }
        }

        using var canvas = new SKCanvas(image);
        using var font = new SKFont(CaptionTypeface.Value, FontSize ?? Math.Max(11f, Math.Min(w, h) / 40f)) { Edging = SKFontEdging.Antialias };
        using var stroke = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = LineWidth, IsAntialias = false };
        using var fill = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = true };
        for (int rank = 0; rank < instances.Count; rank++)
        {
            var instance = instances[rank];
            var color = InstancePalette.ForRank(rank);
            var box = instance.Box;
            if (DrawBoxes)
            {
                stroke.Color = color;
                // Inset by half the stroke so the outline lies inside the box, as the box's pixels do.
                float half = LineWidth / 2f;
                canvas.DrawRect(SKRect.Create(box.X1 + half, box.Y1 + half, Math.Max(0, box.X2 - box.X1 - LineWidth), Math.Max(0, box.Y2 - box.Y1 - LineWidth)), stroke);
            }
            DrawCaption(canvas, font, fill, instance.Caption, color, box, w, h);
        }
    }

    /// <summary>A copy of <paramref name="image"/> with <paramref name="instances"/> drawn on it in rank order.</summary>
    public RgbImage Render(RgbImage image, IReadOnlyList<InstanceOverlay> instances)
    {
        using var bitmap = RgbBitmap.FromRgb(image);
        Draw(bitmap, instances);
        return RgbBitmap.ToRgb(bitmap);
    }

    /// <summary>
    /// Like <see cref="Render(RgbImage, IReadOnlyList{InstanceOverlay})"/> on the image resized by
    /// <paramref name="scale"/> (bilinear; masks nearest-neighbour), so that small images get legible captions
    /// and crisp contours at display size.
    /// </summary>
    public RgbImage Render(RgbImage image, IReadOnlyList<InstanceOverlay> instances, double scale)
    {
        if (!(scale > 0)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the scale must be positive");
        if (scale == 1) return Render(image, instances);
        int w = Math.Max(1, (int)Math.Round(image.Width * scale)), h = Math.Max(1, (int)Math.Round(image.Height * scale));
        using var source = RgbBitmap.FromRgb(image);
        using var resized = source.Resize(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque), new SKSamplingOptions(SKFilterMode.Linear))
            ?? throw new InvalidOperationException($"resizing a {image.Width}×{image.Height} image to {w}×{h} failed");
        Draw(resized, instances.Select(i => Scaled(i, image.Width, image.Height, w, h)).ToList());
        return RgbBitmap.ToRgb(resized);
    }

    static InstanceOverlay Scaled(InstanceOverlay instance, int fromW, int fromH, int toW, int toH)
    {
        float sx = (float)toW / fromW, sy = (float)toH / fromH;
        var box = new BoxXyxy(instance.Box.X1 * sx, instance.Box.Y1 * sy, instance.Box.X2 * sx, instance.Box.Y2 * sy);
        if (instance.Mask is not byte[] mask) return instance with { Box = box };
        if (mask.Length != fromW * fromH)
            throw new ArgumentException($"instance {instance.Label}: mask has {mask.Length} values, the image {fromW}×{fromH} needs {fromW * fromH}");
        var scaled = new byte[toW * toH];
        for (int y = 0; y < toH; y++)
        {
            int srcRow = Math.Min(fromH - 1, (int)((y + 0.5f) / sy)) * fromW;
            for (int x = 0; x < toW; x++) scaled[y * toW + x] = mask[srcRow + Math.Min(fromW - 1, (int)((x + 0.5f) / sx))];
        }
        return instance with { Box = box, Mask = scaled };
    }

    void BlendMask(SKBitmap image, byte[] mask, SKColor color)
    {
        int w = image.Width, h = image.Height;
        var boundary = MaskContour.Boundary(mask, w, h, LineWidth);
        var pixels = image.GetPixelSpan(); // Rgba8888, see RgbBitmap
        float a = MaskAlpha;
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0) continue;
            int p = i * 4;
            if (boundary[i])
            {
                pixels[p] = color.Red;
                pixels[p + 1] = color.Green;
                pixels[p + 2] = color.Blue;
            }
            else
            {
                pixels[p] = (byte)MathF.Round(pixels[p] * (1 - a) + color.Red * a);
                pixels[p + 1] = (byte)MathF.Round(pixels[p + 1] * (1 - a) + color.Green * a);
                pixels[p + 2] = (byte)MathF.Round(pixels[p + 2] * (1 - a) + color.Blue * a);
            }
        }
    }

    static void DrawCaption(SKCanvas canvas, SKFont font, SKPaint fill, string text, SKColor color, BoxXyxy box, int w, int h)
    {
        float pad = MathF.Ceiling(font.Size * 0.2f);
        float textWidth = font.MeasureText(text);
        font.GetFontMetrics(out var metrics);
        float labelW = Math.Min(textWidth + 2 * pad, w);
        float labelH = MathF.Ceiling(-metrics.Ascent + metrics.Descent + 2 * pad);
        // Above the box's top-left corner when there is room, else just inside it; always within the image.
        float x = Math.Clamp(box.X1, 0, Math.Max(0, w - labelW));
        float y = box.Y1 - labelH >= 0 ? box.Y1 - labelH : Math.Clamp(box.Y1, 0, Math.Max(0, h - labelH));
        var label = SKRect.Create(x, y, labelW, labelH);
        fill.Color = color;
        canvas.DrawRect(label, fill);
        fill.Color = InstancePalette.TextColorOn(color);
        canvas.Save();
        canvas.ClipRect(label);
        canvas.DrawText(text, x + pad, y + pad - metrics.Ascent, SKTextAlign.Left, font, fill);
        canvas.Restore();
    }
}
