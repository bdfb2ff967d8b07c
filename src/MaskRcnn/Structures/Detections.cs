using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Structures;

/// <summary>
/// The model's output for one image in the <b>original image's frame</b>, sorted by score descending:
/// <c>Boxes</c> float32 [N,4] (x1,y1,x2,y2) in original pixels, <c>Scores</c> float32 [N], <c>Labels</c> int64 [N] in
/// 1..K, <c>Masks</c> the mask probabilities pasted into the <see cref="ImageSize"/> frame, each kept over its pasted
/// box (<see cref="PastedMasks"/>; <c>Masks.ToTensor()</c> is torchvision's float32 [N,1,H,W]; binarise above 0.5, as
/// torchvision's references do). Built from <see cref="RoiDetections"/> by
/// <c>GeneralizedRcnnTransform.Postprocess</c>; the two types are distinct so that no code can take resized-image
/// boxes or M×M masks for original-image ones.
/// </summary>
/// <remarks>Ownership: an instance owns its three tensors (none is shared with another instance); disposing it frees them.
/// The masks are managed memory.</remarks>
public sealed record Detections : IDisposable
{
    public Detections(Tensor boxes, Tensor scores, Tensor labels, PastedMasks masks, (long Height, long Width) imageSize)
    {
        long n = boxes.shape[0];
        if (masks.Count != n || masks.ImageSize.Height != imageSize.Height || masks.ImageSize.Width != imageSize.Width)
            throw new ArgumentException(
                $"pasted masks must be {n} masks of a {imageSize.Height}×{imageSize.Width} image; got {masks.Count} of {masks.ImageSize.Height}×{masks.ImageSize.Width}");
        (Boxes, Scores, Labels, Masks, ImageSize) = (boxes, scores, labels, masks, imageSize);
    }

    public Tensor Boxes { get; }
    public Tensor Scores { get; }
    public Tensor Labels { get; }

    /// <summary>The probabilities in the original image (H×W = <see cref="ImageSize"/>), each over its pasted box.</summary>
    public PastedMasks Masks { get; }

    /// <summary>The original image's (height, width): the frame of the boxes and masks.</summary>
    public (long Height, long Width) ImageSize { get; }

    public long Count => Boxes.shape[0];

    public void Dispose()
    {
        Boxes.Dispose();
        Scores.Dispose();
        Labels.Dispose();
    }
}
