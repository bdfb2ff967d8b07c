namespace MaskRcnn.Data.Import;

/// <summary>The picture and label files importers look for, by extension (case-insensitive).</summary>
internal static class ImageFiles
{
    public static readonly string[] Extensions = [".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp"];

    public static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>The image files directly in <paramref name="directory"/>, sorted by name (ordinal) for a stable order.</summary>
    public static IReadOnlyList<string> In(string directory) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory).Where(IsImage).Order(StringComparer.Ordinal).ToList()
            : [];
}
