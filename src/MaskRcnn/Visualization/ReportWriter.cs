using System.Globalization;
using System.Net;
using System.Text;

namespace MaskRcnn.Visualization;

/// <summary>An image shown in the report, by path, with a caption.</summary>
public sealed record ReportImage(string Path, string Caption);

/// <summary>
/// What a report shows: run facts, the 12 COCO summary statistics per IoU type ("bbox", "segm"), the loss
/// curve and comparison images.
/// </summary>
public sealed record ReportContent
{
    public string Title { get; init; } = "Mask R-CNN report";

    /// <summary>Facts about the run (model, data, iterations, time), shown in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Facts { get; init; } = [];

    /// <summary>COCOeval's <c>stats</c> (12 values, in its order) per IoU type.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> CocoStats { get; init; } = new Dictionary<string, IReadOnlyList<double>>();

    /// <summary>Per-class AP rows (box and mask, null where undefined), shown after the COCO metrics.</summary>
    public IReadOnlyList<ReportClassAp> PerClassAp { get; init; } = [];

    public ReportImage? LossCurve { get; init; }

    public IReadOnlyList<ReportImage> Comparisons { get; init; } = [];
}

/// <summary>One row of the report's per-class AP table.</summary>
public sealed record ReportClassAp(string Name, double? BboxAp, double? SegmAp);

/// <summary>
/// Writes a self-contained one-page <c>report.html</c>; images are referenced by paths relative to the report,
/// so the folder can be moved or published as a whole.
/// </summary>
public static class ReportWriter
{
    /// <summary>The names of COCOeval's 12 summary statistics, in the order of its <c>stats</c> array.</summary>
    public static IReadOnlyList<string> CocoStatNames { get; } =
    [
        "AP @[.50:.95]", "AP @.50", "AP @.75", "AP small", "AP medium", "AP large",
        "AR max=1", "AR max=10", "AR max=100", "AR small", "AR medium", "AR large",
    ];

    public static void Write(string path, ReportContent content)
    {
        foreach (var (iouType, stats) in content.CocoStats)
            if (stats.Count != CocoStatNames.Count)
                throw new ArgumentException($"{iouType} statistics have {stats.Count} values; COCOeval summarises into {CocoStatNames.Count}");
        var full = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);

        var html = new StringBuilder();
        html.Append($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{{E(content.Title)}}</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
            table { border-collapse: collapse; margin: 1em 0; }
            th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            figure { margin: 1em 0; } img { max-width: 100%; } figcaption { color: #555; font-size: 90%; }
            </style></head><body>
            <h1>{{E(content.Title)}}</h1>

            """);
        if (content.Facts.Count > 0)
        {
            html.Append("<table>\n");
            foreach (var (k, v) in content.Facts) html.Append($"<tr><td>{E(k)}</td><td>{E(v)}</td></tr>\n");
            html.Append("</table>\n");
        }
        if (content.CocoStats.Count > 0)
        {
            var types = content.CocoStats.Keys.ToList();
            html.Append("<h2>COCO metrics</h2>\n<table>\n<tr><th>metric</th>");
            foreach (var t in types) html.Append($"<th>{E(t)}</th>");
            html.Append("</tr>\n");
            for (int i = 0; i < CocoStatNames.Count; i++)
            {
                html.Append($"<tr><td>{E(CocoStatNames[i])}</td>");
                // COCOeval reports -1 where a category of sizes has no instances.
                foreach (var t in types)
                {
                    double v = content.CocoStats[t][i];
                    html.Append($"<td>{(v < 0 ? "–" : v.ToString("0.000", CultureInfo.InvariantCulture))}</td>");
                }
                html.Append("</tr>\n");
            }
            html.Append("</table>\n");
        }
        if (content.PerClassAp.Count > 0)
        {
            html.Append("<h2>Per-class AP @[.50:.95]</h2>\n<table>\n<tr><th>class</th><th>bbox</th><th>segm</th></tr>\n");
            foreach (var row in content.PerClassAp)
                html.Append($"<tr><td>{E(row.Name)}</td><td>{Cell(row.BboxAp)}</td><td>{Cell(row.SegmAp)}</td></tr>\n");
            html.Append("</table>\n");
        }
        if (content.LossCurve is not null)
            html.Append($"<h2>Training loss</h2>\n{Figure(folder, content.LossCurve)}");
        if (content.Comparisons.Count > 0)
        {
            html.Append("<h2>Predictions and ground truth</h2>\n");
            foreach (var image in content.Comparisons) html.Append(Figure(folder, image));
        }
        html.Append("</body></html>\n");

        var tmp = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, html.ToString());
        File.Move(tmp, full, overwrite: true);
    }

    static string Figure(string folder, ReportImage image)
    {
        var relative = System.IO.Path.GetRelativePath(folder, System.IO.Path.GetFullPath(image.Path)).Replace('\\', '/');
        var src = string.Join('/', relative.Split('/').Select(Uri.EscapeDataString));
        return $"<figure><img src=\"{E(src)}\" alt=\"{E(image.Caption)}\"><figcaption>{E(image.Caption)}</figcaption></figure>\n";
    }

    static string E(string s) => WebUtility.HtmlEncode(s);

    static string Cell(double? v) => v is double d ? d.ToString("0.000", CultureInfo.InvariantCulture) : "–";
}
