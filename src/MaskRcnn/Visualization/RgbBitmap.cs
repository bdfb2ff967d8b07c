using SkiaSharp;

namespace MaskRcnn.Visualization;

/// <summary>Conversions between packed RGB bytes (height × width × 3) and opaque RGBA Skia bitmaps, and PNG output.</summary>
public static class RgbBitmap
{
    public static SKBitmap FromRgb(int width, int height, ReadOnlySpan<byte> rgb)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"image size {width}×{height} is empty");
        if (rgb.Length != width * height * 3)
            throw new ArgumentException($"RGB buffer has {rgb.Length} bytes, a {width}×{height} image needs {width * height * 3}", nameof(rgb));
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var dst = bitmap.GetPixelSpan();
        for (int i = 0, n = width * height; i < n; i++)
        {
            dst[4 * i] = rgb[3 * i];
            dst[4 * i + 1] = rgb[3 * i + 1];
            dst[4 * i + 2] = rgb[3 * i + 2];
            dst[4 * i + 3] = 255;
        }
        return bitmap;
    }

    public static byte[] ToRgb(SKBitmap bitmap)
    {
        using var rgba = bitmap.ColorType == SKColorType.Rgba8888 ? null : bitmap.Copy(SKColorType.Rgba8888);
        var src = (rgba ?? bitmap).GetPixelSpan();
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        for (int i = 0, n = bitmap.Width * bitmap.Height; i < n; i++)
        {
            rgb[3 * i] = src[4 * i];
            rgb[3 * i + 1] = src[4 * i + 1];
            rgb[3 * i + 2] = src[4 * i + 2];
        }
        return rgb;
    }

    /// <summary>Writes a PNG atomically (temporary file, then rename).</summary>
    public static void SavePng(SKBitmap bitmap, string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException($"{path}: PNG encoding failed");
        var tmp = full + ".tmp-" + Environment.ProcessId;
        using (var fs = File.Create(tmp)) data.SaveTo(fs);
        File.Move(tmp, full, overwrite: true);
    }
}
