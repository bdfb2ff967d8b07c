using MaskRcnn.Data.Coco;

namespace MaskRcnn.Data.Import;

/// <summary>
/// COCO instances JSON as users have it, through <see cref="CocoJson.ReadInstances"/>: <c>bbox</c> optional (derived
/// from the segmentation), <c>area</c> optional, polygons, compressed or uncompressed RLE, any category ids. Images
/// without annotations are kept only with <see cref="ImportRequest.KeepEmptyImages"/>. File names are relative to
/// <see cref="ImportRequest.ImagesDirectory"/> (default: the JSON's folder).
/// </summary>
internal static class CocoImporter
{
    public static ImportResult Import(ImportRequest request, string reason)
    {
        string file = Path.GetFullPath(request.InputPath);
        var skipped = new List<SkippedItem>();
        var options = new CocoReadOptions(request.SkipInvalid, message => skipped.Add(new SkippedItem(file, "", message.Replace($"skipped: {file}: ", ""))));
        CocoInstances read;
        try
        {
            read = CocoJson.ReadInstances(file, options);
        }
        catch (CocoFormatException e)
        {
            throw new ImportFormatException(e.Message, e);
        }
        var (images, leftOut) = InstancesBuilder.KeepImages(read.Images, read.Annotations, request.KeepEmptyImages);
        return new ImportResult
        {
            Instances = read with { Images = images },
            ImagesDirectory = Path.GetFullPath(request.ImagesDirectory ?? Path.GetDirectoryName(file)!),
            Format = DatasetFormat.Coco,
            FormatReason = reason,
            Summary = new ImportSummary
            {
                Images = images.Count, Instances = read.Annotations.Count, Categories = read.Categories.Count,
                EmptyImagesLeftOut = leftOut, Skipped = skipped,
            },
        };
    }
}
