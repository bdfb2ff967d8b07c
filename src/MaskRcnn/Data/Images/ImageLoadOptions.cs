using MaskRcnn.Modeling;

namespace MaskRcnn.Data.Images;

/// <summary>How <see cref="ImageIo.Load(string, ImageLoadOptions?)"/> reads images with more than 8 bits per sample.</summary>
public sealed record ImageLoadOptions
{
    /// <summary>The mapping of 16-bit (and float) intensities to 0..255; 8-bit images are never remapped.</summary>
    public IntensityMapping Intensity { get; init; } = IntensityMapping.Default;

    /// <summary>Receives notices such as "multi-page TIFF, first page used"; null writes them to standard error.</summary>
    public Action<string>? Notice { get; init; }

    public static ImageLoadOptions Default { get; } = new();

    internal void Report(string message) => (Notice ?? Console.Error.WriteLine)(message);
}
