using MaskRcnn.Data.Masks;
using MaskRcnn.Data.Images;
using MaskRcnn.Visualization;

namespace MaskRcnn.Tests.Visualization;

/// <summary>A plain background with a disc, a rectangle and objects touching the image's corners.</summary>
static class SyntheticScene
{
    public const int Width = 320, Height = 240;

    public static RgbImage Background(byte r, byte g, byte b)
    {
        var image = new RgbImage(Width, Height);
        var rgb = image.Pixels;
        for (int i = 0; i < Width * Height; i++) (rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]) = (r, g, b);
        return image;
    }

    public static CroppedMask Disc(float cx, float cy, float radius) =>
        Mask((x, y) => (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius);

    public static CroppedMask Rectangle(int x1, int y1, int x2, int y2) =>
        Mask((x, y) => x >= x1 && x < x2 && y >= y1 && y < y2);

    static CroppedMask Mask(Func<float, float, bool> inside)
    {
        var m = new byte[Width * Height];
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
                m[y * Width + x] = inside(x + 0.5f, y + 0.5f) ? (byte)1 : (byte)0;
        return CroppedMask.FromFullFrame(m, Height, Width);
    }

    public static List<InstanceOverlay> Instances(bool withScores) =>
    [
        new("person", withScores ? 0.98f : null, new BoxXyxy(60, 50, 160, 150), Disc(110, 100, 50)),
        new("car", withScores ? 0.87f : null, new BoxXyxy(180, 120, 300, 200), Rectangle(180, 120, 300, 200)),
        new("traffic light", withScores ? 0.55f : null, new BoxXyxy(0, 0, 40, 60), Rectangle(0, 0, 40, 60)),
        new("umbrella", withScores ? 0.31f : null, new BoxXyxy(290, 10, 320, 50), Rectangle(290, 10, 320, 50)),
    ];
}
