using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Structures;

/// <summary>
/// Ground truth for one image, as torchvision's detection models take it:
/// <c>Boxes</c> float32 [N,4] (x1,y1,x2,y2) in the image's pixels, <c>Labels</c> int64 [N] in 1..K,
/// <c>Masks</c> uint8 [N,H,W] with H×W the image's size.
/// </summary>
public sealed record TargetSet(Tensor Boxes, Tensor Labels, Tensor Masks) : IDisposable
{
    public long Count => Boxes.shape[0];

    public void Dispose()
    {
        Boxes.Dispose();
        Labels.Dispose();
        Masks.Dispose();
    }
}
