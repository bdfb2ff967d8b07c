using MaskRcnn.Visualization;
using SkiaSharp;

namespace MaskRcnn.Tests.Visualization;

public sealed class ReportWriterTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("maskrcnn-report-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static double[] Stats(double first) => Enumerable.Range(0, 12).Select(i => i == 3 ? -1 : first + i / 100.0).ToArray();

    [Fact]
    public void ReportHasBothMetricTablesAndRelativeImageLinks()
    {
        string report = Path.Combine(folder, "run", "report.html");
        ReportWriter.Write(report, new ReportContent
        {
            Title = "shapes <test>",
            Facts = [new("iterations", "300")],
            CocoStats = new Dictionary<string, IReadOnlyList<double>> { ["bbox"] = Stats(0.5), ["segm"] = Stats(0.4) },
            LossCurve = new ReportImage(Path.Combine(folder, "run", "loss curve.png"), "loss"),
            Comparisons = [new ReportImage(Path.Combine(folder, "run", "grids", "grid-0.png"), "images 1-4")],
        });
        string html = File.ReadAllText(report);
        Assert.Contains("shapes &lt;test&gt;", html);
        Assert.Contains("<th>bbox</th><th>segm</th>", html);
        Assert.Contains("<td>AP @[.50:.95]</td><td>0.500</td><td>0.400</td>", html);
        Assert.Contains("<td>AR large</td><td>0.610</td><td>0.510</td>", html);
        Assert.Contains("<td>AP small</td><td>–</td><td>–</td>", html); // COCOeval's -1
        Assert.Contains("src=\"loss%20curve.png\"", html);
        Assert.Contains("src=\"grids/grid-0.png\"", html);
        Assert.DoesNotContain(folder, html);
    }

    [Fact]
    public void WrongNumberOfStatisticsIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => ReportWriter.Write(Path.Combine(folder, "r.html"),
            new ReportContent { CocoStats = new Dictionary<string, IReadOnlyList<double>> { ["segm"] = [0.1, 0.2] } }));
        Assert.Contains("segm", e.Message);
    }

    [Fact]
    public void ComparisonGridPlacesPredictionLeftAndGroundTruthRight()
    {
        using var red = new SKBitmap(100, 50);
        red.Erase(SKColors.Red);
        using var blue = new SKBitmap(200, 100);
        blue.Erase(SKColors.Blue);
        using var grid = ComparisonGrid.Compose([new ComparisonRow(red, blue, "image 7"), new ComparisonRow(blue, red)], cellWidth: 100);
        Assert.Equal(2 * 100 + 3 * 6, grid.Width);
        // Both panels are scaled to 100 px wide, so 50 px tall; sample the middle of each.
        int firstRowMiddle = FindRowWith(grid, SKColors.Red, x: 56);
        Assert.Equal(SKColors.Blue, grid.GetPixel(106 + 50, firstRowMiddle));
        string? artifacts = Environment.GetEnvironmentVariable("MASKRCNN_TEST_ARTIFACTS");
        if (artifacts is not null) RgbBitmap.SavePng(grid, Path.Combine(artifacts, "grid.png"));
    }

    static int FindRowWith(SKBitmap b, SKColor color, int x) =>
        Enumerable.Range(0, b.Height).First(y => b.GetPixel(x, y) == color) + 25;
}
