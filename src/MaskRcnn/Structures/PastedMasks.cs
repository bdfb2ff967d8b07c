using MaskRcnn.Data.Masks;
using static TorchSharp.torch;

namespace MaskRcnn.Structures;

/// <summary>
/// Mask probabilities pasted into an image as torchvision's <c>paste_masks_in_image</c> pastes them, each kept only
/// over its window: the pasted (padded, integer) box clipped to the image, the only pixels that function writes.
/// Everywhere else the full-frame [N,1,H,W] tensor torchvision returns is exactly 0, so <see cref="ToTensor"/> gives it
/// back bit for bit while a crowded image (a thousand objects in 1000×1000 pixels) costs its boxes' pixels rather than
/// 4 GB of image-sized planes.
/// </summary>
public sealed class PastedMasks
{
    readonly float[] _values;
    readonly long[] _offsets;

    /// <param name="imageSize">The image's (height, width).</param>
    /// <param name="windows">Each mask's window, inside the image (empty for a box wholly outside it).</param>
    /// <param name="values">The windows' probabilities one after the other, each row-major (kept, not copied).</param>
    public PastedMasks((int Height, int Width) imageSize, IReadOnlyList<MaskWindow> windows, float[] values)
    {
        var offsets = new long[windows.Count + 1];
        for (int i = 0; i < windows.Count; i++)
        {
            var w = windows[i];
            if (!w.IsEmpty && (w.X0 < 0 || w.Y0 < 0 || w.X1 > imageSize.Width || w.Y1 > imageSize.Height))
                throw new ArgumentException($"mask {i}: window {w} is not inside the {imageSize.Width}x{imageSize.Height} image", nameof(windows));
            offsets[i + 1] = offsets[i] + w.Area;
        }
        if (values.LongLength != offsets[^1])
            throw new ArgumentException($"the windows hold {offsets[^1]} values, got {values.LongLength}", nameof(values));
        (ImageSize, Windows, _values, _offsets) = (imageSize, windows, values, offsets);
    }

    /// <summary>The image's (height, width).</summary>
    public (int Height, int Width) ImageSize { get; }

    public IReadOnlyList<MaskWindow> Windows { get; }

    public int Count => Windows.Count;

    /// <summary>Mask <paramref name="index"/>'s probabilities over its window, row-major.</summary>
    public ReadOnlySpan<float> Crop(int index) => _values.AsSpan((int)_offsets[index], (int)(_offsets[index + 1] - _offsets[index]));

    /// <summary>The masks <paramref name="indices"/> in that order (a new set sharing nothing mutable: crops are read-only).</summary>
    public PastedMasks Select(IReadOnlyList<long> indices)
    {
        var windows = indices.Select(i => Windows[(int)i]).ToArray();
        var values = new float[windows.Sum(w => w.Area)];
        long at = 0;
        foreach (long i in indices)
        {
            var crop = Crop((int)i);
            crop.CopyTo(values.AsSpan((int)at));
            at += crop.Length;
        }
        return new PastedMasks(ImageSize, windows, values);
    }

    /// <summary>
    /// Mask <paramref name="index"/> as a binary mask over its window, 1 where the probability is strictly above
    /// <paramref name="threshold"/> (torchvision's references: <c>masks &gt; 0.5</c>); not negative, so that the zeros
    /// outside the window stay outside the mask.
    /// </summary>
    public CroppedMask Binarize(int index, float threshold)
    {
        if (!(threshold >= 0)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "the mask threshold must be at least 0");
        var crop = Crop(index);
        var pixels = new byte[crop.Length];
        for (int i = 0; i < crop.Length; i++) pixels[i] = crop[i] > threshold ? (byte)1 : (byte)0;
        return new CroppedMask(ImageSize.Height, ImageSize.Width, Windows[index], pixels);
    }

    /// <summary>torchvision's full-frame form, float32 [N,1,H,W] on the CPU, zeros outside the windows (allocated on each call).</summary>
    public Tensor ToTensor()
    {
        var full = new float[(long)Count * ImageSize.Height * ImageSize.Width];
        long plane = (long)ImageSize.Height * ImageSize.Width;
        for (int i = 0; i < Count; i++)
        {
            var w = Windows[i];
            var crop = Crop(i);
            for (int y = 0; y < w.Height; y++)
                crop.Slice(y * w.Width, w.Width).CopyTo(full.AsSpan((int)(i * plane + (long)(w.Y0 + y) * ImageSize.Width + w.X0), w.Width));
        }
        return tensor(full, [Count, 1, ImageSize.Height, ImageSize.Width]);
    }
}
