using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Visualization;

/// <summary>Turns model outputs and ground truth into <see cref="InstanceOverlay"/>s for drawing.</summary>
public static class InstanceOverlays
{
    /// <summary>
    /// Detections scoring at least <paramref name="scoreThreshold"/>, in the model's (score-descending) order, with
    /// masks binarised at <paramref name="maskThreshold"/> as torchvision's examples do. <paramref name="classNames"/>
    /// gives the name per label; a label outside it is shown as its number.
    /// </summary>
    public static List<InstanceOverlay> FromDetections(Detections detections, IReadOnlyList<string> classNames, float scoreThreshold = 0.5f, float maskThreshold = 0.5f)
    {
        using var scope = torch.NewDisposeScope();
        var scores = detections.Scores.cpu().to(ScalarType.Float32).data<float>().ToArray();
        var keep = Enumerable.Range(0, scores.Length).Where(i => scores[i] >= scoreThreshold).ToList();
        var masks = detections.Masks.numel() == 0 ? null : detections.Masks.cpu().squeeze(1).ge(maskThreshold).to(ScalarType.Byte);
        return Build(detections.Boxes, detections.Labels, masks, classNames, keep, i => scores[i]);
    }

    /// <summary>Every ground-truth instance of an image, in annotation order, without scores.</summary>
    public static List<InstanceOverlay> FromTargets(TargetSet targets, IReadOnlyList<string> classNames)
    {
        using var scope = torch.NewDisposeScope();
        var masks = targets.Masks.numel() == 0 ? null : targets.Masks.cpu().ne(0).to(ScalarType.Byte);
        return Build(targets.Boxes, targets.Labels, masks, classNames, Enumerable.Range(0, (int)targets.Count).ToList(), _ => null);
    }

    static List<InstanceOverlay> Build(Tensor boxes, Tensor labels, Tensor? masks, IReadOnlyList<string> classNames, List<int> keep, Func<int, float?> score)
    {
        var b = boxes.cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
        var l = labels.cpu().to(ScalarType.Int64).data<long>().ToArray();
        var result = new List<InstanceOverlay>(keep.Count);
        foreach (int i in keep)
        {
            string name = l[i] >= 0 && l[i] < classNames.Count ? classNames[(int)l[i]] : l[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
            byte[]? mask = masks is null ? null : masks[i].contiguous().data<byte>().ToArray();
            result.Add(new InstanceOverlay(name, score(i), new BoxXyxy(b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]), mask));
        }
        return result;
    }
}
