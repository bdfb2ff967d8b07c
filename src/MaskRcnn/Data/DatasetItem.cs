using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Data;

/// <summary>
/// One training sample: <c>Image</c> float32 [3,H,W] in [0,1], its ground truth in the same pixels, and the
/// COCO image id it came from. Owns its tensors.
/// </summary>
public sealed record DatasetItem(Tensor Image, TargetSet Target, long ImageId) : IDisposable
{
    public void Dispose()
    {
        Image.Dispose();
        Target.Dispose();
    }
}
