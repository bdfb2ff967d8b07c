using MaskRcnn.Data.Images;
using SkiaSharp;

namespace MaskRcnn.Visualization;

/// <summary>Boxes drawn in one colour under one legend entry (the anchors of one feature level).</summary>
public sealed record BoxGroup(string Label, IReadOnlyList<BoxXyxy> Boxes, float CentreX, float CentreY);

/// <summary>A box with a score in 0..1 that picks its colour (a region proposal and its objectness).</summary>
public readonly record struct ScoredBoxOverlay(BoxXyxy Box, float Score);

/// <summary>
/// One detection's mask twice: the mask head's raw <paramref name="Size"/>×<paramref name="Size"/> probabilities
/// (row-major) and the binary mask pasted into the image (row-major, the image's size), shown around <paramref name="Box"/>.
/// </summary>
public sealed record MaskPanel(string Caption, int Size, float[] Probabilities, BoxXyxy Box, byte[] Mask);

/// <summary>
/// The pictures of <c>maskrcnn inspect</c>: anchors at one location coloured by feature level, proposals coloured
/// by objectness, and raw-versus-pasted masks. Images are enlarged to a legible size (bilinear), a header above
/// the image carries the title and legend, and boxes are clipped to the image.
/// </summary>
public sealed record InspectionRenderer
{
    const int Pad = 6;

    /// <summary>Small images are enlarged so that their longer side is at least this many pixels.</summary>
    public int DisplaySize { get; init; } = 640;

    /// <summary>Side of each mask panel in pixels (the raw M×M grid is enlarged by a whole factor to about this).</summary>
    public int MaskCellSize { get; init; } = 112;

    public float FontSize { get; init; } = 14;

    /// <summary>The image with each group's boxes in its level colour, a cross at the inspected location and a dot on each group's centre.</summary>
    public RgbImage RenderAnchors(RgbImage image, IReadOnlyList<BoxGroup> groups, float locationX, float locationY, string title)
    {
        var legend = groups.Select((g, i) => (g.Label, InstancePalette.ForRank(i))).ToList();
        return Framed(image, title, legend, (canvas, map) =>
        {
            using var stroke = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = 2, IsAntialias = true };
            using var dot = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = true };
            // Largest anchors first, so the small ones stay visible on top.
            for (int g = groups.Count - 1; g >= 0; g--)
            {
                stroke.Color = InstancePalette.ForRank(g);
                foreach (var box in groups[g].Boxes) canvas.DrawRect(map.Rect(box), stroke);
                dot.Color = InstancePalette.ForRank(g);
                canvas.DrawCircle(map.Point(groups[g].CentreX, groups[g].CentreY), 3.5f, dot);
            }
            var at = map.Point(locationX, locationY);
            stroke.Color = SKColors.White;
            stroke.StrokeWidth = 3;
            DrawCross(canvas, at, 11, stroke);
            stroke.Color = SKColors.Black;
            stroke.StrokeWidth = 1;
            DrawCross(canvas, at, 10, stroke);
        });
    }

    /// <summary>The image with the boxes coloured by score (blue 0 → red 1), the best drawn last (on top).</summary>
    public RgbImage RenderScoredBoxes(RgbImage image, IReadOnlyList<ScoredBoxOverlay> boxes, string title)
    {
        var legend = new List<(string, SKColor)> { ("score 0", ScoreColor(0)), ("0.5", ScoreColor(0.5f)), ("1", ScoreColor(1)) };
        return Framed(image, title, legend, (canvas, map) =>
        {
            using var stroke = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = 1.5f, IsAntialias = true };
            foreach (var b in boxes.OrderBy(b => b.Score))
            {
                stroke.Color = ScoreColor(b.Score);
                canvas.DrawRect(map.Rect(b.Box), stroke);
            }
        });
    }

    /// <summary>
    /// A grid with, per detection, its caption, the raw probabilities (grey: black 0 → white 1, enlarged nearest
    /// neighbour so the M×M grid shows) and the pasted binary mask cropped around its box (white inside).
    /// </summary>
    public RgbImage RenderMasks(int imageWidth, int imageHeight, IReadOnlyList<MaskPanel> panels, string title)
    {
        using var font = new SKFont(CaptionTypeface.Value, FontSize) { Edging = SKFontEdging.Antialias };
        font.GetFontMetrics(out var metrics);
        int lineHeight = (int)MathF.Ceiling(-metrics.Ascent + metrics.Descent) + 4;
        int columns = Math.Clamp(panels.Count, 1, 2);
        int rows = Math.Max(1, (panels.Count + columns - 1) / columns);
        int cell = MaskCellSize;
        int pairWidth = 2 * cell + Pad;
        int width = Math.Max(columns * pairWidth + (columns + 1) * 2 * Pad, (int)font.MeasureText(title) + 2 * Pad);
        int rowHeight = lineHeight + cell + 2 * Pad;
        int height = lineHeight + 2 * Pad + rows * rowHeight;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var frame = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = 1, Color = SKColors.Gray };
        canvas.DrawText(title, Pad, Pad - metrics.Ascent, SKTextAlign.Left, font, text);
        if (panels.Count == 0)
            canvas.DrawText("(no detections)", Pad, Pad + lineHeight - metrics.Ascent, SKTextAlign.Left, font, text);
        for (int i = 0; i < panels.Count; i++)
        {
            var p = panels[i];
            if (p.Probabilities.Length != p.Size * p.Size)
                throw new ArgumentException($"mask panel {i} ({p.Caption}): {p.Probabilities.Length} probabilities, a {p.Size}×{p.Size} mask needs {p.Size * p.Size}");
            if (p.Mask.Length != imageWidth * imageHeight)
                throw new ArgumentException($"mask panel {i} ({p.Caption}): mask has {p.Mask.Length} values, the image {imageWidth}×{imageHeight} needs {imageWidth * imageHeight}");
            float x = 2 * Pad + (i % columns) * (pairWidth + 2 * Pad);
            float y = lineHeight + 2 * Pad + (i / columns) * rowHeight;
            text.Color = InstancePalette.ForRank(i);
            canvas.Save();
            canvas.ClipRect(SKRect.Create(x, y, pairWidth, lineHeight));
            canvas.DrawText(p.Caption, x, y - metrics.Ascent, SKTextAlign.Left, font, text);
            canvas.Restore();
            y += lineHeight;
            var raw = SKRect.Create(x, y, cell, cell);
            DrawNearest(canvas, Grey(p.Probabilities, p.Size, p.Size), raw);
            canvas.DrawRect(raw, frame);
            var crop = CropAround(p.Box, imageWidth, imageHeight);
            var cropImage = Crop(p.Mask, imageWidth, crop);
            float fit = Math.Min((float)cell / crop.Width, (float)cell / crop.Height);
            var pasted = SKRect.Create(x + cell + Pad, y, crop.Width * fit, crop.Height * fit);
            DrawNearest(canvas, cropImage, pasted);
            canvas.DrawRect(pasted, frame);
        }
        return RgbBitmap.ToRgb(bitmap);
    }

    /// <summary>The box's pixels, widened by one pixel each side (the paste's padding) and kept inside the image.</summary>
    static SKRectI CropAround(BoxXyxy box, int w, int h)
    {
        int x1 = Math.Clamp((int)MathF.Floor(box.X1) - 1, 0, w - 1), y1 = Math.Clamp((int)MathF.Floor(box.Y1) - 1, 0, h - 1);
        int x2 = Math.Clamp((int)MathF.Ceiling(box.X2) + 1, x1 + 1, w), y2 = Math.Clamp((int)MathF.Ceiling(box.Y2) + 1, y1 + 1, h);
        return new SKRectI(x1, y1, x2, y2);
    }

    static RgbImage Crop(byte[] mask, int imageWidth, SKRectI crop)
    {
        var image = new RgbImage(crop.Width, crop.Height);
        for (int y = 0; y < crop.Height; y++)
            for (int x = 0; x < crop.Width; x++)
            {
                byte v = mask[(crop.Top + y) * imageWidth + crop.Left + x] != 0 ? (byte)255 : (byte)0;
                int i = 3 * (y * crop.Width + x);
                image.Pixels[i] = image.Pixels[i + 1] = image.Pixels[i + 2] = v;
            }
        return image;
    }

    static RgbImage Grey(float[] values, int w, int h)
    {
        var image = new RgbImage(w, h);
        for (int i = 0; i < values.Length; i++)
        {
            byte v = (byte)MathF.Round(Math.Clamp(values[i], 0f, 1f) * 255);
            image.Pixels[3 * i] = image.Pixels[3 * i + 1] = image.Pixels[3 * i + 2] = v;
        }
        return image;
    }

    static void DrawNearest(SKCanvas canvas, RgbImage image, SKRect dest)
    {
        using var bitmap = RgbBitmap.FromRgb(image);
        using var skImage = SKImage.FromBitmap(bitmap);
        canvas.DrawImage(skImage, dest, new SKSamplingOptions(SKFilterMode.Nearest));
    }

    static void DrawCross(SKCanvas canvas, SKPoint p, float r, SKPaint paint)
    {
        canvas.DrawLine(p.X - r, p.Y, p.X + r, p.Y, paint);
        canvas.DrawLine(p.X, p.Y - r, p.X, p.Y + r, paint);
    }

    /// <summary>Blue (score 0) through green to red (score 1), fully saturated so thin outlines stay visible.</summary>
    internal static SKColor ScoreColor(float score) => SKColor.FromHsv(240f * (1 - Math.Clamp(score, 0f, 1f)), 100, 100);

    /// <summary>Maps original image pixels to the enlarged image drawn below the header.</summary>
    readonly record struct ImageMap(float Scale, float Top)
    {
        public SKRect Rect(BoxXyxy b) => new(b.X1 * Scale, Top + b.Y1 * Scale, b.X2 * Scale, Top + b.Y2 * Scale);

        public SKPoint Point(float x, float y) => new(x * Scale, Top + y * Scale);
    }

    /// <summary>A header (title, then a colour legend) above the enlarged image; <paramref name="draw"/> is clipped to the image.</summary>
    RgbImage Framed(RgbImage image, string title, IReadOnlyList<(string Label, SKColor Color)> legend, Action<SKCanvas, ImageMap> draw)
    {
        float scale = Math.Max(1f, (float)DisplaySize / Math.Max(image.Width, image.Height));
        int w = (int)Math.Round(image.Width * scale), h = (int)Math.Round(image.Height * scale);
        scale = (float)w / image.Width;
        using var font = new SKFont(CaptionTypeface.Value, FontSize) { Edging = SKFontEdging.Antialias };
        font.GetFontMetrics(out var metrics);
        int lineHeight = (int)MathF.Ceiling(-metrics.Ascent + metrics.Descent) + 4;

        // Lay the legend out in lines that fit the width.
        var lines = new List<List<(string Label, SKColor Color, float X)>> { new() };
        float swatch = lineHeight - 6, cursor = Pad;
        foreach (var (label, color) in legend)
        {
            float itemWidth = swatch + 4 + font.MeasureText(label) + 2 * Pad;
            if (cursor + itemWidth > w && lines[^1].Count > 0) (lines, cursor) = ([.. lines, new()], Pad);
            lines[^1].Add((label, color, cursor));
            cursor += itemWidth;
        }
        int legendLines = legend.Count == 0 ? 0 : lines.Count;
        int header = Pad + (1 + legendLines) * lineHeight;

        using var bitmap = new SKBitmap(new SKImageInfo(w, h + header, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.Save();
        canvas.ClipRect(SKRect.Create(0, 0, w, header));
        canvas.DrawText(title, Pad, Pad - metrics.Ascent, SKTextAlign.Left, font, text);
        using var fill = new SKPaint { Style = SKPaintStyle.Fill };
        for (int l = 0; l < legendLines; l++)
        {
            float top = Pad + (1 + l) * lineHeight;
            foreach (var (label, color, x) in lines[l])
            {
                fill.Color = color;
                canvas.DrawRect(SKRect.Create(x, top + 2, swatch, swatch), fill);
                canvas.DrawText(label, x + swatch + 4, top - metrics.Ascent, SKTextAlign.Left, font, text);
            }
        }
        canvas.Restore();

        using (var source = RgbBitmap.FromRgb(image))
        using (var skImage = SKImage.FromBitmap(source))
            canvas.DrawImage(skImage, SKRect.Create(0, header, w, h), new SKSamplingOptions(SKFilterMode.Linear));
        canvas.Save();
        canvas.ClipRect(SKRect.Create(0, header, w, h));
        draw(canvas, new ImageMap(scale, header));
        canvas.Restore();
        return RgbBitmap.ToRgb(bitmap);
    }
}
