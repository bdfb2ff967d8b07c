using MaskRcnn.Data.Masks;
using MaskRcnn.Visualization;

namespace MaskRcnn.Tests.Visualization;

/// <summary>Drawing a mask from its crop gives the picture its image-sized form gives (fill and contour, at any scale).</summary>
public class CroppedOverlayTests
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(2.5)]
    [InlineData(0.6)]
    public void A_tight_crop_draws_exactly_as_the_same_mask_over_the_whole_image(double scale)
    {
        var background = SyntheticScene.Background(90, 140, 200);
        // Touching the left and top borders, a disc inside, and a thin bar along the bottom edge.
        var tight = SyntheticScene.Instances(withScores: true).Select(i => i.Mask!).Append(SyntheticScene.Rectangle(0, 237, 320, 240)).ToList();
        var whole = tight.Select(m => new CroppedMask(m.ImageHeight, m.ImageWidth, new MaskWindow(0, 0, m.ImageWidth, m.ImageHeight), m.ToFullFrame())).ToList();
        Assert.All(tight, m => Assert.True(m.Window.Area < (long)m.ImageWidth * m.ImageHeight));
        var renderer = new OverlayRenderer { DrawBoxes = false, LineWidth = 3 };
        List<InstanceOverlay> Overlays(List<CroppedMask> masks) => masks.Select((m, i) => new InstanceOverlay($"o{i}", 0.5f, new BoxXyxy(0, 0, 1, 1), m)).ToList();
        var fromCrops = renderer.Render(background, Overlays(tight), scale);
        var fromWhole = renderer.Render(background, Overlays(whole), scale);
        Assert.Equal(fromWhole.Pixels, fromCrops.Pixels);
        Assert.NotEqual(renderer.Render(background, [], scale).Pixels, fromCrops.Pixels);
    }
}
