using MaskRcnn.Data.Masks;

namespace MaskRcnn.Data.Coco;

/// <summary>An entry of a COCO file's <c>images</c> array.</summary>
public sealed record CocoImageInfo(long Id, string FileName, int Width, int Height);

/// <summary>An entry of a COCO file's <c>categories</c> array (ids need not be contiguous).</summary>
public sealed record CocoCategory(long Id, string Name, string? Supercategory = null);

/// <summary>A COCO segmentation: a list of polygons, or an RLE (compressed or not, held decoded to counts).</summary>
public abstract record CocoSegmentation;

/// <summary>Polygons as flat [x1,y1,x2,y2,…] arrays in pixel coordinates.</summary>
public sealed record PolygonSegmentation(IReadOnlyList<double[]> Polygons) : CocoSegmentation;

public sealed record RleSegmentation(Rle Rle) : CocoSegmentation;

/// <summary>An entry of a COCO instances file's <c>annotations</c> array. <c>Bbox</c> is [x,y,w,h].</summary>
public sealed record CocoAnnotation(
    long Id, long ImageId, long CategoryId, double[] Bbox, double Area, bool IsCrowd, CocoSegmentation? Segmentation);

/// <summary>A COCO instances file: images, categories and annotations.</summary>
public sealed record CocoInstances(
    IReadOnlyList<CocoImageInfo> Images, IReadOnlyList<CocoCategory> Categories, IReadOnlyList<CocoAnnotation> Annotations);

/// <summary>An entry of a COCO results file. <c>Bbox</c> is [x,y,w,h]; <c>Segmentation</c> is null for bbox-only results.</summary>
public sealed record CocoResult(long ImageId, long CategoryId, double[] Bbox, double Score, Rle? Segmentation)
{
    /// <summary>
    /// The area that places the result in COCO's small/medium/large ranges. Null means the box area w*h, which
    /// is what pycocotools' <c>loadRes</c> uses whenever results carry boxes, even for segm evaluation; results
    /// read without boxes get their mask area, as <c>loadRes</c> does.
    /// </summary>
    public double? Area { get; init; }

    /// <summary>The category's name, for readers without the categories list (pycocotools ignores the extra key); null writes none.</summary>
    public string? CategoryName { get; init; }

    /// <summary>The area used for COCO's area ranges (see <see cref="Area"/>).</summary>
    public double EvaluationArea => Area ?? Bbox[2] * Bbox[3];
}
