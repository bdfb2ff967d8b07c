using MaskRcnn.Data.Images;
using MaskRcnn.Data.Masks;

namespace MaskRcnn.Data.Import;

/// <summary>
/// The 2018 Data Science Bowl layout: <c>ROOT/&lt;id&gt;/images/&lt;one image&gt;</c> and
/// <c>ROOT/&lt;id&gt;/masks/*.png</c>, one binary mask per instance (nonzero = inside; any bit depth). Every
/// mask must have its image's size. Masks become RLE segmentations; file names are <c>&lt;id&gt;/images/&lt;file&gt;</c>
/// relative to ROOT. One class (<see cref="ImportRequest.DefaultClassName"/>).
/// </summary>
internal static class MaskFolderImporter
{
    public static bool IsSampleFolder(string directory) =>
        Directory.Exists(Path.Combine(directory, "images")) && Directory.Exists(Path.Combine(directory, "masks"));

    public static ImportResult Import(ImportRequest request, string reason)
    {
        string root = Path.GetFullPath(request.InputPath);
        if (!Directory.Exists(root))
            throw new ImportFormatException($"{root}: mask folders need a directory holding <id>/images/ and <id>/masks/");
        var builder = new InstancesBuilder(request);
        var samples = Directory.GetDirectories(root).Order(StringComparer.Ordinal).ToList();
        if (!samples.Any(IsSampleFolder))
            throw new ImportFormatException($"{root}: no <id>/images/ + <id>/masks/ folder found (the Data Science Bowl layout)");
        foreach (var sample in samples)
        {
            string id = Path.GetFileName(sample);
            if (!IsSampleFolder(sample))
            {
                builder.Skip(sample, "folder", "has no images/ and masks/ subfolders");
                continue;
            }
            var pictures = ImageFiles.In(Path.Combine(sample, "images"));
            if (pictures.Count != 1)
            {
                builder.Reject(Path.Combine(sample, "images"), "folder", $"holds {pictures.Count} images (expected exactly one)");
                continue;
            }
            string picture = pictures[0];
            var (width, height) = ImageIo.ReadSize(picture);
            var image = builder.AddImage(Path.GetRelativePath(root, picture).Replace('\\', '/'), width, height);
            foreach (var maskFile in ImageFiles.In(Path.Combine(sample, "masks")))
            {
                var labels = ImageIo.LoadLabels(maskFile);
                if (labels.Width != width || labels.Height != height)
                {
                    builder.Reject(maskFile, "mask", $"is {labels.Width}x{labels.Height} but image {Path.GetFileName(picture)} is {width}x{height}");
                    continue;
                }
                var binary = new byte[labels.Labels.Length];
                for (int i = 0; i < binary.Length; i++) binary[i] = labels.Labels[i] != 0 ? (byte)1 : (byte)0;
                builder.AddMask(image, request.DefaultClassName, MaskApi.Encode(binary, height, width), maskFile, $"mask of image {id}");
            }
        }
        var (instances, summary) = builder.Build();
        return new ImportResult { Instances = instances, ImagesDirectory = root, Format = DatasetFormat.MaskFolders, FormatReason = reason, Summary = summary };
    }
}
