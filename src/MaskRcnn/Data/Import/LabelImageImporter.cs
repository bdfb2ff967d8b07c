using MaskRcnn.Data.Images;
using MaskRcnn.Data.Masks;

namespace MaskRcnn.Data.Import;

/// <summary>
/// Instance label images (CellPose, StarDist): 0 is background and each other value one instance; 8- or 16-bit
/// gray PNG or TIFF (an 8-bit colour image: each colour one instance). Pairings accepted, by file stem:
/// <list type="bullet">
/// <item>a folder with <c>images/</c> and <c>labels/</c> (or <c>masks/</c>) subfolders: <c>labels/x.tif</c>
/// (or <c>labels/x_masks.png</c>, any suffix below) labels <c>images/x.*</c> — StarDist's layout;</item>
/// <item>one flat folder: <c>x_masks.png</c> labels <c>x.*</c>, with suffix <c>_masks</c>, <c>_cp_masks</c>,
/// <c>_mask</c>, <c>_labels</c> or <c>_label</c> — CellPose's layout.</item>
/// </list>
/// A label image without a picture is an error; a picture without a label image is left out and counted.
/// Instances become RLE segmentations (one class, <see cref="ImportRequest.DefaultClassName"/>).
/// </summary>
internal static class LabelImageImporter
{
    public static readonly string[] Suffixes = ["_cp_masks", "_masks", "_mask", "_labels", "_label"];

    public static readonly string[] LabelFolders = ["labels", "masks"];

    /// <summary>The pictures folder and the labels folder for the two-folder layout, or null.</summary>
    public static (string Images, string Labels)? SplitFolders(string root)
    {
        string images = Path.Combine(root, "images");
        if (!Directory.Exists(images)) return null;
        foreach (var name in LabelFolders)
            if (Directory.Exists(Path.Combine(root, name)) && ImageFiles.In(Path.Combine(root, name)).Count > 0)
                return (images, Path.Combine(root, name));
        return null;
    }

    /// <summary>The label files of a flat folder (those whose stem ends with a label suffix).</summary>
    public static IReadOnlyList<string> FlatLabelFiles(string directory) =>
        ImageFiles.In(directory).Where(f => SuffixOf(Path.GetFileNameWithoutExtension(f)) is not null).ToList();

    static string? SuffixOf(string stem) => Suffixes.FirstOrDefault(s => stem.EndsWith(s, StringComparison.OrdinalIgnoreCase));

    public static ImportResult Import(ImportRequest request, string reason)
    {
        string root = Path.GetFullPath(request.InputPath);
        if (!Directory.Exists(root))
            throw new ImportFormatException($"{root}: label images need a directory (images/ + labels/, or x.png + x_masks.png)");
        var split = SplitFolders(root);
        string imagesDir = split?.Images ?? root, labelsDir = split?.Labels ?? root;
        var labelFiles = split is null ? FlatLabelFiles(root) : ImageFiles.In(labelsDir);
        if (labelFiles.Count == 0)
            throw new ImportFormatException($"{root}: no label images found (looked for images/ + labels/ or masks/, and for x{Suffixes[1]}.png beside x.png)");
        var labelSet = labelFiles.ToHashSet();
        var pictures = ImageFiles.In(imagesDir).Where(p => !labelSet.Contains(p)).ToList();
        var pictureByStem = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var picture in pictures)
            if (!pictureByStem.TryAdd(Path.GetFileNameWithoutExtension(picture), picture))
                throw new ImportFormatException($"{picture}: another picture in {imagesDir} has the same stem '{Path.GetFileNameWithoutExtension(picture)}'; the pairing by stem would be ambiguous");

        var builder = new InstancesBuilder(request);
        var labelled = new HashSet<string>();
        var pairs = new List<(string Picture, string Labels)>();
        foreach (var labelFile in labelFiles)
        {
            string stem = Path.GetFileNameWithoutExtension(labelFile);
            string? suffix = SuffixOf(stem);
            string pictureStem = suffix is null ? stem : stem[..^suffix.Length];
            if (!pictureByStem.TryGetValue(pictureStem, out var picture) && !(split is not null && pictureByStem.TryGetValue(stem, out picture)))
            {
                builder.Reject(labelFile, "label image", $"has no partner picture (looked for {pictureStem}.* in {imagesDir})");
                continue;
            }
            if (!labelled.Add(picture))
            {
                builder.Reject(labelFile, "label image", $"is a second label image for {Path.GetFileName(picture)}");
                continue;
            }
            pairs.Add((picture, labelFile));
        }
        foreach (var picture in pictures.Where(p => !labelled.Contains(p)))
            builder.Skip(picture, "picture", "has no label image");

        foreach (var (picture, labelFile) in pairs.OrderBy(p => p.Picture, StringComparer.Ordinal))
        {
            var (width, height) = ImageIo.ReadSize(picture);
            var labels = ImageIo.LoadLabels(labelFile);
            if (labels.Width != width || labels.Height != height)
            {
                builder.Reject(labelFile, "label image", $"is {labels.Width}x{labels.Height} but its picture {Path.GetFileName(picture)} is {width}x{height}");
                continue;
            }
            var image = builder.AddImage(Path.GetRelativePath(imagesDir, picture).Replace('\\', '/'), width, height);
            foreach (var (value, rle) in MaskApi.EncodeLabels(labels.Labels, height, width))
                builder.AddMask(image, request.DefaultClassName, rle, labelFile, $"label {value}");
        }
        var (instances, summary) = builder.Build();
        return new ImportResult { Instances = instances, ImagesDirectory = imagesDir, Format = DatasetFormat.LabelImages, FormatReason = reason, Summary = summary };
    }
}
