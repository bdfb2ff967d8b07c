namespace MaskRcnn.Visualization;

/// <summary>
/// The font family for ScottPlot charts: the captions' font file registered with ScottPlot under a fixed
/// name, because without fontconfig ScottPlot's own family lookup can find no glyphs on Linux.
/// </summary>
static class PlotFont
{
    static readonly Lazy<string> Registered = new(() =>
    {
        if (CaptionTypeface.FontFile is not string file) return ScottPlot.Fonts.Default;
        const string name = "MaskRcnn Sans";
        ScottPlot.Fonts.AddFontFile(name, file);
        return name;
    });

    public static string Family => Registered.Value;
}
