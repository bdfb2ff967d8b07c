using System.Text.Json;
using MaskRcnn.Data.Masks;

namespace MaskRcnn.Data.Coco;

/// <summary>
/// Reads and writes COCO instances files and COCO results files. Reading streams the file through
/// <see cref="Utf8JsonReader"/> (no DOM of the whole file), so train2017's ~450 MB annotations load in one pass.
/// </summary>
/// <remarks>
/// Segmentations may be polygon lists, uncompressed RLE (<c>counts</c> as an integer list) or compressed RLE
/// (<c>counts</c> as COCO's ASCII string). Bad input throws <see cref="CocoFormatException"/> naming the file and
/// item; with <see cref="CocoReadOptions.SkipInvalid"/> invalid items are dropped with a warning instead.
/// </remarks>
public static class CocoJson
{
    /// <summary>
    /// Reads a COCO instances file. Every annotation must refer to a listed image and category, have a
    /// positive-size box (a missing <c>bbox</c> is derived from the segmentation as pycocotools' <c>toBbox</c>) inside its image (<see cref="CocoValidation.BorderTolerance"/> px of slack), polygons of at
    /// least 3 points and RLEs of its image's size. A missing <c>area</c> is replaced by the mask area.
    /// </summary>
    public static CocoInstances ReadInstances(string path, CocoReadOptions? options = null)
    {
        options ??= CocoReadOptions.Strict;
        var parser = Open(path, out var stream);
        using (stream)
        {
            var (images, categories, annotations) = Parse(path, parser.ReadInstances);
            var imageById = new Dictionary<long, CocoImageInfo>(images.Count);
            foreach (var image in images)
                if (!imageById.TryAdd(image.Item.Id, image.Item))
                    Reject(parser, options, $"images[{image.Index}]", $"repeats image id {image.Item.Id}", image.Offset);
            var categoryIds = new HashSet<long>();
            foreach (var category in categories)
                if (!categoryIds.Add(category.Item.Id))
                    Reject(parser, options, $"categories[{category.Index}]", $"repeats category id {category.Item.Id}", category.Offset);

            var valid = new List<CocoAnnotation>(annotations.Count);
            foreach (var located in annotations)
            {
                var (annotation, hasArea, hasBbox) = located.Item;
                var image = imageById.GetValueOrDefault(annotation.ImageId);
                // A missing bbox is the segmentation's pycocotools toBbox (once the segmentation is known to be valid).
                if (!hasBbox && image is not null && CocoValidation.SegmentationProblem(annotation.Segmentation, image) is null)
                    annotation = annotation with { Bbox = MaskApi.ToBbox(CocoValidation.Mask(annotation.Segmentation!, image)) };
                string? problem = CocoValidation.AnnotationProblem(annotation, image, categoryIds.Contains(annotation.CategoryId));
                if (problem is not null)
                {
                    Reject(parser, options, $"annotations[{located.Index}] (id {annotation.Id})", problem, located.Offset);
                    continue;
                }
                valid.Add(hasArea ? annotation : annotation with { Area = CocoValidation.MaskArea(annotation.Segmentation, annotation.Bbox, image!) });
            }
            return new CocoInstances(images.Select(i => i.Item).DistinctBy(i => i.Id).ToList(), categories.Select(c => c.Item).DistinctBy(c => c.Id).ToList(), valid);
        }
    }

    /// <summary>
    /// Reads a COCO results file (an array of <c>{image_id, category_id, bbox?, score, segmentation?}</c>).
    /// With <paramref name="gtForValidation"/>, every result must be on one of its images (as pycocotools'
    /// <c>loadRes</c> asserts) with an RLE of that image's size, and polygon segmentations are rasterized;
    /// results for categories absent from the ground truth are kept (evaluation ignores them, as pycocotools does).
    /// A result without a box gets <see cref="MaskApi.ToBbox"/> of its mask; when the first result has no box,
    /// results take their mask area for area ranges (loadRes' segmentation branch).
    /// </summary>
    public static IReadOnlyList<CocoResult> ReadResults(string path, CocoInstances? gtForValidation = null, CocoReadOptions? options = null)
    {
        options ??= CocoReadOptions.Strict;
        var parser = Open(path, out var stream);
        using (stream)
        {
            var raw = Parse(path, parser.ReadResults);
            var images = gtForValidation?.Images.ToDictionary(i => i.Id);
            bool maskAreas = raw.Count > 0 && raw[0].Item.Bbox is null;
            var results = new List<CocoResult>(raw.Count);
            foreach (var located in raw)
            {
                var r = located.Item;
                string item = $"results[{located.Index}]";
                CocoImageInfo? image = null;
                if (images is not null && !images.TryGetValue(r.ImageId, out image))
                {
                    Reject(parser, options, item, $"refers to image_id {r.ImageId}, which is not in the ground truth", located.Offset);
                    continue;
                }
                Rle? mask = null;
                if (r.Segmentation is { IsPolygon: true } polygons)
                {
                    if (image is null)
                        throw parser.Problem(item, "has a polygon segmentation, which needs the ground truth for the image size");
                    mask = MaskApi.FromPolygons(polygons.Polygons!, image.Height, image.Width);
                }
                else if (r.Segmentation is not null)
                {
                    mask = parser.ToRle(r.Segmentation, item);
                    string? problem = image is null ? null : CocoValidation.RleProblem(mask, image);
                    if (problem is not null)
                    {
                        Reject(parser, options, item, problem, located.Offset);
                        continue;
                    }
                }
                if (r.Bbox is { Length: not 4 })
                    throw parser.Problem(item, $"has a bbox of {r.Bbox.Length} numbers, not [x, y, w, h]");
                var bbox = r.Bbox ?? MaskApi.ToBbox(mask!);
                results.Add(new CocoResult(r.ImageId, r.CategoryId, bbox, r.Score, mask)
                {
                    Area = maskAreas && mask is not null ? MaskApi.Area(mask) : null,
                });
            }
            return results;
        }
    }

    /// <summary>
    /// Writes a COCO results file: <c>bbox</c> as [x, y, w, h] and masks as compressed RLE
    /// <c>{"size": [h, w], "counts": "…"}</c>, readable by pycocotools' <c>loadRes</c>.
    /// </summary>
    public static void WriteResults(string path, IEnumerable<CocoResult> results)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartArray();
        foreach (var r in results)
        {
            json.WriteStartObject();
            json.WriteNumber("image_id", r.ImageId);
            json.WriteNumber("category_id", r.CategoryId);
            WriteNumbers(json, "bbox", r.Bbox);
            json.WriteNumber("score", r.Score);
            if (r.Segmentation is not null)
                WriteRle(json, r.Segmentation);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>
    /// Writes a COCO instances file (images, categories, annotations); RLE segmentations are written compressed.
    /// </summary>
    public static void WriteInstances(string path, CocoInstances instances)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteStartArray("images");
        foreach (var image in instances.Images)
        {
            json.WriteStartObject();
            json.WriteNumber("id", image.Id);
            json.WriteString("file_name", image.FileName);
            json.WriteNumber("width", image.Width);
            json.WriteNumber("height", image.Height);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("categories");
        foreach (var category in instances.Categories)
        {
            json.WriteStartObject();
            json.WriteNumber("id", category.Id);
            json.WriteString("name", category.Name);
            if (category.Supercategory is not null)
                json.WriteString("supercategory", category.Supercategory);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("annotations");
        foreach (var a in instances.Annotations)
        {
            json.WriteStartObject();
            json.WriteNumber("id", a.Id);
            json.WriteNumber("image_id", a.ImageId);
            json.WriteNumber("category_id", a.CategoryId);
            WriteNumbers(json, "bbox", a.Bbox);
            json.WriteNumber("area", a.Area);
            json.WriteNumber("iscrowd", a.IsCrowd ? 1 : 0);
            switch (a.Segmentation)
            {
                case PolygonSegmentation p:
                    json.WriteStartArray("segmentation");
                    foreach (var polygon in p.Polygons)
                        WriteNumbers(json, null, polygon);
                    json.WriteEndArray();
                    break;
                case RleSegmentation r:
                    WriteRle(json, r.Rle);
                    break;
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    static CocoJsonParser Open(string path, out FileStream stream)
    {
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"COCO file {path} not found", path, e);
        }
        try
        {
            return new CocoJsonParser(path, new JsonStreamReader(stream));
        }
        catch (JsonException e)
        {
            stream.Dispose();
            throw Malformed(path, e);
        }
    }

    static T Parse<T>(string path, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (JsonException e)
        {
            throw Malformed(path, e);
        }
    }

    static CocoFormatException Malformed(string path, JsonException e) =>
        new($"{path}: malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1} of the line: {e.Message}", e);

    static void Reject(CocoJsonParser parser, CocoReadOptions options, string item, string problem, long offset)
    {
        var error = parser.Problem(item, $"{problem} (at byte {offset})");
        if (!options.SkipInvalid)
            throw error;
        options.Report("skipped: " + error.Message);
    }

    static void WriteRle(Utf8JsonWriter json, Rle rle)
    {
        json.WriteStartObject("segmentation");
        WriteNumbers(json, "size", [rle.Height, rle.Width]);
        json.WriteString("counts", MaskApi.ToCompressedString(rle));
        json.WriteEndObject();
    }

    static void WriteNumbers(Utf8JsonWriter json, string? name, double[] values)
    {
        if (name is null) json.WriteStartArray();
        else json.WriteStartArray(name);
        foreach (double v in values)
            json.WriteNumberValue(v);
        json.WriteEndArray();
    }
}
