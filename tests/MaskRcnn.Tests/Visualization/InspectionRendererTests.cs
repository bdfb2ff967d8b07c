using MaskRcnn.Data.Images;
using MaskRcnn.Visualization;

namespace MaskRcnn.Tests.Visualization;

public class InspectionRendererTests
{
    static (byte R, byte G, byte B) Pixel(RgbImage image, int x, int y)
    {
        int i = 3 * (y * image.Width + x);
        return (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]);
    }

    static RgbImage Grey(int w, int h, byte value)
    {
        var image = new RgbImage(w, h);
        Array.Fill(image.Pixels, value);
        return image;
    }

    [Fact]
    public void Boxes_are_drawn_at_display_scale_below_the_header_and_clipped_to_the_image()
    {
        // 64×48 enlarged to 640 wide: ×10. The box pokes 20 px above the image, into where the header is.
        var renderer = new InspectionRenderer { DisplaySize = 640 };
        var picture = renderer.RenderScoredBoxes(Grey(64, 48, 128), [new ScoredBoxOverlay(new BoxXyxy(10, -20, 50, 30), 0.25f)], "title");
        Assert.Equal(640, picture.Width);
        int header = picture.Height - 480;
        Assert.True(header > 0);
        // Score 0.25 is hue 180 (cyan) on the blue → red scale; the legend shows 0, 0.5 and 1 only.
        var cyan = InspectionRenderer.ScoreColor(0.25f);
        bool IsCyan((byte R, byte G, byte B) p) => p.R < 60 && p.G > 190 && p.B > 190;
        Assert.True(cyan.Red == 0 && cyan.Green == 255 && cyan.Blue == 255, $"score 0.25 gave {cyan}");
        for (int y = 0; y < header; y++)
            for (int x = 0; x < picture.Width; x++)
                Assert.False(IsCyan(Pixel(picture, x, y)), $"box drawn into the header at ({x}, {y})");
        // The left edge runs at x = 100 from the image's top down to y = 30 · 10, the bottom edge at y = 300.
        Assert.True(IsCyan(Pixel(picture, 100, header + 150)));
        Assert.True(IsCyan(Pixel(picture, 300, header + 300)));
        Assert.False(IsCyan(Pixel(picture, 300, header + 150)));
    }

    [Fact]
    public void Raw_mask_probabilities_are_enlarged_nearest_neighbour()
    {
        // A 2×2 mask at 56 px per panel: four 28-px blocks of exactly grey 51 (0.2) and 204 (0.8), nothing between.
        var mask = new byte[32 * 32];
        for (int y = 8; y < 24; y++) for (int x = 8; x < 24; x++) mask[y * 32 + x] = 1;
        var panel = new MaskPanel("#1 thing 0.90", 2, [0.2f, 0.8f, 0.8f, 0.2f], new BoxXyxy(8, 8, 24, 24), mask);
        var picture = new InspectionRenderer { MaskCellSize = 56 }.RenderMasks(32, 32, [panel], "masks");

        var dark = Enumerable.Range(0, picture.Width * picture.Height)
            .Where(i => Pixel(picture, i % picture.Width, i / picture.Width) == (51, 51, 51)).ToList();
        Assert.NotEmpty(dark);
        int x0 = dark.Min(i => i % picture.Width), y0 = dark.Min(i => i / picture.Width);
        int x1 = dark.Max(i => i % picture.Width), y1 = dark.Max(i => i / picture.Width);
        // The dark cells are the top-left and bottom-right quarters: their bounding box is the whole panel.
        Assert.InRange(x1 - x0 + 1, 54, 56);
        Assert.InRange(y1 - y0 + 1, 54, 56);
        Assert.Equal((51, 51, 51), Pixel(picture, x0 + 5, y0 + 5));
        Assert.Equal((204, 204, 204), Pixel(picture, x1 - 5, y0 + 5));
        Assert.Equal((204, 204, 204), Pixel(picture, x0 + 5, y1 - 5));
        Assert.Equal((51, 51, 51), Pixel(picture, x1 - 5, y1 - 5));
        // A bilinear enlargement would blend the cells at their border.
        for (int x = x0 + 1; x < x1; x++)
            Assert.Contains(Pixel(picture, x, y0 + 27).R, new byte[] { 51, 204 });
    }

    [Fact]
    public void A_mask_panel_whose_sizes_disagree_is_refused_naming_it()
    {
        var panel = new MaskPanel("#3 thing 0.50", 28, new float[14 * 14], new BoxXyxy(0, 0, 4, 4), new byte[16]);
        var e = Assert.Throws<ArgumentException>(() => new InspectionRenderer().RenderMasks(4, 4, [panel], "masks"));
        Assert.Contains("#3 thing", e.Message);
    }
}
