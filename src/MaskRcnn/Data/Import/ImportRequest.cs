namespace MaskRcnn.Data.Import;

/// <summary>What to import and how (<see cref="DatasetImporter.Import"/>).</summary>
public sealed record ImportRequest
{
    public DatasetFormat Format { get; init; } = DatasetFormat.Auto;

    /// <summary>The annotation file or folder: a COCO/VIA/LabelMe JSON, a folder of LabelMe JSONs, a mask-folder root or a label-image folder.</summary>
    public required string InputPath { get; init; }

    /// <summary>
    /// Where the pictures are, for the formats whose JSON names them (COCO, VIA, LabelMe). Default: the JSON's
    /// folder (LabelMe: each <c>imagePath</c> relative to its JSON).
    /// </summary>
    public string? ImagesDirectory { get; init; }

    /// <summary>VIA: the region attribute that holds the class. Null: the only attribute there is, or one class when there is none.</summary>
    public string? ClassAttribute { get; init; }

    /// <summary>The class name for formats without classes (mask folders, label images, VIA without attributes).</summary>
    public string DefaultClassName { get; init; } = "object";

    /// <summary>Keep images without any instance, as negatives; by default they are left out (and counted).</summary>
    public bool KeepEmptyImages { get; init; }

    /// <summary>False: the first bad item throws <see cref="ImportFormatException"/>. True: bad items are skipped and listed in the summary.</summary>
    public bool SkipInvalid { get; init; }
}
