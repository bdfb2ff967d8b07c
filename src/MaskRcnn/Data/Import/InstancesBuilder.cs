using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Masks;

namespace MaskRcnn.Data.Import;

/// <summary>
/// Collects one importer's images and objects and turns them into <see cref="CocoInstances"/>: ids 1..N in the
/// order added, categories 1..K by name (ordinal), boxes and areas from the rasterized mask as pycocotools'
/// <c>toBbox</c>/<c>area</c> give them. Bad items go through <see cref="Reject"/>: thrown, or skipped and counted.
/// </summary>
internal sealed class InstancesBuilder(ImportRequest request)
{
    readonly List<CocoImageInfo> images = [];
    readonly List<(long ImageId, string Category, CocoSegmentation Segmentation, Rle Mask)> objects = [];
    readonly List<SkippedItem> skipped = [];

    public ImportRequest Request => request;

    public CocoImageInfo AddImage(string fileName, int width, int height)
    {
        var image = new CocoImageInfo(images.Count + 1, fileName, width, height);
        images.Add(image);
        return image;
    }

    /// <summary>Adds an object outlined by polygons (flat [x1,y1,…] in pixels); the polygons stay the segmentation.</summary>
    public void AddPolygons(CocoImageInfo image, string category, IReadOnlyList<double[]> polygons, string file, string item)
    {
        for (int i = 0; i < polygons.Count; i++)
        {
            var p = polygons[i];
            if (p.Length % 2 != 0 || !p.All(double.IsFinite))
            {
                Reject(file, item, "has a polygon with an odd number of coordinates or a non-finite one");
                return;
            }
            if (p.Length < 6)
            {
                Reject(file, item, $"is a polygon with {p.Length / 2} points (a polygon needs at least 3)");
                return;
            }
        }
        Add(image, category, new PolygonSegmentation(polygons), MaskApi.FromPolygons(polygons, image.Height, image.Width), file, item);
    }

    /// <summary>Adds an object given as a mask (from a mask PNG or a label image); it is stored as RLE.</summary>
    public void AddMask(CocoImageInfo image, string category, Rle mask, string file, string item) =>
        Add(image, category, new RleSegmentation(mask), mask, file, item);

    void Add(CocoImageInfo image, string category, CocoSegmentation segmentation, Rle mask, string file, string item)
    {
        if (MaskApi.Area(mask) == 0)
        {
            Reject(file, item, $"covers no pixel of the {image.Width}x{image.Height} image");
            return;
        }
        objects.Add((image.Id, category, segmentation, mask));
    }

    /// <summary>A bad item: thrown as <see cref="ImportFormatException"/>, or with SkipInvalid recorded and left out.</summary>
    public void Reject(string file, string item, string problem)
    {
        if (!request.SkipInvalid)
            throw new ImportFormatException($"{file}: {item} {problem}");
        skipped.Add(new SkippedItem(file, item, problem));
    }

    /// <summary>An item left out on purpose, not an error (e.g. a picture without annotations): always counted, never thrown.</summary>
    public void Skip(string file, string item, string reason) => skipped.Add(new SkippedItem(file, item, reason));

    public (CocoInstances Instances, ImportSummary Summary) Build()
    {
        var names = objects.Select(o => o.Category).Distinct().Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0) names.Add(request.DefaultClassName);
        var categoryIds = names.Select((name, i) => (name, id: (long)(i + 1))).ToDictionary(c => c.name, c => c.id);
        var annotations = objects.Select((o, i) => new CocoAnnotation(
            i + 1, o.ImageId, categoryIds[o.Category], MaskApi.ToBbox(o.Mask), MaskApi.Area(o.Mask), false, o.Segmentation)).ToList();
        var (kept, leftOut) = KeepImages(images, annotations, request.KeepEmptyImages);
        var instances = new CocoInstances(kept, names.Select(n => new CocoCategory(categoryIds[n], n)).ToList(), annotations);
        return (instances, new ImportSummary
        {
            Images = kept.Count, Instances = annotations.Count, Categories = names.Count, EmptyImagesLeftOut = leftOut, Skipped = skipped,
        });
    }

    /// <summary>All images, or (without <paramref name="keepEmpty"/>) those with at least one annotation; and how many were left out.</summary>
    public static (IReadOnlyList<CocoImageInfo> Kept, int LeftOut) KeepImages(IReadOnlyList<CocoImageInfo> images, IReadOnlyList<CocoAnnotation> annotations, bool keepEmpty)
    {
        if (keepEmpty) return (images, 0);
        var annotated = annotations.Select(a => a.ImageId).ToHashSet();
        var kept = images.Where(i => annotated.Contains(i.Id)).ToList();
        return (kept, images.Count - kept.Count);
    }
}
