using MaskRcnn.Data.Coco;

namespace MaskRcnn.Inference;

/// <summary>What <see cref="ResultsMerge.Merge"/> joined.</summary>
public sealed record MergeSummary(int Images, int Detections, string OutputPath);

/// <summary>
/// Joins the per-image COCO results files (<c>&lt;stem&gt;.json</c>) that sharded <c>predict</c> tasks wrote into one
/// COCO results file, ordered by image id (each image's detections keep their score order).
/// </summary>
public static class ResultsMerge
{
    /// <param name="predictionsDirectory">The folder the tasks wrote into.</param>
    /// <param name="expected">The whole input list: every image must have exactly its own results file; null to take
    /// every results file in the folder.</param>
    /// <param name="outputPath">The merged file (written atomically); must not be inside the predictions as a stem's file.</param>
    /// <exception cref="InvalidDataException">An expected image has no results yet, or a results file is malformed.</exception>
    public static MergeSummary Merge(string predictionsDirectory, IReadOnlyList<ImageInput>? expected, string outputPath)
    {
        if (!Directory.Exists(predictionsDirectory))
            throw new DirectoryNotFoundException($"{predictionsDirectory}: no such predictions folder");
        var writer = new PredictionWriter(predictionsDirectory);
        string output = Path.GetFullPath(outputPath);
        IEnumerable<string> files;
        if (expected is not null)
        {
            var missing = expected.Where(i => !writer.IsDone(i)).ToList();
            if (missing.Count > 0)
                throw new InvalidDataException($"{predictionsDirectory}: {missing.Count} of {expected.Count} images have no results yet " +
                                               $"(first: {missing[0].Path}); run or re-run the tasks that own them");
            files = expected.Select(writer.JsonPath);
        }
        else
            files = Directory.EnumerateFiles(predictionsDirectory, "*.json").Where(f => Path.GetFullPath(f) != output).Order(StringComparer.Ordinal);

        var perImage = new List<(long ImageId, IReadOnlyList<CocoResult> Results, string File)>();
        foreach (string file in files)
        {
            var results = CocoJson.ReadResults(file);
            var ids = results.Select(r => r.ImageId).Distinct().ToList();
            if (ids.Count > 1) throw new InvalidDataException($"{file}: results of several images ({string.Join(", ", ids.Take(3))}); not a per-image results file");
            // An image without detections has an empty file; its id then comes from the expected list or is irrelevant.
            perImage.Add((ids.Count == 1 ? ids[0] : -1, results, file));
        }
        var twice = perImage.Where(p => p.ImageId >= 0).GroupBy(p => p.ImageId).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new InvalidDataException($"image {twice.Key} has results in both {twice.First().File} and {twice.Skip(1).First().File}");
        var merged = perImage.OrderBy(p => p.ImageId).SelectMany(p => p.Results).ToList();
        AtomicFile.Write(output, temp => CocoJson.WriteResults(temp, merged));
        return new MergeSummary(perImage.Count, merged.Count, output);
    }
}
