using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Structures;

/// <summary>
/// The RoI heads' output for one image in the <b>resized image's frame</b> (the network input before padding),
/// sorted by score descending: <c>Boxes</c> float32 [N,4] in resized pixels, <c>Scores</c> [N], <c>Labels</c> int64
/// [N] in 1..K, and <c>MaskProbabilities</c> float32 [N,1,M,M], the predicted class's mask sigmoid in each box's own
/// M×M grid (not yet pasted). <c>GeneralizedRcnnTransform.Postprocess</c> turns it into <see cref="Detections"/>.
/// </summary>
/// <remarks>Ownership: an instance owns its four tensors; disposing it frees them.</remarks>
public sealed record RoiDetections : IDisposable
{
    public RoiDetections(Tensor boxes, Tensor scores, Tensor labels, Tensor maskProbabilities, (long Height, long Width) imageSize)
    {
        long n = boxes.shape[0];
        if (maskProbabilities.dim() != 4 || maskProbabilities.shape[0] != n || maskProbabilities.shape[1] != 1
            || maskProbabilities.shape[2] != maskProbabilities.shape[3])
            throw new ArgumentException($"RoI mask probabilities must be [{n},1,M,M] for {n} boxes; got [{string.Join(",", maskProbabilities.shape)}]");
        (Boxes, Scores, Labels, MaskProbabilities, ImageSize) = (boxes, scores, labels, maskProbabilities, imageSize);
    }

    public Tensor Boxes { get; }
    public Tensor Scores { get; }
    public Tensor Labels { get; }

    /// <summary>[N,1,M,M] probabilities, one M×M grid per box.</summary>
    public Tensor MaskProbabilities { get; }

    /// <summary>The resized image's (height, width) before batch padding: the frame of <see cref="Boxes"/>.</summary>
    public (long Height, long Width) ImageSize { get; }

    public long Count => Boxes.shape[0];

    /// <summary>M, the side of each mask grid.</summary>
    public long MaskSize => MaskProbabilities.shape[^1];

    public void Dispose()
    {
        Boxes.Dispose();
        Scores.Dispose();
        Labels.Dispose();
        MaskProbabilities.Dispose();
    }
}
