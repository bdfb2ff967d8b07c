using MaskRcnn.Tests.Support;
using MaskRcnn.Training;
using MaskRcnn.Visualization;
using SkiaSharp;

namespace MaskRcnn.Tests.Visualization;

public sealed class LossCurvePlotTests : IDisposable
{
    readonly TempDirectory temp = new();

    string folder => temp.Path;

    public void Dispose() => temp.Dispose();

    [Fact]
    public void SmoothingIsTensorBoardsDebiasedMovingAverage()
    {
        // w = 0.5: ema1 = 0.5*2 = 1 -> /0.5 = 2; ema2 = 0.5 + 0.5*4 = 2.5 -> /0.75 = 3.333...
        var s = LossCurvePlot.Smooth([2, 4, double.NaN, 4], 0.5);
        Assert.Equal(2, s[0], 12);
        Assert.Equal(2.5 / 0.75, s[1], 12);
        Assert.True(double.IsNaN(s[2]));
        Assert.Equal((1.25 + 2) / 0.875, s[3], 12);
        Assert.Equal([1.0, 5.0], LossCurvePlot.Smooth([1, 5], 0));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WritesAPngOfTheRequestedSize(bool logY)
    {
        var metrics = Enumerable.Range(1, 50).Select(i => new LossPoint(i * 20, 1.0 / i + 0.7 / Math.Sqrt(i),
            new Dictionary<string, double> { ["loss_classifier"] = 1.0 / i, ["loss_mask"] = 0.7 / Math.Sqrt(i) })).ToList();
        string path = Path.Combine(folder, $"loss-{logY}.png");
        new LossCurvePlot { LogY = logY, Width = 640, Height = 360 }.Save(metrics, path);
        using var bitmap = SKBitmap.Decode(path);
        Assert.Equal((640, 360), (bitmap.Width, bitmap.Height));
        string? artifacts = Environment.GetEnvironmentVariable("MASKRCNN_TEST_ARTIFACTS");
        if (artifacts is not null) File.Copy(path, Path.Combine(artifacts, Path.GetFileName(path)), overwrite: true);
    }

    [Fact]
    public void NoMetricsIsAnError() =>
        Assert.Throws<ArgumentException>(() => new LossCurvePlot().Save([], Path.Combine(folder, "x.png")));
}
