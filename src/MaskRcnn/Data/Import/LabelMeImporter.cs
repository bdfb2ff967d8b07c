using System.Text.Json;
using MaskRcnn.Data.Images;

namespace MaskRcnn.Data.Import;

/// <summary>
/// LabelMe: one JSON per picture (<c>shapes</c>, <c>imagePath</c>), given as a file or a folder of them. Shape types:
/// polygon (also a missing type, as old LabelMe versions write), rectangle (two corners), circle (centre and a
/// point on the circle). The <c>label</c> is the class; shapes sharing a label and a non-null <c>group_id</c> are
/// one object with several polygons, as LabelMe means them. The picture is <c>imagePath</c> relative to the JSON,
/// or its file name in <see cref="ImportRequest.ImagesDirectory"/> when that is given.
/// </summary>
internal static class LabelMeImporter
{
    public static readonly string[] Shapes = ["polygon", "rectangle", "circle"];

    /// <summary>True when the JSON's top-level keys are LabelMe's.</summary>
    public static bool LooksLikeLabelMe(IReadOnlyCollection<string> topLevelKeys) =>
        topLevelKeys.Contains("shapes") && (topLevelKeys.Contains("imagePath") || topLevelKeys.Contains("imageData"));

    public static IReadOnlyList<string> JsonFiles(string directory) =>
        Directory.GetFiles(directory, "*.json").Where(f => LooksLikeLabelMe(DatasetFormatDetector.TopLevelKeys(f).Keys)).Order(StringComparer.Ordinal).ToList();

    public static ImportResult Import(ImportRequest request, string reason)
    {
        string input = Path.GetFullPath(request.InputPath);
        bool folder = Directory.Exists(input);
        var files = folder ? JsonFiles(input) : [input];
        if (files.Count == 0)
            throw new ImportFormatException($"{input}: no LabelMe JSON files (with 'shapes' and 'imagePath') in this folder");
        string root = request.ImagesDirectory is { } dir ? Path.GetFullPath(dir) : folder ? input : Path.GetDirectoryName(input)!;
        var builder = new InstancesBuilder(request);
        foreach (var file in files)
        {
            using var document = JsonInput.Parse(file);
            var json = document.RootElement;
            string imagePath = JsonInput.String(json, "imagePath") ?? "";
            string picture = request.ImagesDirectory is not null
                ? Path.Combine(root, Path.GetFileName(imagePath.Replace('\\', '/')))
                : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, imagePath.Replace('\\', '/')));
            if (imagePath.Length == 0 || !File.Exists(picture))
            {
                builder.Reject(file, $"imagePath '{imagePath}'", $"does not name an existing picture (looked for {picture})");
                continue;
            }
            var (width, height) = ImageIo.ReadSize(picture);
            if (JsonInput.Number(json, "imageWidth") is double w && JsonInput.Number(json, "imageHeight") is double h && (w != width || h != height))
            {
                builder.Reject(file, $"imagePath '{imagePath}'", $"says {w}x{h} but the picture is {width}x{height}");
                continue;
            }
            var image = builder.AddImage(Path.GetRelativePath(root, picture).Replace('\\', '/'), width, height);
            var shapes = json.TryGetProperty("shapes", out var s) && s.ValueKind == JsonValueKind.Array ? s.EnumerateArray().ToList() : [];
            if (shapes.Count == 0) builder.Skip(file, "picture", "has no shapes");
            // Objects in file order; a group (label, group_id) collects its polygons into its first shape's place.
            var objects = new List<(string Label, string Item, List<double[]> Polygons)>();
            var groups = new Dictionary<(string, string), int>();
            for (int i = 0; i < shapes.Count; i++)
            {
                string item = $"shape {i}";
                string label = (JsonInput.String(shapes[i], "label") ?? "").Trim();
                if (label.Length == 0)
                {
                    builder.Reject(file, item, "has no label");
                    continue;
                }
                var polygon = Polygon(builder, file, item, shapes[i]);
                if (polygon is null) continue;
                if (shapes[i].TryGetProperty("group_id", out var group) && group.ValueKind != JsonValueKind.Null
                    && groups.TryGetValue((label, group.GetRawText()), out int index))
                {
                    objects[index].Polygons.Add(polygon);
                    continue;
                }
                if (group.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
                    groups[(label, group.GetRawText())] = objects.Count;
                objects.Add((label, $"{item} ('{label}')", [polygon]));
            }
            foreach (var (label, item, polygons) in objects)
                builder.AddPolygons(image, label, polygons, file, item);
        }
        var (instances, summary) = builder.Build();
        return new ImportResult { Instances = instances, ImagesDirectory = root, Format = DatasetFormat.LabelMe, FormatReason = reason, Summary = summary };
    }

    static double[]? Polygon(InstancesBuilder builder, string file, string item, JsonElement shape)
    {
        string type = JsonInput.String(shape, "shape_type") ?? "polygon";
        var points = new List<double>();
        if (shape.TryGetProperty("points", out var array) && array.ValueKind == JsonValueKind.Array)
            foreach (var point in array.EnumerateArray())
            {
                if (point.ValueKind != JsonValueKind.Array || point.GetArrayLength() != 2
                    || point[0].ValueKind != JsonValueKind.Number || point[1].ValueKind != JsonValueKind.Number)
                {
                    builder.Reject(file, item, "has a point that is not [x, y]");
                    return null;
                }
                points.Add(point[0].GetDouble());
                points.Add(point[1].GetDouble());
            }
        switch (type)
        {
            case "polygon":
                return points.ToArray(); // fewer than 3 points are reported by AddPolygons
            case "rectangle" when points.Count == 4:
                double x0 = Math.Min(points[0], points[2]), y0 = Math.Min(points[1], points[3]);
                return ShapePolygons.Rectangle(x0, y0, Math.Abs(points[2] - points[0]), Math.Abs(points[3] - points[1]));
            case "circle" when points.Count == 4:
                return ShapePolygons.Circle(points[0], points[1], Math.Sqrt(Math.Pow(points[2] - points[0], 2) + Math.Pow(points[3] - points[1], 2)));
            case "rectangle" or "circle":
                builder.Reject(file, item, $"is a {type} with {points.Count / 2} points (expected 2)");
                return null;
            default:
                builder.Reject(file, item, $"has shape type '{type}', which is not supported (supported: {string.Join(", ", Shapes)})");
                return null;
        }
    }
}
