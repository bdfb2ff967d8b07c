using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Structures;

/// <summary>
/// The model's output for one image, in the original image's pixels, sorted by score descending:
/// <c>Boxes</c> float32 [N,4] (x1,y1,x2,y2), <c>Scores</c> float32 [N], <c>Labels</c> int64 [N] in 1..K,
/// <c>Masks</c> float32 [N,1,H,W] pasted mask probabilities (binarise at 0.5, as torchvision's users do).
/// </summary>
public sealed record Detections(Tensor Boxes, Tensor Scores, Tensor Labels, Tensor Masks) : IDisposable
{
    public long Count => Boxes.shape[0];

    public void Dispose()
    {
        Boxes.Dispose();
        Scores.Dispose();
        Labels.Dispose();
        Masks.Dispose();
    }
}
