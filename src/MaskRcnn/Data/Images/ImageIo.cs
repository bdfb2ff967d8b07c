using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Data.Images;

/// <summary>
/// Reads and writes images for the data pipeline. Decoding goes through SkiaSharp; every 8-bit layout
/// (gray, gray+alpha, RGB, RGBA, palette) comes out as RGB the way PIL's <c>convert("RGB")</c> does it,
/// which is what torchvision's COCO dataset feeds the model: gray is replicated to three channels and
/// alpha is dropped (not composited). EXIF orientation is ignored, as PIL ignores it unless asked.
/// Skia's libjpeg-turbo decode gives PIL's pixels exactly on the test JPEGs (4:2:0 colour and gray).
/// TIFF (8/16-bit, gray or colour; the first page of a multi-page file, with a notice) and 16-bit PNG go through
/// ImageSharp instead (<see cref="SampleDecoder"/>); their samples above 8 bits are brought to 0..255 by the
/// options' <see cref="MaskRcnn.Modeling.IntensityMapping"/>, 8-bit TIFF samples are taken as they are.
/// </summary>
public static class ImageIo
{
    public static RgbImage Load(string path, ImageLoadOptions? options = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"image file not found: {path}", path);
        byte[] encoded = File.ReadAllBytes(path);
        if (SampleDecoder.IsTiff(encoded) || SampleDecoder.IsSixteenBitPng(encoded))
            return FromSamples(path, SampleDecoder.Decode(path, encoded), options ?? ImageLoadOptions.Default);
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidDataException($"cannot decode image {path}: not a PNG/JPEG (or other supported) image, or corrupt");
        int width = codec.Info.Width, height = codec.Info.Height;
        if (width <= 0 || height <= 0) throw new InvalidDataException($"cannot decode image {path}: empty size {width}x{height}");

        // Unpremultiplied and without a colour space: the stored sample values, untouched by colour management.
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[checked(width * height * 4)];
        SKCodecResult result;
        unsafe
        {
            fixed (byte* p = rgba) result = codec.GetPixels(info, (IntPtr)p);
        }
        if (result != SKCodecResult.Success)
            throw new InvalidDataException($"cannot decode image {path}: {result} (truncated or corrupt file)");

        var rgb = new byte[width * height * 3];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgb[i] = rgba[j];
            rgb[i + 1] = rgba[j + 1];
            rgb[i + 2] = rgba[j + 2];
        }
        return new RgbImage(width, height, rgb);
    }

    static RgbImage FromSamples(string path, SampleImage image, ImageLoadOptions options)
    {
        if (image.Pages > 1)
            options.Report($"{path}: multi-page TIFF with {image.Pages} pages; only the first page is used");
        // ImageSharp reads 32-bit (float) TIFF samples as 0..1 and clips above: when most samples sit at the top, the
        // file holds raw counts, so say so rather than train on a white image.
        if (image.BitsPerSample > 16 && image.Samples.Count(v => v == ushort.MaxValue) is var clipped && clipped > image.Samples.Length / 2)
            options.Report($"{path}: {image.BitsPerSample}-bit TIFF with {100.0 * clipped / image.Samples.Length:0.#}% of its samples at or above 1.0, " +
                           "which the decoder clips (it reads such samples as 0..1); convert the image to 16-bit or rescale it to 0..1");
        var bytes = image.BitsPerSample <= 8
            ? Array.ConvertAll(image.Samples, v => (byte)(v >> 8))
            : IntensityScaling.ToBytes(image.Samples, options.Intensity);
        if (image.Channels == 3) return new RgbImage(image.Width, image.Height, bytes);
        var rgb = new byte[bytes.Length * 3];
        for (int i = 0, j = 0; i < bytes.Length; i++, j += 3)
            rgb[j] = rgb[j + 1] = rgb[j + 2] = bytes[i];
        return new RgbImage(image.Width, image.Height, rgb);
    }

    /// <summary>
    /// Reads an instance label image (PNG or TIFF, first page) as its raw values, never intensity-mapped: 8- or
    /// 16-bit gray gives the sample values; an 8-bit colour (or palette) image gives <c>r·65536 + g·256 + b</c>,
    /// so each distinct colour is one label and black is background.
    /// </summary>
    public static LabelImage LoadLabels(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"label image not found: {path}", path);
        byte[] encoded = File.ReadAllBytes(path);
        bool png = encoded.Length > 8 && encoded[0] == 0x89 && encoded[1] == 'P' && encoded[2] == 'N' && encoded[3] == 'G';
        if (!png && !SampleDecoder.IsTiff(encoded))
            throw new InvalidDataException($"label image {path} is neither PNG nor TIFF (a lossy format would corrupt the labels)");
        var image = SampleDecoder.Decode(path, encoded);
        if (image.BitsPerSample > 16 || (image.Channels == 3 && image.BitsPerSample > 8))
            throw new InvalidDataException($"label image {path} has {image.Channels} channel(s) of {image.BitsPerSample} bits; " +
                                           "label images must be 8- or 16-bit gray (or 8-bit colour)");
        var labels = new int[image.Width * image.Height];
        var s = image.Samples;
        if (image.Channels == 1)
        {
            int shift = image.BitsPerSample <= 8 ? 8 : 0;
            for (int i = 0; i < labels.Length; i++) labels[i] = s[i] >> shift;
        }
        else
        {
            for (int i = 0, j = 0; i < labels.Length; i++, j += 3)
                labels[i] = ((s[j] >> 8) << 16) | ((s[j + 1] >> 8) << 8) | (s[j + 2] >> 8);
        }
        return new LabelImage(image.Width, image.Height, labels);
    }

    /// <summary>Width and height from the file's header alone (no pixel decoding).</summary>
    public static (int Width, int Height) ReadSize(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"image file not found: {path}", path);
        Span<byte> head = stackalloc byte[4];
        using (var file = File.OpenRead(path))
            head = head[..file.Read(head)];
        if (SampleDecoder.IsTiff(head)) return SampleDecoder.ReadSize(path);
        using var codec = SKCodec.Create(path)
            ?? throw new InvalidDataException($"cannot decode image {path}: not a PNG/JPEG (or other supported) image, or corrupt");
        return (codec.Info.Width, codec.Info.Height);
    }

    /// <summary>float32 [3,H,W] in [0,1], as torchvision's <c>to_tensor</c>: byte value / 255 in float32.</summary>
    /// <remarks>Done in one managed pass rather than permute/convert/divide in libtorch: those small parallel
    /// kernels cost several times more on a busy machine, and the result is the same IEEE division.</remarks>
    public static Tensor ToTensor(RgbImage image)
    {
        int plane = image.Width * image.Height;
        var chw = new float[3 * plane];
        var rgb = image.Pixels;
        for (int p = 0, i = 0; p < plane; p++, i += 3)
        {
            chw[p] = rgb[i] / 255f;
            chw[plane + p] = rgb[i + 1] / 255f;
            chw[2 * plane + p] = rgb[i + 2] / 255f;
        }
        return tensor(chw, new long[] { 3, image.Height, image.Width });
    }

    /// <summary>Writes an 8-bit RGB PNG. Encoding is deterministic: the same pixels give the same bytes.</summary>
    public static void SavePng(RgbImage image, string path)
    {
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var rgba = new byte[checked(image.Width * image.Height * 4)];
        var rgb = image.Pixels;
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgba[j] = rgb[i];
            rgba[j + 1] = rgb[i + 1];
            rgba[j + 2] = rgb[i + 2];
            rgba[j + 3] = 255;
        }
        unsafe
        {
            fixed (byte* p = rgba)
            {
                using var pixmap = new SKPixmap(info, (IntPtr)p, info.RowBytes);
                using var encoded = pixmap.Encode(SKEncodedImageFormat.Png, 100)
                    ?? throw new InvalidOperationException($"PNG encoding failed for {path}");
                var dir = Path.GetDirectoryName(Path.GetFullPath(path));
                if (dir is not null) Directory.CreateDirectory(dir);
                using var file = File.Create(path);
                encoded.SaveTo(file);
            }
        }
    }
}
