using System.Text.Json;

namespace MaskRcnn.Data.Import;

/// <summary>Reading the small JSON files of annotation tools (VIA, LabelMe) with errors that name file and item.</summary>
internal static class JsonInput
{
    public static JsonDocument Parse(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"annotation file {path} not found", path);
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new ImportFormatException($"{path}: malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1} of the line: {e.Message}", e);
        }
    }

    /// <summary>A number, or a numeric string (VIA writes some numbers as strings); null otherwise.</summary>
    public static double? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.Number => v.GetDouble(),
                JsonValueKind.String when double.TryParse(v.GetString(), System.Globalization.CultureInfo.InvariantCulture, out double d) => d,
                _ => null,
            }
            : null;

    public static IReadOnlyList<double>? Numbers(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Array) return null;
        var values = new List<double>();
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number) return null;
            values.Add(item.GetDouble());
        }
        return values;
    }

    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
