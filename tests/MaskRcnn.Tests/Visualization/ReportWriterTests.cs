using MaskRcnn.Data.Images;
using MaskRcnn.Tests.Support;
using MaskRcnn.Visualization;

namespace MaskRcnn.Tests.Visualization;

public sealed class ReportWriterTests : IDisposable
{
    readonly TempDirectory temp = new();

    string folder => temp.Path;

    public void Dispose() => temp.Dispose();

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
        var red = Filled(100, 50, 255, 0, 0);
        var blue = Filled(200, 100, 0, 0, 255);
        var grid = ComparisonGrid.Compose([new ComparisonRow(red, blue, "image 7"), new ComparisonRow(blue, red)], cellWidth: 100);
        Assert.Equal(2 * 100 + 3 * 6, grid.Width);
        // Both panels are scaled to 100 px wide, so 50 px tall; sample the middle of each.
        int firstRowMiddle = Enumerable.Range(0, grid.Height).First(y => Pixel(grid, 56, y) == (255, 0, 0)) + 25;
        Assert.Equal((0, 0, 255), Pixel(grid, 106 + 50, firstRowMiddle));
        int secondRowMiddle = Enumerable.Range(firstRowMiddle + 26, grid.Height - firstRowMiddle - 26).First(y => Pixel(grid, 56, y) == (0, 0, 255)) + 25;
        Assert.Equal((255, 0, 0), Pixel(grid, 106 + 50, secondRowMiddle));
        string? artifacts = Environment.GetEnvironmentVariable("MASKRCNN_TEST_ARTIFACTS");
        if (artifacts is not null) ImageIo.SavePng(grid, Path.Combine(artifacts, "grid.png"));
    }

    static RgbImage Filled(int w, int h, byte r, byte g, byte b)
    {
        var image = new RgbImage(w, h);
        for (int i = 0; i < w * h; i++) (image.Pixels[3 * i], image.Pixels[3 * i + 1], image.Pixels[3 * i + 2]) = (r, g, b);
        return image;
    }

    static (int, int, int) Pixel(RgbImage image, int x, int y)
    {
        int i = 3 * (y * image.Width + x);
        return (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]);
    }
}
