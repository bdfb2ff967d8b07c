using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Masks;

namespace MaskRcnn.Inference;

/// <summary>
/// One detected object in the original image's pixels.
/// </summary>
/// <param name="Label">The model's class index, 1..NumClasses-1 (0 is background).</param>
/// <param name="ClassName">The class's name, or the label's number when the model knows no names.</param>
/// <param name="CategoryId">The dataset category id of the label (see <see cref="ClassMap"/>).</param>
/// <param name="Score">The class score (softmax), 0..1.</param>
/// <param name="BoxXyxy">x1, y1, x2, y2.</param>
/// <param name="Mask">Row-major H×W, 1 where the pasted mask probability is above 0.5.</param>
/// <param name="Rle">The same mask run-length encoded (COCO's column-major runs).</param>
public sealed record InstancePrediction(
    int Label, string ClassName, long CategoryId, float Score, float[] BoxXyxy, byte[] Mask, Rle Rle)
{
    /// <summary>
    /// This detection as a COCO result on image <paramref name="imageId"/>: bbox [x, y, w, h] with w and h
    /// subtracted in float32 as torchvision's references do before <c>tolist()</c>, and the compressed mask.
    /// </summary>
    public CocoResult ToCocoResult(long imageId) =>
        new(imageId, CategoryId, [BoxXyxy[0], BoxXyxy[1], BoxXyxy[2] - BoxXyxy[0], BoxXyxy[3] - BoxXyxy[1]], Score, Rle);
}
