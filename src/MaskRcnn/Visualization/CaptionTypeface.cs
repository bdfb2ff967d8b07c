using SkiaSharp;

namespace MaskRcnn.Visualization;

/// <summary>
/// The typeface for captions. The Linux Skia build we ship has no fontconfig, so family lookups can come back
/// empty; in that case a sans-serif font file is taken from the usual system folders.
/// </summary>
static class CaptionTypeface
{
    static readonly string[] Candidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
        "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
        "/System/Library/Fonts/Supplemental/Arial Bold.ttf",
        @"C:\Windows\Fonts\arialbd.ttf",
    ];

    static readonly Lazy<SKTypeface> Instance = new(Resolve);

    public static SKTypeface Value => Instance.Value;

    /// <summary>The first sans-serif font file found in the usual system folders, or null.</summary>
    public static string? FontFile { get; } = Candidates.FirstOrDefault(File.Exists);

    static SKTypeface Resolve()
    {
        var byName = SKTypeface.FromFamilyName("DejaVu Sans", SKFontStyle.Bold);
        if (byName is not null && byName.GlyphCount > 0) return byName;
        if (FontFile is not null && SKTypeface.FromFile(FontFile) is { GlyphCount: > 0 } fromFile) return fromFile;
        return SKTypeface.Default;
    }
}
