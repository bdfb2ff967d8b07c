using MaskRcnn.Data.Masks;

namespace MaskRcnn.Visualization;

/// <summary>A box in image pixels, corners (x1,y1) top-left and (x2,y2) bottom-right.</summary>
public readonly record struct BoxXyxy(float X1, float Y1, float X2, float Y2);

/// <summary>
/// One object to draw: its class name, its score (null for ground truth), its box and optionally its
/// binary mask (of the image's height × width, kept over its window).
/// </summary>
public sealed record InstanceOverlay(string Label, float? Score, BoxXyxy Box, CroppedMask? Mask = null)
{
    /// <summary>"label 0.97", or the label alone for ground truth.</summary>
    public string Caption => Score is float s ? $"{Label} {s.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}" : Label;
}
