using MaskRcnn.Data.Images;
using SkiaSharp;

namespace MaskRcnn.Visualization;

/// <summary>One row of a comparison grid: the same image with predictions and with ground truth drawn on it.</summary>
public sealed record ComparisonRow(RgbImage Prediction, RgbImage GroundTruth, string? Caption = null);

/// <summary>
/// Side-by-side "prediction | ground truth" rows in one image, each panel scaled to a common width, under
/// column headers; used by the report and by <c>maskrcnn eval --save-grid</c>.
/// </summary>
public static class ComparisonGrid
{
    const int Gutter = 6;

    public static RgbImage Compose(IReadOnlyList<ComparisonRow> rows, int cellWidth = 400)
    {
        if (rows.Count == 0) throw new ArgumentException("a comparison grid needs at least one row", nameof(rows));
        if (cellWidth < 16) throw new ArgumentOutOfRangeException(nameof(cellWidth), cellWidth, "cells must be at least 16 pixels wide");
        using var font = new SKFont(CaptionTypeface.Value, 14) { Edging = SKFontEdging.Antialias };
        font.GetFontMetrics(out var metrics);
        int lineHeight = (int)MathF.Ceiling(-metrics.Ascent + metrics.Descent) + 6;

        static int ScaledHeight(RgbImage b, int width) => Math.Max(1, (int)Math.Round((double)b.Height * width / b.Width));
        var rowHeights = rows.Select(r => Math.Max(ScaledHeight(r.Prediction, cellWidth), ScaledHeight(r.GroundTruth, cellWidth))
                                          + (r.Caption is null ? 0 : lineHeight)).ToList();
        int width = 2 * cellWidth + 3 * Gutter;
        int height = lineHeight + rowHeights.Sum() + (rows.Count + 1) * Gutter;
        using var grid = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(grid);
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var sampling = new SKPaint { IsAntialias = true };
        canvas.DrawText("prediction", Gutter, Gutter - metrics.Ascent, SKTextAlign.Left, font, text);
        canvas.DrawText("ground truth", 2 * Gutter + cellWidth, Gutter - metrics.Ascent, SKTextAlign.Left, font, text);

        int y = lineHeight + Gutter;
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (row.Caption is not null)
            {
                canvas.DrawText(row.Caption, Gutter, y - metrics.Ascent, SKTextAlign.Left, font, text);
                y += lineHeight;
            }
            foreach (var (panel, column) in new[] { (row.Prediction, 0), (row.GroundTruth, 1) })
            {
                using var bitmap = RgbBitmap.FromRgb(panel);
                using var image = SKImage.FromBitmap(bitmap);
                var dest = SKRect.Create(Gutter + column * (cellWidth + Gutter), y, cellWidth, ScaledHeight(panel, cellWidth));
                canvas.DrawImage(image, dest, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), sampling);
            }
            y += rowHeights[i] - (row.Caption is null ? 0 : lineHeight) + Gutter;
        }
        return RgbBitmap.ToRgb(grid);
    }
}
