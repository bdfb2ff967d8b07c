using MaskRcnn.Data.Coco;

namespace MaskRcnn.Data.Import;

/// <summary>An import written as a COCO dataset: the JSON, and the folder its file names are relative to.</summary>
public sealed record ConvertedDataset(string AnnotationsPath, string ImagesDirectory, bool ImagesCopied, CocoInstances Instances);

/// <summary>
/// Writes an <see cref="ImportResult"/> as a COCO instances JSON that <see cref="CocoJson.ReadInstances"/> accepts
/// strictly (it is read back before it replaces anything). When the source layout is nested (file names with
/// folders, e.g. mask folders' <c>&lt;id&gt;/images/&lt;id&gt;.png</c>), the pictures are copied, bytes unchanged,
/// into <c>&lt;json stem&gt;_images/</c> next to the JSON and the file names become plain names; otherwise the JSON
/// refers to the pictures where they are.
/// </summary>
public static class ConvertedDatasetWriter
{
    public static bool IsNested(ImportResult result) =>
        result.Instances.Images.Any(i => i.FileName.Contains('/') || i.FileName.Contains('\\'));

    /// <summary>The folder the pictures are copied into, or null when they stay where they are.</summary>
    public static string? CopyFolder(ImportResult result, string annotationsPath)
    {
        if (!IsNested(result)) return null;
        string full = Path.GetFullPath(annotationsPath);
        return Path.Combine(Path.GetDirectoryName(full)!, Path.GetFileNameWithoutExtension(full) + "_images");
    }

    /// <summary>Outputs that writing would replace: the JSON, and the picture copies that already exist.</summary>
    public static IReadOnlyList<string> ExistingOutputs(ImportResult result, string annotationsPath)
    {
        var existing = new List<string>();
        if (File.Exists(annotationsPath)) existing.Add(Path.GetFullPath(annotationsPath));
        if (CopyFolder(result, annotationsPath) is { } folder)
            existing.AddRange(FlatNames(result.Instances.Images).Values.Select(n => Path.Combine(folder, n)).Where(File.Exists));
        return existing;
    }

    public static ConvertedDataset Write(ImportResult result, string annotationsPath)
    {
        string json = Path.GetFullPath(annotationsPath);
        Directory.CreateDirectory(Path.GetDirectoryName(json)!);
        var instances = result.Instances;
        string imagesDir = result.ImagesDirectory;
        string? folder = CopyFolder(result, json);
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
            var names = FlatNames(instances.Images);
            foreach (var image in instances.Images)
                File.Copy(Path.Combine(result.ImagesDirectory, image.FileName), Path.Combine(folder, names[image.Id]), overwrite: true);
            instances = instances with { Images = instances.Images.Select(i => i with { FileName = names[i.Id] }).ToList() };
            imagesDir = folder;
        }
        string temp = json + ".partial";
        CocoJson.WriteInstances(temp, instances);
        try
        {
            CocoJson.ReadInstances(temp); // strict: what was written is what train and eval will accept
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        File.Move(temp, json, overwrite: true);
        return new ConvertedDataset(json, imagesDir, folder is not null, instances);
    }

    /// <summary>Each image's plain file name; a name that repeats gets its image id in front (<c>7_x.png</c>).</summary>
    static Dictionary<long, string> FlatNames(IReadOnlyList<CocoImageInfo> images)
    {
        var repeated = images.GroupBy(i => Path.GetFileName(i.FileName), StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return images.ToDictionary(i => i.Id, i => repeated.Contains(Path.GetFileName(i.FileName)) ? $"{i.Id}_{Path.GetFileName(i.FileName)}" : Path.GetFileName(i.FileName));
    }
}
