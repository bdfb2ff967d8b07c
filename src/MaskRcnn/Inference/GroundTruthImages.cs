using MaskRcnn.Data.Coco;

namespace MaskRcnn.Inference;

/// <summary>
/// Gives each input image the id its ground truth uses, so that predictions can be scored with that ground truth
/// (<c>predict --annotations GT.json</c>, then <c>eval --gt GT.json --results</c>). An input matches the entry of
/// <c>images[]</c> whose <c>file_name</c> has the same file name (the last path component, compared ordinally; a
/// <c>file_name</c> may carry sub-folders, as COCO's do not but other tools' may).
/// </summary>
public static class GroundTruthImages
{
    /// <summary>The inputs with their ground-truth ids, after checking every input is annotated once and has the annotated size.</summary>
    /// <param name="inputs">The images to predict.</param>
    /// <param name="truth">The ground truth's instances.</param>
    /// <param name="annotationsPath">Its file, named in errors.</param>
    /// <param name="readSize">An image's decoded width and height (its header; e.g. <c>ImageIo.ReadSize</c>).</param>
    /// <exception cref="InvalidDataException">An input has no entry in <c>images[]</c>, two entries share its file name, or its
    /// size differs from the entry's (segm IoU compares masks at the annotated size).</exception>
    public static IReadOnlyList<ImageInput> AssignIds(IReadOnlyList<ImageInput> inputs, CocoInstances truth, string annotationsPath,
        Func<string, (int Width, int Height)> readSize)
    {
        var byName = truth.Images.GroupBy(i => Path.GetFileName(i.FileName), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var assigned = new List<ImageInput>(inputs.Count);
        foreach (var input in inputs)
        {
            string name = Path.GetFileName(input.Path);
            if (!byName.TryGetValue(name, out var entries))
                throw new InvalidDataException($"{input.Path}: no image with file_name '{name}' in {annotationsPath}");
            if (entries.Count > 1)
                throw new InvalidDataException($"{input.Path}: {entries.Count} images of {annotationsPath} have file name '{name}' " +
                                               $"(ids {entries[0].Id} and {entries[1].Id}); which one is meant is unclear");
            var info = entries[0];
            var (width, height) = readSize(input.Path);
            if (width != info.Width || height != info.Height)
                throw new InvalidDataException($"{input.Path}: the image is {width}x{height} but {annotationsPath} says {info.Width}x{info.Height} (image id {info.Id})");
            assigned.Add(input with { ImageId = info.Id });
        }
        return assigned;
    }
}
