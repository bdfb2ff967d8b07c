using System.Text.Json;
using MaskRcnn.Data.Coco;

namespace MaskRcnn.Data.Import;

/// <summary>
/// Tells the annotation format from a path, without reading it whole. A JSON file: COCO when it has
/// <c>images</c>/<c>annotations</c>, VIA when it has <c>_via_img_metadata</c> or its first value is an entry with
/// <c>filename</c> and <c>regions</c>, LabelMe when it has <c>shapes</c> and <c>imagePath</c>. A folder: mask folders
/// when subfolders hold <c>images/</c> and <c>masks/</c>; label images when it has <c>images/</c> + <c>labels/</c>
/// (or <c>masks/</c>) or files named <c>*_masks.*</c>; LabelMe when it holds LabelMe JSON files.
/// </summary>
public static class DatasetFormatDetector
{
    public static FormatDetection Detect(string path)
    {
        string full = Path.GetFullPath(path);
        if (File.Exists(full)) return DetectFile(full);
        if (!Directory.Exists(full)) throw new FileNotFoundException($"annotation input {full} not found", full);

        var subfolders = Directory.GetDirectories(full);
        int samples = subfolders.Count(MaskFolderImporter.IsSampleFolder);
        if (samples > 0)
            return new(DatasetFormat.MaskFolders, $"{samples} of {subfolders.Length} subfolders of {full} hold images/ and masks/ (the Data Science Bowl layout)");
        if (LabelImageImporter.SplitFolders(full) is var (images, labels))
            return new(DatasetFormat.LabelImages, $"{full} has {Path.GetFileName(images)}/ and {Path.GetFileName(labels)}/ folders of images (label images paired by file name)");
        var flat = LabelImageImporter.FlatLabelFiles(full);
        if (flat.Count > 0)
            return new(DatasetFormat.LabelImages, $"{full} holds {flat.Count} label images named like {Path.GetFileName(flat[0])} (paired with the picture of the same stem)");
        var labelMe = LabelMeImporter.JsonFiles(full);
        if (labelMe.Count > 0)
            return new(DatasetFormat.LabelMe, $"{full} holds {labelMe.Count} LabelMe JSON files (with 'shapes' and 'imagePath')");
        throw new ImportFormatException($"{full}: cannot tell the annotation format: no <id>/images/ + <id>/masks/ subfolders, no images/ + labels/ folders, " +
                                        "no *_masks.* label images and no LabelMe JSON files (give --from FORMAT, or the JSON file itself)");
    }

    static FormatDetection DetectFile(string file)
    {
        var (keys, firstValueKeys) = TopLevelKeys(file);
        if (keys.Contains("images") || keys.Contains("annotations"))
            return new(DatasetFormat.Coco, $"{Path.GetFileName(file)} has COCO's 'images' and 'annotations'");
        if (keys.Contains("_via_img_metadata"))
            return new(DatasetFormat.Via, $"{Path.GetFileName(file)} is a VIA project ('_via_img_metadata')");
        if (LabelMeImporter.LooksLikeLabelMe(keys))
            return new(DatasetFormat.LabelMe, $"{Path.GetFileName(file)} has LabelMe's 'shapes' and 'imagePath'");
        if (firstValueKeys.Contains("filename") && firstValueKeys.Contains("regions"))
            return new(DatasetFormat.Via, $"{Path.GetFileName(file)} is VIA region data (entries with 'filename' and 'regions')");
        throw new ImportFormatException($"{file}: cannot tell the annotation format from its keys ({string.Join(", ", keys.Take(5))}); give --from FORMAT");
    }

    /// <summary>
    /// The names of a JSON object's top-level keys, and of the keys of its first value, streaming (a COCO file of
    /// hundreds of MB stops at 'images' or 'annotations'). Not a JSON object: empty lists.
    /// </summary>
    internal static (IReadOnlyCollection<string> Keys, IReadOnlyCollection<string> FirstValueKeys) TopLevelKeys(string file)
    {
        var keys = new List<string>();
        var first = new List<string>();
        try
        {
            using var stream = File.OpenRead(file);
            var source = new JsonStreamReader(stream);
            var reader = source.CreateReader();
            if (!source.Read(ref reader) || reader.TokenType != JsonTokenType.StartObject) return (keys, first);
            while (source.Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                keys.Add(name);
                if (name is "images" or "annotations") break;
                if (keys.Count == 1 && source.Read(ref reader) && reader.TokenType == JsonTokenType.StartObject)
                {
                    while (source.Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        first.Add(reader.GetString()!);
                        source.Skip(ref reader);
                    }
                }
                else source.Skip(ref reader); // the value after the name (or the first value, when not an object)
            }
        }
        catch (JsonException e)
        {
            throw new ImportFormatException($"{file}: malformed JSON at line {e.LineNumber + 1}: {e.Message}", e);
        }
        return (keys, first);
    }
}
