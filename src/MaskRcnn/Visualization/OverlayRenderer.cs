using MaskRcnn.Data.Images;
using MaskRcnn.Data.Masks;
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
            if (instances[rank].Mask is { } mask)
            {
                if (mask.ImageWidth != w || mask.ImageHeight != h)
                    throw new ArgumentException($"instance {rank} ({instances[rank].Label}): the mask is of a {mask.ImageWidth}×{mask.ImageHeight} image, this one is {w}×{h}");
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
        if (instance.Mask is not { } mask) return instance with { Box = box };
        if (mask.ImageWidth != fromW || mask.ImageHeight != fromH)
            throw new ArgumentException($"instance {instance.Label}: the mask is of a {mask.ImageWidth}×{mask.ImageHeight} image, this one is {fromW}×{fromH}");
        // Nearest neighbour: output pixel (x, y) takes source pixel (⌊(x + ½)/sx⌋, ⌊(y + ½)/sy⌋); only the outputs whose
        // source lies in the window can be set, a monotonic range per axis.
        int SourceX(int x) => Math.Min(fromW - 1, (int)((x + 0.5f) / sx));
        int SourceY(int y) => Math.Min(fromH - 1, (int)((y + 0.5f) / sy));
        var (x0, x1) = Range(toW, SourceX, mask.Window.X0, mask.Window.X1);
        var (y0, y1) = Range(toH, SourceY, mask.Window.Y0, mask.Window.Y1);
        var window = new MaskWindow(x0, y0, x1, y1);
        var scaled = new byte[window.Area];
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
                scaled[(y - y0) * window.Width + (x - x0)] = mask.At(SourceX(x), SourceY(y)) ? (byte)1 : (byte)0;
        return instance with { Box = box, Mask = new CroppedMask(toH, toW, window, scaled) };
    }

    /// <summary>The outputs [first, end) of 0..<paramref name="size"/> whose (non-decreasing) source lies in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    static (int First, int End) Range(int size, Func<int, int> source, int from, int to)
    {
        int first = 0;
        while (first < size && source(first) < from) first++;
        int end = first;
        while (end < size && source(end) < to) end++;
        return (first, end);
    }

    /// <summary>Fills and outlines the mask within its window: outside it the mask has no pixel, and the outline
    /// (<see cref="MaskContour"/>, which counts beyond the border as outside) is the same on the crop as on the image.</summary>
    void BlendMask(SKBitmap image, CroppedMask mask, SKColor color)
    {
        int w = image.Width;
        var window = mask.Window;
        if (window.IsEmpty) return;
        var boundary = MaskContour.Boundary(mask.Pixels, window.Width, window.Height, LineWidth);
        var pixels = image.GetPixelSpan(); // Rgba8888, see RgbBitmap
        float a = MaskAlpha;
        for (int i = 0; i < mask.Pixels.Length; i++)
        {
            if (mask.Pixels[i] == 0) continue;
            int p = ((window.Y0 + i / window.Width) * w + window.X0 + i % window.Width) * 4;
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
