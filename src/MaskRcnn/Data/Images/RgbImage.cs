namespace MaskRcnn.Data.Images;

/// <summary>An 8-bit RGB image, pixels interleaved row by row (HWC: <c>Pixels[(y*Width + x)*3 + c]</c>).</summary>
public sealed record RgbImage(int Width, int Height, byte[] Pixels)
{
    public RgbImage(int width, int height) : this(width, height, new byte[checked(width * height * 3)]) { }

    /// <summary>The pixel buffer's length must match the size: a mismatch is a bug, reported early.</summary>
    public byte[] Pixels { get; init; } = Pixels.Length == (long)Width * Height * 3
        ? Pixels
        : throw new ArgumentException($"an RGB image of {Width}x{Height} needs {(long)Width * Height * 3} bytes, got {Pixels.Length}");
}
