using MaskRcnn.Data.Images;
using SkiaSharp;

namespace MaskRcnn.Visualization;

/// <summary>Conversions between <see cref="RgbImage"/> and the opaque RGBA Skia bitmaps drawing happens on.</summary>
static class RgbBitmap
{
    public static SKBitmap FromRgb(RgbImage image)
    {
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var dst = bitmap.GetPixelSpan();
        var rgb = image.Pixels;
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            dst[j] = rgb[i];
            dst[j + 1] = rgb[i + 1];
            dst[j + 2] = rgb[i + 2];
            dst[j + 3] = 255;
        }
        return bitmap;
    }

    public static RgbImage ToRgb(SKBitmap bitmap)
    {
        using var converted = bitmap.ColorType == SKColorType.Rgba8888 ? null : bitmap.Copy(SKColorType.Rgba8888);
        var src = (converted ?? bitmap).GetPixelSpan();
        var image = new RgbImage(bitmap.Width, bitmap.Height);
        var rgb = image.Pixels;
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgb[i] = src[j];
            rgb[i + 1] = src[j + 1];
            rgb[i + 2] = src[j + 2];
        }
        return image;
    }
}
