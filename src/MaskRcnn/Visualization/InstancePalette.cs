using SkiaSharp;

namespace MaskRcnn.Visualization;

/// <summary>
/// Instance colours indexed by rank (0 = highest score), so the same detections get the same colours in every
/// run. Saturated hues that stay distinct from each other and from both black and white backgrounds.
/// </summary>
public static class InstancePalette
{
    static readonly SKColor[] Colors =
    [
        new(230, 25, 75), new(60, 180, 75), new(0, 130, 200), new(245, 130, 48), new(145, 30, 180),
        new(70, 240, 240), new(240, 50, 230), new(210, 245, 60), new(250, 190, 212), new(0, 128, 128),
        new(220, 190, 255), new(170, 110, 40), new(255, 225, 25), new(128, 0, 0), new(170, 255, 195),
        new(128, 128, 0), new(255, 215, 180), new(0, 0, 128),
    ];

    public static int Count => Colors.Length;

    public static SKColor ForRank(int rank) => Colors[((rank % Colors.Length) + Colors.Length) % Colors.Length];

    /// <summary>Black or white, whichever contrasts more with <paramref name="background"/> (WCAG relative luminance).</summary>
    public static SKColor TextColorOn(SKColor background)
    {
        static double Linear(byte c)
        {
            double s = c / 255.0;
            return s <= 0.03928 ? s / 12.92 : Math.Pow((s + 0.055) / 1.055, 2.4);
        }
        double luminance = 0.2126 * Linear(background.Red) + 0.7152 * Linear(background.Green) + 0.0722 * Linear(background.Blue);
        // Contrast against black is (L + 0.05) / 0.05, against white 1.05 / (L + 0.05); they are equal at L ≈ 0.179.
        return luminance > 0.179 ? SKColors.Black : SKColors.White;
    }
}
