using System.Globalization;

namespace MaskRcnn.Inference;

/// <summary>An image to run the model on: its file, the stem its outputs are named after, and its COCO image id.</summary>
public sealed record ImageInput(string Path, string Stem, long ImageId)
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    /// <summary>
    /// The images at <paramref name="path"/>: the file itself, a folder's PNG and JPEG files (not its
    /// sub-folders) sorted by name (ordinal), or the images a manifest (<c>.txt</c>) lists, sorted by path (ordinal). Image ids are the file stems when every stem is a distinct
    /// non-negative integer (COCO names such as <c>000000397133.jpg</c> give their COCO id), otherwise the
    /// 1-based positions in the sorted list — one rule for the whole list, so ids never collide.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">A folder or manifest without images, a manifest line naming no file, or two
    /// images with the same stem (their outputs would collide).</exception>
    public static IReadOnlyList<ImageInput> Resolve(string path)
    {
        string[] files;
        if (Directory.Exists(path))
        {
            files = Directory.EnumerateFiles(path)
                .Where(f => Extensions.Contains(System.IO.Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).ToArray();
            if (files.Length == 0) throw new InvalidDataException($"{path}: no PNG or JPEG images in the folder");
        }
        else if (File.Exists(path) && System.IO.Path.GetExtension(path).Equals(".txt", StringComparison.OrdinalIgnoreCase))
            files = ReadManifest(path);
        else if (File.Exists(path))
            files = [path];
        else
            throw new FileNotFoundException($"{path}: no such image file or folder", path);

        var stems = files.Select(f => System.IO.Path.GetFileNameWithoutExtension(f)).ToArray();
        var clash = stems.GroupBy(s => s, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new InvalidDataException($"{path}: several images are named '{clash.Key}' (their outputs would overwrite each other)");

        var numeric = stems.Select(s => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long id) ? id : (long?)null).ToArray();
        bool useStems = numeric.All(id => id is not null) && numeric.Distinct().Count() == numeric.Length;
        return files.Select((f, i) => new ImageInput(f, stems[i], useStems ? numeric[i]!.Value : i + 1)).ToList();
    }

    /// <summary>
    /// A manifest: one image path per line, relative to the manifest's folder unless absolute; blank lines and lines
    /// starting with <c>#</c> are skipped. Sorted, so the order (and a shard's share) does not depend on how it was listed.
    /// </summary>
    static string[] ReadManifest(string manifest)
    {
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(manifest))!;
        var files = new List<string>();
        int number = 0;
        foreach (string raw in File.ReadLines(manifest))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            string file = System.IO.Path.GetFullPath(line, folder);
            if (!File.Exists(file)) throw new InvalidDataException($"{manifest}:{number}: no such image file '{line}'");
            files.Add(file);
        }
        if (files.Count == 0) throw new InvalidDataException($"{manifest}: the manifest lists no images");
        return [.. files.Order(StringComparer.Ordinal)];
    }
}
