using System.Globalization;
using MaskRcnn.Weights;
using static TorchSharp.torch;

namespace MaskRcnn.Benchmarks.Onnx;

/// <summary>
/// How far ONNX Runtime's detections are from torchvision's own on the same image
/// (reference_outputs.safetensors written by bench/onnx/export_maskrcnn.py), compared rank by rank: it shows
/// the exported graph does the same work as the model it came from, so timing it is a fair reference.
/// </summary>
public sealed record ReferenceComparison(int Count, int ReferenceCount, int SameLabels, double MaxScoreDiff, double MaxBoxDiff)
{
    public static ReferenceComparison Compare(OnnxDetections actual, string referencePath)
    {
        using var scope = NewDisposeScope();
        var reference = SafeTensors.Load(referencePath);
        float[] boxes = Read<float>(reference, "boxes", referencePath), scores = Read<float>(reference, "scores", referencePath);
        long[] labels = Read<long>(reference, "labels", referencePath);
        int n = Math.Min(actual.Count, labels.Length);
        int same = 0;
        double scoreDiff = 0, boxDiff = 0;
        for (int i = 0; i < n; i++)
        {
            if (actual.Labels[i] == labels[i]) same++;
            scoreDiff = Math.Max(scoreDiff, Math.Abs(actual.Scores[i] - scores[i]));
            for (int c = 0; c < 4; c++) boxDiff = Math.Max(boxDiff, Math.Abs(actual.Boxes[4 * i + c] - boxes[4 * i + c]));
        }
        return new ReferenceComparison(actual.Count, labels.Length, same, scoreDiff, boxDiff);
    }

    static T[] Read<T>(Dictionary<string, Tensor> tensors, string name, string path) where T : unmanaged =>
        tensors.TryGetValue(name, out var t)
            ? t.contiguous().data<T>().ToArray()
            : throw new InvalidDataException($"{path}: no tensor '{name}' (expected boxes, labels, scores from export_maskrcnn.py)");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"vs torchvision: {Count} detections (torchvision {ReferenceCount}), same label at {SameLabels}/{Math.Min(Count, ReferenceCount)} ranks, max |score diff| {MaxScoreDiff:G3}, max |box diff| {MaxBoxDiff:G3} px");
}
