using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Images;
using MaskRcnn.Visualization;

namespace MaskRcnn.Inference;

/// <summary>
/// Writes an image's predictions into <see cref="OutputDirectory"/>: <c>&lt;stem&gt;.json</c>, a COCO results array
/// (<c>image_id</c>, <c>category_id</c>, <c>bbox</c> [x,y,w,h], <c>score</c>, compressed-RLE <c>segmentation</c>) in
/// score order, and <c>&lt;stem&gt;.png</c>, the image with the instances drawn over it.
/// </summary>
public sealed record PredictionWriter(string OutputDirectory)
{
    public OverlayRenderer Renderer { get; init; } = new();

    public string JsonPath(ImageInput input) => Path.Combine(OutputDirectory, input.Stem + ".json");

    public string OverlayPath(ImageInput input) => Path.Combine(OutputDirectory, input.Stem + ".png");

    /// <summary>The output files of <paramref name="inputs"/> that already exist (to refuse a run that would overwrite them).</summary>
    public IReadOnlyList<string> ExistingOutputs(IEnumerable<ImageInput> inputs) =>
        inputs.SelectMany(i => new[] { JsonPath(i), OverlayPath(i) }).Where(File.Exists).ToList();

    /// <summary>Whether the image's results are complete (its JSON, written last, exists).</summary>
    public bool IsDone(ImageInput input) => File.Exists(JsonPath(input));

    /// <summary>Writes the overlay, then the JSON, each atomically: an image with a JSON is complete.</summary>
    public void Write(ImageInput input, RgbImage image, IReadOnlyList<InstancePrediction> predictions)
    {
        Directory.CreateDirectory(OutputDirectory);
        var overlays = predictions.ToOverlays();
        AtomicFile.Write(OverlayPath(input), temp => ImageIo.SavePng(Renderer.Render(image, overlays), temp));
        AtomicFile.Write(JsonPath(input), temp => CocoJson.WriteResults(temp, predictions.Select(p => p.ToCocoResult(input.ImageId))));
    }
}
