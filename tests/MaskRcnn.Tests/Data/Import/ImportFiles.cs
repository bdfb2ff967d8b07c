using MaskRcnn.Data.Images;

namespace MaskRcnn.Tests.Data.Import;

/// <summary>Small hand-made pictures and masks for the importer tests.</summary>
static class ImportFiles
{
    /// <summary>Writes a gray RGB PNG of the given size and returns its path.</summary>
    public static string Picture(string path, int width, int height)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var image = new RgbImage(width, height);
        for (int i = 0; i < image.Pixels.Length; i++) image.Pixels[i] = (byte)(i * 7 % 251);
        ImageIo.SavePng(image, path);
        return path;
    }

    /// <summary>Writes a binary mask PNG (255 inside, 0 outside) and returns its path.</summary>
    public static string Mask(string path, int width, int height, Func<int, int, bool> inside)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                if (inside(x, y))
                    image.Pixels[(y * width + x) * 3] = image.Pixels[(y * width + x) * 3 + 1] = image.Pixels[(y * width + x) * 3 + 2] = 255;
        ImageIo.SavePng(image, path);
        return path;
    }

    public static string Text(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }
}
