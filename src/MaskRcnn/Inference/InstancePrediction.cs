using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Masks;

namespace MaskRcnn.Inference;

/// <summary>
/// One detected object in the original image's pixels. The mask is kept over its pasted box (<see cref="Crop"/>):
/// a thousand objects in a large image cost their boxes' pixels; <see cref="Mask"/> makes the image-sized form on demand.
/// </summary>
public sealed record InstancePrediction
{
    /// <param name="label">The model's class index, 1..NumClasses-1 (0 is background).</param>
    /// <param name="className">The class's name, or the label's number when the model knows no names.</param>
    /// <param name="categoryId">The dataset category id of the label (see <see cref="ClassMap"/>).</param>
    /// <param name="score">The class score (softmax), 0..1.</param>
    /// <param name="boxXyxy">x1, y1, x2, y2.</param>
    /// <param name="crop">The binary mask (pasted probability above the mask threshold) over its window of the image.</param>
    public InstancePrediction(int label, string className, long categoryId, float score, float[] boxXyxy, CroppedMask crop)
    {
        (Label, ClassName, CategoryId, Score, BoxXyxy) = (label, className, categoryId, score, boxXyxy);
        Crop = crop;
    }

    public int Label { get; init; }
    public string ClassName { get; init; }
    public long CategoryId { get; init; }
    public float Score { get; init; }
    public float[] BoxXyxy { get; init; }

    /// <summary>The binary mask over its window of the image (nonzero only there); setting it also re-encodes <see cref="Rle"/>.</summary>
    public CroppedMask Crop
    {
        get;
        init
        {
            field = value;
            Rle = MaskApi.Encode(value);
        }
    }

    /// <summary>Row-major H×W, 1 where the pasted mask probability is above the threshold; made from <see cref="Crop"/> on each call.</summary>
    public byte[] Mask => Crop.ToFullFrame();

    /// <summary>The mask run-length encoded (COCO's column-major runs of the whole image), straight from the crop.</summary>
    public Rle Rle { get; private init; } = null!;

    /// <summary>
    /// This detection as a COCO result on image <paramref name="imageId"/>: bbox [x, y, w, h] with w and h
    /// subtracted in float32 as torchvision's references do before <c>tolist()</c>, and the compressed mask.
    /// </summary>
    public CocoResult ToCocoResult(long imageId) =>
        new(imageId, CategoryId, [BoxXyxy[0], BoxXyxy[1], BoxXyxy[2] - BoxXyxy[0], BoxXyxy[3] - BoxXyxy[1]], Score, Rle);
}
