namespace MaskRcnn.Data.Import;

/// <summary>The annotation layouts <see cref="DatasetImporter"/> reads. CLI names are the lower-case forms below.</summary>
public enum DatasetFormat
{
    /// <summary>Let <see cref="DatasetFormatDetector"/> decide, and say why.</summary>
    Auto,

    /// <summary>COCO instances JSON (<c>coco</c>), including the relaxed forms users have (no <c>bbox</c>, uncompressed RLE).</summary>
    Coco,

    /// <summary>Data Science Bowl folders (<c>masks</c>): <c>&lt;id&gt;/images/&lt;id&gt;.png</c> + <c>&lt;id&gt;/masks/*.png</c>, one binary PNG per instance.</summary>
    MaskFolders,

    /// <summary>Instance label images (<c>labels</c>): 0 background, each other value one instance (CellPose/StarDist).</summary>
    LabelImages,

    /// <summary>VGG Image Annotator 2.x project or exported region JSON (<c>via</c>).</summary>
    Via,

    /// <summary>LabelMe JSON, one file per image (<c>labelme</c>): a file or a folder of them.</summary>
    LabelMe,
}

/// <summary>The formats' command-line names.</summary>
public static class DatasetFormatNames
{
    public static IReadOnlyList<string> All { get; } = ["auto", "coco", "masks", "labels", "via", "labelme"];

    public static string Name(DatasetFormat format) => All[(int)format];

    public static DatasetFormat Parse(string name)
    {
        int i = All.ToList().IndexOf(name.ToLowerInvariant());
        return i >= 0 ? (DatasetFormat)i : throw new ArgumentException($"unknown dataset format '{name}' (expected one of {string.Join(", ", All)})");
    }
}
