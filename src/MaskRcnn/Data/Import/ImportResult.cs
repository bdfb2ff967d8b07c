using MaskRcnn.Data.Coco;

namespace MaskRcnn.Data.Import;

/// <summary>An item left out of an import, and why.</summary>
public sealed record SkippedItem(string File, string Item, string Reason)
{
    public override string ToString() => Item.Length == 0 ? $"{File}: {Reason}" : $"{File}: {Item} {Reason}";
}

/// <summary>What an import found: counts, and every item it left out with the reason.</summary>
public sealed record ImportSummary
{
    public int Images { get; init; }
    public int Instances { get; init; }
    public int Categories { get; init; }

    /// <summary>Images without instances left out (<see cref="ImportRequest.KeepEmptyImages"/> false).</summary>
    public int EmptyImagesLeftOut { get; init; }

    public IReadOnlyList<SkippedItem> Skipped { get; init; } = [];

    /// <summary>One line, e.g. <c>12 images, 635 instances, 1 class; 0 items skipped</c>.</summary>
    public string Describe() =>
        $"{Images} images, {Instances} instances, {Categories} {(Categories == 1 ? "class" : "classes")}" +
        (EmptyImagesLeftOut > 0 ? $"; {EmptyImagesLeftOut} images without instances left out (keep them with --keep-empty-images)" : "") +
        $"; {Skipped.Count} items skipped";
}

/// <summary>
/// Imported annotations in the one internal representation. <see cref="CocoImageInfo.FileName"/> is relative to
/// <see cref="ImagesDirectory"/> and may hold subfolders (mask folders: <c>&lt;id&gt;/images/&lt;id&gt;.png</c>).
/// </summary>
public sealed record ImportResult
{
    public required CocoInstances Instances { get; init; }
    public required string ImagesDirectory { get; init; }
    public required DatasetFormat Format { get; init; }

    /// <summary>Why this format was used: "given", or what the detector saw.</summary>
    public required string FormatReason { get; init; }

    public required ImportSummary Summary { get; init; }
}
