using System.Text.Json;
using MaskRcnn.Data.Masks;

namespace MaskRcnn.Data.Coco;

/// <summary>
/// Token-level reading of COCO instances and results files over a <see cref="JsonStreamReader"/>. Checks the
/// shape of every value (types, required fields); the cross-references between items are checked afterwards
/// by <see cref="CocoValidation"/>.
/// </summary>
internal sealed class CocoJsonParser(string path, JsonStreamReader source)
{
    /// <summary>A parsed item and the byte offset where it starts, for error messages.</summary>
    internal readonly record struct Located<T>(T Item, int Index, long Offset);

    /// <summary>An entry of a results file before its image is known (polygons need the image size).</summary>
    internal sealed record RawResult(long ImageId, long CategoryId, double[]? Bbox, double Score, RawSegmentation? Segmentation);

    /// <summary>A segmentation as written: polygons, or an RLE whose counts are a list or a compressed string.</summary>
    internal sealed record RawSegmentation(IReadOnlyList<double[]>? Polygons, int Height, int Width, uint[]? Counts, string? CompressedCounts)
    {
        public bool IsPolygon => Polygons is not null;
    }

    public string Path => path;

    public (List<Located<CocoImageInfo>> Images, List<Located<CocoCategory>> Categories, List<Located<(CocoAnnotation Annotation, bool HasArea, bool HasBbox)>> Annotations)
        ReadInstances()
    {
        var images = new List<Located<CocoImageInfo>>();
        var categories = new List<Located<CocoCategory>>();
        var annotations = new List<Located<(CocoAnnotation, bool, bool)>>();
        var reader = source.CreateReader();
        Next(ref reader, "the top-level object");
        Expect(ref reader, JsonTokenType.StartObject, "the file", "an object");
        while (Next(ref reader, "the top-level object") && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("images"u8))
                ReadArray(ref reader, "images", images, ReadImage);
            else if (reader.ValueTextEquals("categories"u8))
                ReadArray(ref reader, "categories", categories, ReadCategory);
            else if (reader.ValueTextEquals("annotations"u8))
                ReadArray(ref reader, "annotations", annotations, ReadAnnotation);
            else
                source.Skip(ref reader);
        }
        return (images, categories, annotations);
    }

    public List<Located<RawResult>> ReadResults()
    {
        var results = new List<Located<RawResult>>();
        var reader = source.CreateReader();
        Next(ref reader, "the results array");
        Expect(ref reader, JsonTokenType.StartArray, "the file", "an array of results");
        ReadElements(ref reader, "results", results, ReadResult);
        return results;
    }

    delegate T ItemReader<T>(ref Utf8JsonReader reader, string item);

    void ReadArray<T>(ref Utf8JsonReader reader, string name, List<Located<T>> into, ItemReader<T> readItem)
    {
        Next(ref reader, $"'{name}'");
        Expect(ref reader, JsonTokenType.StartArray, $"'{name}'", "an array");
        ReadElements(ref reader, name, into, readItem);
    }

    void ReadElements<T>(ref Utf8JsonReader reader, string name, List<Located<T>> into, ItemReader<T> readItem)
    {
        while (Next(ref reader, $"'{name}'") && reader.TokenType != JsonTokenType.EndArray)
        {
            int index = into.Count;
            long offset = source.Offset(reader);
            string item = $"{name}[{index}]";
            Expect(ref reader, JsonTokenType.StartObject, item, "an object");
            into.Add(new Located<T>(readItem(ref reader, item), index, offset));
        }
    }

    CocoImageInfo ReadImage(ref Utf8JsonReader reader, string item)
    {
        long? id = null;
        int? width = null, height = null;
        string fileName = "";
        while (NextProperty(ref reader, item))
        {
            if (reader.ValueTextEquals("id"u8)) id = ReadInt64(ref reader, item, "id");
            else if (reader.ValueTextEquals("width"u8)) width = ReadInt32(ref reader, item, "width");
            else if (reader.ValueTextEquals("height"u8)) height = ReadInt32(ref reader, item, "height");
            else if (reader.ValueTextEquals("file_name"u8)) fileName = ReadString(ref reader, item, "file_name");
            else source.Skip(ref reader);
        }
        return new CocoImageInfo(Required(id, item, "id"), fileName, Required(width, item, "width"), Required(height, item, "height"));
    }

    CocoCategory ReadCategory(ref Utf8JsonReader reader, string item)
    {
        long? id = null;
        string name = "";
        string? supercategory = null;
        while (NextProperty(ref reader, item))
        {
            if (reader.ValueTextEquals("id"u8)) id = ReadInt64(ref reader, item, "id");
            else if (reader.ValueTextEquals("name"u8)) name = ReadString(ref reader, item, "name");
            else if (reader.ValueTextEquals("supercategory"u8)) supercategory = ReadString(ref reader, item, "supercategory");
            else source.Skip(ref reader);
        }
        return new CocoCategory(Required(id, item, "id"), name, supercategory);
    }

    /// <summary>An annotation; a missing <c>bbox</c> is left empty for the reader to derive from the segmentation.</summary>
    (CocoAnnotation, bool, bool) ReadAnnotation(ref Utf8JsonReader reader, string item)
    {
        long? id = null, imageId = null, categoryId = null;
        double[]? bbox = null;
        double? area = null;
        bool crowd = false;
        RawSegmentation? segmentation = null;
        while (NextProperty(ref reader, item))
        {
            if (reader.ValueTextEquals("id"u8)) id = ReadInt64(ref reader, item, "id");
            else if (reader.ValueTextEquals("image_id"u8)) imageId = ReadInt64(ref reader, item, "image_id");
            else if (reader.ValueTextEquals("category_id"u8)) categoryId = ReadInt64(ref reader, item, "category_id");
            else if (reader.ValueTextEquals("bbox"u8)) bbox = ReadNumbers(ref reader, item, "bbox");
            else if (reader.ValueTextEquals("area"u8)) area = ReadDouble(ref reader, item, "area");
            else if (reader.ValueTextEquals("iscrowd"u8)) crowd = ReadFlag(ref reader, item, "iscrowd");
            else if (reader.ValueTextEquals("segmentation"u8)) segmentation = ReadSegmentation(ref reader, item);
            else source.Skip(ref reader);
        }
        item = id is null ? item : $"{item} (id {id})";
        if (bbox is null && segmentation is null)
            throw Problem(item, "has neither 'bbox' nor 'segmentation'");
        var annotation = new CocoAnnotation(
            Required(id, item, "id"), Required(imageId, item, "image_id"), Required(categoryId, item, "category_id"),
            bbox ?? [], area ?? 0, crowd, ToSegmentation(segmentation, item));
        return (annotation, area is not null, bbox is not null);
    }

    RawResult ReadResult(ref Utf8JsonReader reader, string item)
    {
        long? imageId = null, categoryId = null;
        double[]? bbox = null;
        double? score = null;
        RawSegmentation? segmentation = null;
        while (NextProperty(ref reader, item))
        {
            if (reader.ValueTextEquals("image_id"u8)) imageId = ReadInt64(ref reader, item, "image_id");
            else if (reader.ValueTextEquals("category_id"u8)) categoryId = ReadInt64(ref reader, item, "category_id");
            else if (reader.ValueTextEquals("bbox"u8)) bbox = ReadNumbers(ref reader, item, "bbox");
            else if (reader.ValueTextEquals("score"u8)) score = ReadDouble(ref reader, item, "score");
            else if (reader.ValueTextEquals("segmentation"u8)) segmentation = ReadSegmentation(ref reader, item);
            else source.Skip(ref reader);
        }
        if (bbox is { Length: 0 }) bbox = null;
        if (bbox is null && segmentation is null)
            throw Problem(item, "has neither 'bbox' nor 'segmentation'");
        return new RawResult(Required(imageId, item, "image_id"), Required(categoryId, item, "category_id"), bbox,
            Required(score, item, "score"), segmentation);
    }

    RawSegmentation? ReadSegmentation(ref Utf8JsonReader reader, string item)
    {
        Next(ref reader, item);
        if (reader.TokenType == JsonTokenType.Null)
            return null;
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            var polygons = new List<double[]>();
            while (Next(ref reader, item) && reader.TokenType != JsonTokenType.EndArray)
                polygons.Add(ReadNumbersAt(ref reader, item, "segmentation polygon"));
            return polygons.Count == 0 ? null : new RawSegmentation(polygons, 0, 0, null, null);
        }
        Expect(ref reader, JsonTokenType.StartObject, item, "a polygon list or an RLE object for 'segmentation'");
        double[]? size = null;
        uint[]? counts = null;
        string? compressed = null;
        while (NextProperty(ref reader, item))
        {
            if (reader.ValueTextEquals("size"u8)) size = ReadNumbers(ref reader, item, "segmentation size");
            else if (reader.ValueTextEquals("counts"u8))
            {
                Next(ref reader, item);
                if (reader.TokenType == JsonTokenType.String) compressed = reader.GetString();
                else counts = ReadCounts(ref reader, item);
            }
            else source.Skip(ref reader);
        }
        if (size is not { Length: 2 } || size[0] != Math.Floor(size[0]) || size[1] != Math.Floor(size[1]) || size[0] < 0 || size[1] < 0)
            throw Problem(item, "has an RLE segmentation without a valid 'size' [height, width]");
        if (counts is null && compressed is null)
            throw Problem(item, "has an RLE segmentation without 'counts'");
        return new RawSegmentation(null, (int)size[0], (int)size[1], counts, compressed);
    }

    uint[] ReadCounts(ref Utf8JsonReader reader, string item)
    {
        Expect(ref reader, JsonTokenType.StartArray, item, "a string or an array for RLE 'counts'");
        var counts = new List<uint>();
        while (Next(ref reader, item) && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt32(out uint count))
                throw Problem(item, $"has an RLE count that is not a non-negative integer (byte {source.Offset(reader)})");
            counts.Add(count);
        }
        return counts.ToArray();
    }

    /// <summary>Rasterization is left to validation, which knows the image size; RLEs are decoded here.</summary>
    CocoSegmentation? ToSegmentation(RawSegmentation? raw, string item) => raw switch
    {
        null => null,
        { IsPolygon: true } => new PolygonSegmentation(raw.Polygons!),
        _ => new RleSegmentation(ToRle(raw, item)),
    };

    public Rle ToRle(RawSegmentation raw, string item)
    {
        if (raw.Counts is not null)
            return new Rle(raw.Height, raw.Width, raw.Counts);
        try
        {
            return MaskApi.FromCompressedString(raw.CompressedCounts!, raw.Height, raw.Width);
        }
        catch (FormatException e)
        {
            throw Problem(item, $"has invalid compressed RLE counts: {e.Message}");
        }
    }

    double[] ReadNumbers(ref Utf8JsonReader reader, string item, string what)
    {
        Next(ref reader, item);
        return ReadNumbersAt(ref reader, item, what);
    }

    double[] ReadNumbersAt(ref Utf8JsonReader reader, string item, string what)
    {
        Expect(ref reader, JsonTokenType.StartArray, item, $"an array of numbers for {what}");
        var values = new List<double>();
        while (Next(ref reader, item) && reader.TokenType != JsonTokenType.EndArray)
        {
            Expect(ref reader, JsonTokenType.Number, item, $"a number in {what}");
            values.Add(reader.GetDouble());
        }
        return values.ToArray();
    }

    long ReadInt64(ref Utf8JsonReader reader, string item, string name)
    {
        Next(ref reader, item);
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value))
            throw Problem(item, $"has a non-integer '{name}' (byte {source.Offset(reader)})");
        return value;
    }

    int ReadInt32(ref Utf8JsonReader reader, string item, string name)
    {
        long value = ReadInt64(ref reader, item, name);
        return value is >= 0 and <= int.MaxValue ? (int)value : throw Problem(item, $"has '{name}' {value} out of range");
    }

    double ReadDouble(ref Utf8JsonReader reader, string item, string name)
    {
        Next(ref reader, item);
        Expect(ref reader, JsonTokenType.Number, item, $"a number for '{name}'");
        return reader.GetDouble();
    }

    bool ReadFlag(ref Utf8JsonReader reader, string item, string name)
    {
        Next(ref reader, item);
        return reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            JsonTokenType.Number when reader.TryGetInt64(out long v) && v is 0 or 1 => v == 1,
            _ => throw Problem(item, $"has '{name}' that is neither 0/1 nor a boolean (byte {source.Offset(reader)})"),
        };
    }

    string ReadString(ref Utf8JsonReader reader, string item, string name)
    {
        Next(ref reader, item);
        Expect(ref reader, JsonTokenType.String, item, $"a string for '{name}'");
        return reader.GetString()!;
    }

    bool NextProperty(ref Utf8JsonReader reader, string item)
    {
        Next(ref reader, item);
        return reader.TokenType == JsonTokenType.PropertyName;
    }

    bool Next(ref Utf8JsonReader reader, string inside) =>
        source.Read(ref reader) ? true : throw new CocoFormatException($"{path}: the file ends inside {inside}");

    void Expect(ref Utf8JsonReader reader, JsonTokenType type, string item, string expected)
    {
        if (reader.TokenType != type)
            throw Problem(item, $"expected {expected} but found {reader.TokenType} at byte {source.Offset(reader)}");
    }

    T Required<T>(T? value, string item, string name) where T : struct =>
        value ?? throw Problem(item, $"has no '{name}'");

    public CocoFormatException Problem(string item, string problem) => new($"{path}: {item} {problem}");
}
