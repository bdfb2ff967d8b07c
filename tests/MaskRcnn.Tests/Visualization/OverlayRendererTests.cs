using MaskRcnn.Data.Masks;
using MaskRcnn.Data.Images;
using MaskRcnn.Visualization;
using SkiaSharp;

namespace MaskRcnn.Tests.Visualization;

public class OverlayRendererTests
{
    const int W = SyntheticScene.Width, H = SyntheticScene.Height;

    static (byte R, byte G, byte B) Pixel(RgbImage image, int x, int y)
    {
        int i = 3 * (y * image.Width + x);
        return (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]);
    }

    [Fact]
    public void MaskInteriorIsBlendedContourIsOpaqueAndTheRestUntouched()
    {
        var background = SyntheticScene.Background(200, 100, 50);
        var instance = new InstanceOverlay("thing", 0.9f, new BoxXyxy(100, 100, 200, 200), SyntheticScene.Rectangle(100, 100, 200, 200));
        var outRgb = new OverlayRenderer { DrawBoxes = false }.Render(background, [instance]);
        var c = InstancePalette.ForRank(0);

        // Interior: 0.55 * background + 0.45 * colour, rounded.
        byte Blend(byte bg, byte col) => (byte)MathF.Round(bg * 0.55f + col * 0.45f);
        Assert.Equal((Blend(200, c.Red), Blend(100, c.Green), Blend(50, c.Blue)), Pixel(outRgb, 150, 150));
        // The two outermost rows and columns of the mask are the contour, in the pure colour.
        Assert.Equal((c.Red, c.Green, c.Blue), Pixel(outRgb, 150, 199));
        Assert.Equal((c.Red, c.Green, c.Blue), Pixel(outRgb, 101, 150));
        Assert.Equal((Blend(200, c.Red), Blend(100, c.Green), Blend(50, c.Blue)), Pixel(outRgb, 150, 197));
        // Outside the mask and away from the caption: unchanged.
        Assert.Equal(((byte)200, (byte)100, (byte)50), Pixel(outRgb, 150, 220));
        Assert.Equal(((byte)200, (byte)100, (byte)50), Pixel(outRgb, 5, 230));
    }

    [Fact]
    public void CaptionStaysInsideTheImageAtItsEdges()
    {
        // A box in the top-right corner: no room above it and its caption would run off the right side.
        var background = SyntheticScene.Background(255, 255, 255);
        var instance = new InstanceOverlay("a rather long class name", 0.5f, new BoxXyxy(300, 0, 320, 20));
        var rgb = new OverlayRenderer { FontSize = 14 }.Render(background, [instance]);
        var c = InstancePalette.ForRank(0);
        // The label background is drawn flush with the right edge and at the very top.
        Assert.Equal((c.Red, c.Green, c.Blue), Pixel(rgb, W - 1, 1));
        // Its left end: the first coloured column in row 1 lies within the image, left of the box.
        int first = Enumerable.Range(0, W).First(x => Pixel(rgb, x, 1) != ((byte)255, (byte)255, (byte)255));
        Assert.InRange(first, 1, 299);
    }

    [Fact]
    public void CaptionSitsAboveTheBoxWhenThereIsRoom()
    {
        var background = SyntheticScene.Background(0, 0, 0);
        var rgb = new OverlayRenderer { FontSize = 12, DrawBoxes = false }.Render(background, [new InstanceOverlay("cat", 0.7f, new BoxXyxy(100, 100, 150, 150))]);
        var c = InstancePalette.ForRank(0);
        Assert.Equal((c.Red, c.Green, c.Blue), Pixel(rgb, 100, 99)); // label's bottom-left, just above the box
        Assert.Equal(((byte)0, (byte)0, (byte)0), Pixel(rgb, 100, 101)); // box interior untouched
    }

    [Fact]
    public void CaptionTextIsDrawnInAContrastingColour()
    {
        var background = SyntheticScene.Background(128, 128, 128);
        var rgb = new OverlayRenderer { FontSize = 20, DrawBoxes = false }.Render(background, [new InstanceOverlay("MMMM", 0.99f, new BoxXyxy(50, 100, 200, 150))]);
        var c = InstancePalette.ForRank(0);
        var text = InstancePalette.TextColorOn(c);
        // Some pixels in the label carry the text colour exactly (glyph stems are opaque).
        int hits = 0;
        for (int y = 75; y < 100; y++)
            for (int x = 50; x < 200; x++)
                if (Pixel(rgb, x, y) == (text.Red, text.Green, text.Blue)) hits++;
        Assert.True(hits > 30, $"only {hits} text-coloured pixels in the caption");
    }

    [Fact]
    public void TextColourContrastsWithTheLabel()
    {
        Assert.Equal(SKColors.Black, InstancePalette.TextColorOn(new SKColor(255, 225, 25)));
        Assert.Equal(SKColors.White, InstancePalette.TextColorOn(new SKColor(0, 0, 128)));
        Assert.Equal(SKColors.White, InstancePalette.TextColorOn(new SKColor(128, 0, 0)));
        Assert.Equal(SKColors.Black, InstancePalette.TextColorOn(new SKColor(70, 240, 240)));
    }

    [Fact]
    public void ColoursFollowRankAndRepeatAcrossRuns()
    {
        Assert.Equal(InstancePalette.ForRank(3), InstancePalette.ForRank(3 + InstancePalette.Count));
        var distinct = Enumerable.Range(0, InstancePalette.Count).Select(InstancePalette.ForRank).Distinct().Count();
        Assert.Equal(InstancePalette.Count, distinct);
        var scene = SyntheticScene.Background(90, 90, 90);
        var a = new OverlayRenderer().Render(scene, SyntheticScene.Instances(true));
        var b = new OverlayRenderer().Render(scene, SyntheticScene.Instances(true));
        Assert.Equal(a.Pixels, b.Pixels);
    }

    [Fact]
    public void MaskOfTheWrongSizeIsRejectedNamingTheInstance()
    {
        var e = Assert.Throws<ArgumentException>(() => new OverlayRenderer().Render(SyntheticScene.Background(0, 0, 0),
            [new InstanceOverlay("dog", 0.5f, new BoxXyxy(0, 0, 1, 1), CroppedMask.Empty(2, 5))]));
        Assert.Contains("dog", e.Message);
    }

    [Fact]
    public void RendersLightAndDarkExamples()
    {
        // Writes the examples where a developer can look at them when MASKRCNN_TEST_ARTIFACTS is set.
        string? folder = Environment.GetEnvironmentVariable("MASKRCNN_TEST_ARTIFACTS");
        foreach (var (name, bg) in new[] { ("light", (235, 232, 220)), ("dark", (18, 20, 28)) })
        {
            var scene = SyntheticScene.Background((byte)bg.Item1, (byte)bg.Item2, (byte)bg.Item3);
            var overlay = new OverlayRenderer().Render(scene, SyntheticScene.Instances(withScores: true));
            Assert.Equal((W, H), (overlay.Width, overlay.Height));
            Assert.NotEqual(scene.Pixels, overlay.Pixels);
            if (folder is not null) ImageIo.SavePng(overlay, Path.Combine(folder, $"overlay-{name}.png"));
        }
    }

    [Fact]
    public void ScaledRenderingResizesImageBoxesAndMasks()
    {
        var small = new RgbImage(4, 2);
        var mask = new byte[] { 0, 1, 1, 0, 0, 1, 1, 0 };
        var big = new OverlayRenderer { DrawBoxes = false, LineWidth = 1 }.Render(small, [new InstanceOverlay("x", null, new BoxXyxy(1, 0, 3, 2), CroppedMask.FromFullFrame(mask, 2, 4))], scale: 20);
        Assert.Equal((80, 40), (big.Width, big.Height));
        var c = InstancePalette.ForRank(0);
        byte Blend(byte col) => (byte)MathF.Round(col * 0.45f);
        // Mask column 1 covers x 20..39 after scaling (below the caption, which takes the top rows): its interior
        // is blended, the column left of it untouched.
        Assert.Equal((Blend(c.Red), Blend(c.Green), Blend(c.Blue)), Pixel(big, 30, 30));
        Assert.Equal(((byte)0, (byte)0, (byte)0), Pixel(big, 16, 30));
        Assert.Equal((c.Red, c.Green, c.Blue), Pixel(big, 20, 30)); // the contour at the scaled mask's edge
    }
}
