using MaskRcnn.Data.Coco;

namespace MaskRcnn.Data.Import;

/// <summary>Training or evaluation data in any supported layout, as the COCO records a <see cref="CocoDataset"/> is built from.</summary>
public static class ImportedDataset
{
    /// <summary>
    /// Reads <paramref name="annotations"/> (a file or folder) in <paramref name="format"/>: COCO as it is, any other
    /// layout (or <see cref="DatasetFormat.Auto"/>'s pick) through <see cref="DatasetImporter"/>, whose detection and
    /// counts are told to <paramref name="notice"/>. Returns the records and the folder their file names are relative to.
    /// </summary>
    /// <param name="annotations">A COCO/VIA/LabelMe JSON file, or a mask or label-image folder.</param>
    /// <param name="images">The pictures' folder; null where the layout holds them (mask folders) or beside the file.</param>
    /// <param name="format">The layout, or <see cref="DatasetFormat.Auto"/> to detect it.</param>
    /// <param name="notice">Receives the detected format and the import's counts; null to drop them.</param>
    public static (CocoInstances Instances, string ImagesDirectory) Read(string annotations, string? images, DatasetFormat format, Action<string>? notice)
    {
        if (format == DatasetFormat.Coco)
            return (CocoJson.ReadInstances(annotations), images ?? Path.GetDirectoryName(Path.GetFullPath(annotations))!);
        var result = DatasetImporter.Import(new ImportRequest { Format = format, InputPath = annotations, ImagesDirectory = images });
        notice?.Invoke($"{annotations}: {DatasetFormatNames.Name(result.Format)} ({result.FormatReason}): {result.Summary.Describe()}");
        foreach (var skipped in result.Summary.Skipped.Take(5)) notice?.Invoke($"skipped: {skipped}");
        return (result.Instances, result.ImagesDirectory);
    }
}
