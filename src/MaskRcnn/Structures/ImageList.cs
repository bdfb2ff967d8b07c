using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Structures;

/// <summary>
/// A batch of images of different sizes padded (bottom and right, with zeros) into one tensor
/// [B,C,Hmax',Wmax'] whose sides are multiples of <c>sizeDivisible</c>, together with each image's
/// size before padding — torchvision's <c>ImageList</c> and <c>GeneralizedRCNNTransform.batch_images</c>.
/// </summary>
public sealed class ImageList : IDisposable
{
    public Tensor Tensors { get; }

    /// <summary>Each image's (height, width) before padding.</summary>
    public IReadOnlyList<(long Height, long Width)> ImageSizes { get; }

    public ImageList(Tensor tensors, IReadOnlyList<(long Height, long Width)> imageSizes)
    {
        Tensors = tensors;
        ImageSizes = imageSizes;
    }

    /// <summary>Pads and stacks [C,H,W] images; the result owns a new tensor (the inputs are not disposed).</summary>
    public static ImageList FromTensors(IReadOnlyList<Tensor> images, int sizeDivisible = 32)
    {
        if (images.Count == 0) throw new ArgumentException("an image batch needs at least one image", nameof(images));
        long channels = images[0].shape[0];
        long maxH = 0, maxW = 0;
        var sizes = new List<(long, long)>(images.Count);
        foreach (var img in images)
        {
            if (img.dim() != 3 || img.shape[0] != channels)
                throw new ArgumentException($"images must be [C,H,W] with the same C; got [{string.Join(",", img.shape)}]");
            sizes.Add((img.shape[1], img.shape[2]));
            maxH = Math.Max(maxH, img.shape[1]);
            maxW = Math.Max(maxW, img.shape[2]);
        }
        // torchvision rounds the padded size up with ceil(max / stride) * stride.
        maxH = (maxH + sizeDivisible - 1) / sizeDivisible * sizeDivisible;
        maxW = (maxW + sizeDivisible - 1) / sizeDivisible * sizeDivisible;
        var batch = zeros(new long[] { images.Count, channels, maxH, maxW }, images[0].dtype, images[0].device);
        for (int i = 0; i < images.Count; i++)
        {
            var (h, w) = sizes[i];
            using var dst = batch[i, .., ..(int)h, ..(int)w];
            dst.copy_(images[i]);
        }
        return new ImageList(batch, sizes);
    }

    public void Dispose() => Tensors.Dispose();
}
