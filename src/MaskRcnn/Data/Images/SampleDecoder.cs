using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Tiff.Constants;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;

namespace MaskRcnn.Data.Images;

/// <summary>An image's stored samples at 16 bits (8-bit samples are widened losslessly: v·257).</summary>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
/// <param name="Samples">Row-major, channels interleaved.</param>
/// <param name="Channels">1 for gray, 3 for colour (alpha is dropped, as PIL's <c>convert("RGB")</c> drops it).</param>
/// <param name="BitsPerSample">As stored: 8, 16, or 32 for float/int TIFF (which the decoder brings to 16 bits).</param>
/// <param name="Pages">TIFF directories in the file; only the first is decoded.</param>
internal sealed record SampleImage(int Width, int Height, int Channels, int BitsPerSample, ushort[] Samples, int Pages);

/// <summary>
/// Decodes what SkiaSharp cannot: TIFF (any page layout ImageSharp reads: 8/16-bit gray and RGB, LZW, Deflate,
/// PackBits, tiles) and 16-bit PNG. ImageSharp 2.x (Apache-2.0) decodes into 16-bit RGBA, which holds 16-bit
/// samples exactly (and label PNGs, whose raw values matter); 32-bit float TIFF samples are taken as 0..1 and clipped there by ImageSharp.
/// </summary>
internal static class SampleDecoder
{
    public static bool IsTiff(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && ((head[0] == 'I' && head[1] == 'I' && head[2] is 42 or 43 && head[3] == 0)
                             || (head[0] == 'M' && head[1] == 'M' && head[2] == 0 && head[3] is 42 or 43));

    /// <summary>A PNG whose IHDR says 16 bits per sample (byte 24 of the file).</summary>
    public static bool IsSixteenBitPng(ReadOnlySpan<byte> head) =>
        head.Length > 25 && head[0] == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G' && head[24] == 16;

    public static SampleImage Decode(string path, byte[] encoded)
    {
        bool tiff = IsTiff(encoded);
        IImageDecoder decoder = tiff ? new TiffDecoder { DecodingMode = FrameDecodingMode.First } : new PngDecoder();
        Image<Rgba64> image;
        try
        {
            image = Image.Load<Rgba64>(Configuration.Default, encoded, decoder);
        }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException or InvalidImageContentException)
        {
            throw new InvalidDataException($"cannot decode image {path}: {e.Message}", e);
        }
        using (image)
        {
            int channels, bits;
            if (tiff)
            {
                var frame = image.Frames.RootFrame.Metadata.GetTiffMetadata();
                channels = frame.PhotometricInterpretation is TiffPhotometricInterpretation.BlackIsZero or TiffPhotometricInterpretation.WhiteIsZero ? 1 : 3;
                bits = frame.BitsPerSample?.Channel0 ?? 8;
            }
            else
            {
                var png = image.Metadata.GetPngMetadata();
                channels = png.ColorType is PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha ? 1 : 3;
                bits = png.BitDepth == PngBitDepth.Bit16 ? 16 : 8;
            }
            int width = image.Width, height = image.Height;
            var samples = new ushort[checked(width * height * channels)];
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y++)
                {
                    var row = rows.GetRowSpan(y);
                    int o = y * width * channels;
                    for (int x = 0; x < row.Length; x++)
                    {
                        samples[o++] = row[x].R;
                        if (channels == 3)
                        {
                            samples[o++] = row[x].G;
                            samples[o++] = row[x].B;
                        }
                    }
                }
            });
            return new SampleImage(width, height, channels, bits, samples, tiff ? CountTiffPages(encoded) : 1);
        }
    }

    public static (int Width, int Height) ReadSize(string path)
    {
        try
        {
            var info = Image.Identify(path) ?? throw new InvalidDataException($"cannot decode image {path}: not a supported image, or corrupt");
            return (info.Width, info.Height);
        }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException or InvalidImageContentException)
        {
            throw new InvalidDataException($"cannot decode image {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The number of image file directories (pages), by following the IFD chain in the header (classic and BigTIFF);
    /// the decoder reads only the first page, and this says whether there were more.
    /// </summary>
    static int CountTiffPages(byte[] file)
    {
        bool little = file[0] == 'I', big = file[2] == 43 || file[3] == 43;
        ulong Read(long at, int size)
        {
            if (at < 0 || at + size > file.Length) return 0;
            ulong v = 0;
            for (int i = 0; i < size; i++)
                v |= (ulong)file[at + (little ? i : size - 1 - i)] << (8 * i);
            return v;
        }
        ulong offset = big ? Read(8, 8) : Read(4, 4);
        int pages = 0;
        var seen = new HashSet<ulong>();
        while (offset != 0 && offset < (ulong)file.Length && seen.Add(offset) && pages < 100_000)
        {
            pages++;
            ulong entries = big ? Read((long)offset, 8) : Read((long)offset, 2);
            long next = (long)offset + (big ? 8 + (long)entries * 20 : 2 + (long)entries * 12);
            offset = big ? Read(next, 8) : Read(next, 4);
        }
        return Math.Max(pages, 1);
    }
}
