using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Masks;
using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// Detections as COCO results, as torchvision's <c>prepare_for_coco_detection/segmentation</c>: boxes as
/// [x, y, w, h], masks binarised at 0.5 and run-length encoded, labels mapped back to category ids.
/// </summary>
static class CocoPredictions
{
    public static IEnumerable<CocoResult> From(Detections detections, long imageId, Func<int, long> labelToCategoryId)
    {
        using var scope = torch.NewDisposeScope();
        var boxes = detections.Boxes.cpu().contiguous().data<float>().ToArray();
        var scores = detections.Scores.cpu().data<float>().ToArray();
        var labels = detections.Labels.cpu().data<long>().ToArray();
        int h = (int)detections.Masks.shape[^2], w = (int)detections.Masks.shape[^1];
        using var binary = detections.Masks.cpu().squeeze(1).gt(0.5).to(ScalarType.Byte).contiguous();
        var masks = binary.data<byte>().ToArray();
        var results = new List<CocoResult>(scores.Length);
        for (int i = 0; i < scores.Length; i++)
        {
            float x1 = boxes[4 * i], y1 = boxes[4 * i + 1];
            var rle = MaskApi.Encode(masks.AsSpan(i * h * w, h * w), h, w);
            results.Add(new CocoResult(imageId, labelToCategoryId((int)labels[i]),
                [x1, y1, boxes[4 * i + 2] - x1, boxes[4 * i + 3] - y1], scores[i], rle));
        }
        return results;
    }
}
