using MaskRcnn.Data.Masks;

namespace MaskRcnn.Data.Coco;

/// <summary>
/// The consistency rules a COCO file must satisfy before training or evaluation uses it. Each rule returns
/// the problem as text (null when the item is fine) so the reader can either throw or skip and warn.
/// </summary>
internal static class CocoValidation
{
    /// <summary>
    /// COCO's boxes come from polygon vertices that may sit a fraction of a pixel past the border, so a box is
    /// "outside the image" only when it overshoots by more than this many pixels.
    /// </summary>
    public const double BorderTolerance = 1.0;

    public static string? AnnotationProblem(CocoAnnotation a, CocoImageInfo? image, bool knownCategory)
    {
        if (image is null)
            return $"refers to image_id {a.ImageId}, which is not in 'images'";
        if (!knownCategory)
            return $"refers to category_id {a.CategoryId}, which is not in 'categories'";
        return BoxProblem(a.Bbox, image) ?? SegmentationProblem(a.Segmentation, image);
    }

    public static string? BoxProblem(double[] box, CocoImageInfo image)
    {
        if (box.Length != 4 || !box.All(double.IsFinite))
            return $"has bbox [{string.Join(", ", box)}], which is not 4 finite numbers [x, y, w, h]";
        if (box[2] <= 0 || box[3] <= 0)
            return $"has bbox [{string.Join(", ", box)}] with zero or negative size";
        if (box[0] < -BorderTolerance || box[1] < -BorderTolerance
            || box[0] + box[2] > image.Width + BorderTolerance || box[1] + box[3] > image.Height + BorderTolerance)
            return $"has bbox [{string.Join(", ", box)}] outside the {image.Width}x{image.Height} image {image.Id}";
        return null;
    }

    public static string? SegmentationProblem(CocoSegmentation? segmentation, CocoImageInfo image)
    {
        switch (segmentation)
        {
            case PolygonSegmentation polygons:
                for (int i = 0; i < polygons.Polygons.Count; i++)
                {
                    var p = polygons.Polygons[i];
                    if (p.Length % 2 != 0)
                        return $"has polygon {i} with an odd number ({p.Length}) of coordinates";
                    if (p.Length < 6)
                        return $"has polygon {i} with {p.Length / 2} points (a polygon needs at least 3)";
                    if (!p.All(double.IsFinite))
                        return $"has polygon {i} with a non-finite coordinate";
                }
                return null;
            case RleSegmentation { Rle: var rle }:
                return RleProblem(rle, image);
            default:
                return null;
        }
    }

    public static string? RleProblem(Rle rle, CocoImageInfo image)
    {
        if (rle.Height != image.Height || rle.Width != image.Width)
            return $"has an RLE of size [{rle.Height}, {rle.Width}] but image {image.Id} is [{image.Height}, {image.Width}] (height, width)";
        long sum = 0;
        foreach (uint c in rle.Counts) sum += c;
        if (sum != (long)rle.Height * rle.Width)
            return $"has RLE counts summing to {sum}, not height*width = {(long)rle.Height * rle.Width}";
        return null;
    }

    /// <summary>The object's mask area, which stands in for a missing <c>area</c> field.</summary>
    public static double MaskArea(CocoSegmentation? segmentation, double[] box, CocoImageInfo image) =>
        segmentation is null ? box[2] * box[3] : MaskApi.Area(Mask(segmentation, image));

    /// <summary>The segmentation as an RLE of its image's size (polygons rasterized as pycocotools does).</summary>
    public static Rle Mask(CocoSegmentation segmentation, CocoImageInfo image) => segmentation switch
    {
        PolygonSegmentation p => MaskApi.FromPolygons(p.Polygons, image.Height, image.Width),
        RleSegmentation r => r.Rle,
        _ => throw new ArgumentException($"unknown segmentation {segmentation.GetType().Name}"),
    };
}
