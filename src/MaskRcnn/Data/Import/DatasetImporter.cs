namespace MaskRcnn.Data.Import;

/// <summary>
/// The one entry point from a lab's annotations to <see cref="Coco.CocoInstances"/>: detects the format when
/// asked (<see cref="DatasetFormat.Auto"/>), imports, and reports counts and every skipped item.
/// </summary>
public static class DatasetImporter
{
    public static ImportResult Import(ImportRequest request)
    {
        if (!File.Exists(request.InputPath) && !Directory.Exists(request.InputPath))
            throw new FileNotFoundException($"annotation input {Path.GetFullPath(request.InputPath)} not found", request.InputPath);
        var (format, reason) = request.Format == DatasetFormat.Auto
            ? DatasetFormatDetector.Detect(request.InputPath)
            : new FormatDetection(request.Format, "given");
        return format switch
        {
            DatasetFormat.Coco => CocoImporter.Import(request, reason),
            DatasetFormat.MaskFolders => MaskFolderImporter.Import(request, reason),
            DatasetFormat.LabelImages => LabelImageImporter.Import(request, reason),
            DatasetFormat.Via => ViaImporter.Import(request, reason),
            DatasetFormat.LabelMe => LabelMeImporter.Import(request, reason),
            _ => throw new ArgumentException($"unknown dataset format {format}"),
        };
    }
}
