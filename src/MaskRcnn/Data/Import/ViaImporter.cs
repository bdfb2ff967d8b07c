using System.Text.Json;
using MaskRcnn.Data.Images;

namespace MaskRcnn.Data.Import;

/// <summary>
/// VGG Image Annotator 2.x: a saved project (<c>_via_img_metadata</c>, <c>_via_attributes</c>) or the exported
/// region JSON (<c>{key: {filename, regions, …}}</c>, as <c>via_region_data.json</c>); VIA 1.x's regions-as-object
/// is accepted too. Region shapes: polygon, polyline (closed, as a polygon), rect, circle, ellipse. The class is a
/// region attribute: <see cref="ImportRequest.ClassAttribute"/>, else the only one there is, else one class.
/// Pictures are looked up by <c>filename</c> in <see cref="ImportRequest.ImagesDirectory"/> (default: the JSON's folder).
/// </summary>
internal static class ViaImporter
{
    public static readonly string[] Shapes = ["polygon", "polyline", "rect", "circle", "ellipse"];

    public static ImportResult Import(ImportRequest request, string reason)
    {
        string file = Path.GetFullPath(request.InputPath);
        using var document = JsonInput.Parse(file);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new ImportFormatException($"{file}: a VIA project is a JSON object, found {root.ValueKind}");
        var metadata = root.TryGetProperty("_via_img_metadata", out var m) ? m : root;
        var entries = metadata.EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("filename", out _))
            .ToList();
        if (entries.Count == 0)
            throw new ImportFormatException($"{file}: no image entries with 'filename' (not a VIA project or region export?)");
        string imagesDir = Path.GetFullPath(request.ImagesDirectory ?? Path.GetDirectoryName(file)!);
        string? classAttribute = ChooseClassAttribute(file, root, entries, request.ClassAttribute);

        var builder = new InstancesBuilder(request);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            string filename = JsonInput.String(entry.Value, "filename") ?? "";
            string item = $"image '{filename}' (key '{entry.Name}')";
            if (!seen.Add(filename))
            {
                builder.Reject(file, item, "appears twice");
                continue;
            }
            string picture = Path.Combine(imagesDir, filename);
            if (filename.Length == 0 || !File.Exists(picture))
            {
                builder.Reject(file, item, $"is not in {imagesDir} (give the pictures' folder with --images)");
                continue;
            }
            var (width, height) = ImageIo.ReadSize(picture);
            var image = builder.AddImage(filename, width, height);
            var regions = Regions(entry.Value);
            if (regions.Count == 0) builder.Skip(file, item, "has no regions");
            for (int r = 0; r < regions.Count; r++)
                AddRegion(builder, file, $"region {r} of '{filename}'", image, regions[r], classAttribute);
        }
        var (instances, summary) = builder.Build();
        return new ImportResult { Instances = instances, ImagesDirectory = imagesDir, Format = DatasetFormat.Via, FormatReason = reason, Summary = summary };
    }

    static List<JsonElement> Regions(JsonElement entry)
    {
        if (!entry.TryGetProperty("regions", out var regions)) return [];
        return regions.ValueKind switch
        {
            JsonValueKind.Array => regions.EnumerateArray().ToList(),
            JsonValueKind.Object => regions.EnumerateObject().Select(p => p.Value).ToList(), // VIA 1.x: {"0": {...}, "1": {...}}
            _ => [],
        };
    }

    /// <summary>The attribute that names the class: the requested one, the only one there is, or none (one class).</summary>
    static string? ChooseClassAttribute(string file, JsonElement root, List<JsonProperty> entries, string? requested)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        if (root.TryGetProperty("_via_attributes", out var declared) && declared.TryGetProperty("region", out var region) && region.ValueKind == JsonValueKind.Object)
            foreach (var a in region.EnumerateObject()) names.Add(a.Name);
        foreach (var entry in entries)
            foreach (var r in Regions(entry.Value))
                if (r.ValueKind == JsonValueKind.Object && r.TryGetProperty("region_attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object)
                    foreach (var a in attributes.EnumerateObject()) names.Add(a.Name);
        if (requested is not null)
            return names.Contains(requested) ? requested
                : throw new ImportFormatException($"{file}: has no region attribute '{requested}' (its region attributes: {(names.Count == 0 ? "none" : string.Join(", ", names))})");
        return names.Count switch
        {
            0 => null,
            1 => names.Min,
            _ => throw new ImportFormatException($"{file}: has region attributes {string.Join(", ", names)}; choose the one that holds the class with --class-attribute NAME"),
        };
    }

    static void AddRegion(InstancesBuilder builder, string file, string item, Coco.CocoImageInfo image, JsonElement region, string? classAttribute)
    {
        if (region.ValueKind != JsonValueKind.Object || !region.TryGetProperty("shape_attributes", out var shape) || shape.ValueKind != JsonValueKind.Object)
        {
            builder.Reject(file, item, "has no 'shape_attributes'");
            return;
        }
        string? category = builder.Request.DefaultClassName;
        if (classAttribute is not null)
        {
            category = ClassValue(region, classAttribute, out string? problem);
            if (category is null)
            {
                builder.Reject(file, item, problem!);
                return;
            }
        }
        string name = JsonInput.String(shape, "name") ?? "";
        double[]? polygon = name switch
        {
            "polygon" or "polyline" => ShapePolygons.Interleave(JsonInput.Numbers(shape, "all_points_x") ?? [], JsonInput.Numbers(shape, "all_points_y") ?? [double.NaN]),
            "rect" => JsonInput.Number(shape, "x") is double x && JsonInput.Number(shape, "y") is double y
                      && JsonInput.Number(shape, "width") is double w && JsonInput.Number(shape, "height") is double h
                ? ShapePolygons.Rectangle(x, y, w, h) : null,
            "circle" => JsonInput.Number(shape, "cx") is double cx && JsonInput.Number(shape, "cy") is double cy && JsonInput.Number(shape, "r") is double r
                ? ShapePolygons.Circle(cx, cy, r) : null,
            "ellipse" => JsonInput.Number(shape, "cx") is double ex && JsonInput.Number(shape, "cy") is double ey
                         && JsonInput.Number(shape, "rx") is double rx && JsonInput.Number(shape, "ry") is double ry
                ? ShapePolygons.Ellipse(ex, ey, rx, ry, JsonInput.Number(shape, "theta") ?? 0) : null,
            _ => null,
        };
        if (!Shapes.Contains(name))
            builder.Reject(file, item, $"has region type '{name}', which is not supported (supported: {string.Join(", ", Shapes)})");
        else if (polygon is null)
            builder.Reject(file, item, $"is a {name} with missing or malformed coordinates");
        else
            builder.AddPolygons(image, category, [polygon], file, item);
    }

    /// <summary>The class named by the attribute: a text value, or the one ticked option of a checkbox attribute.</summary>
    static string? ClassValue(JsonElement region, string attribute, out string? problem)
    {
        problem = null;
        if (!region.TryGetProperty("region_attributes", out var attributes) || attributes.ValueKind != JsonValueKind.Object
            || !attributes.TryGetProperty(attribute, out var value))
        {
            problem = $"has no value for the class attribute '{attribute}'";
            return null;
        }
        string? name = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!.Trim(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.Object => value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.True).Select(o => o.Name).ToList() is [var one] ? one : null,
            _ => null,
        };
        if (string.IsNullOrEmpty(name))
            problem = $"has no single value for the class attribute '{attribute}' (found {value.GetRawText()})";
        return string.IsNullOrEmpty(name) ? null : name;
    }
}
