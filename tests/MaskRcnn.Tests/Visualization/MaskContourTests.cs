using MaskRcnn.Visualization;

namespace MaskRcnn.Tests.Visualization;

public class MaskContourTests
{
    static string Draw(bool[] b, int w) =>
        string.Join("\n", Enumerable.Range(0, b.Length / w).Select(y => new string(Enumerable.Range(0, w).Select(x => b[y * w + x] ? '#' : '.').ToArray())));

    static byte[] FiveByFiveSquareIn7x7()
    {
        var mask = new byte[7 * 7];
        for (int y = 1; y <= 5; y++) for (int x = 1; x <= 5; x++) mask[y * 7 + x] = 1;
        return mask;
    }

    [Fact]
    public void OnePixelBandOfASquare()
    {
        var mask = FiveByFiveSquareIn7x7();
        Assert.Equal(
            ".......\n.#####.\n.#...#.\n.#...#.\n.#...#.\n.#####.\n.......",
            Draw(MaskContour.Boundary(mask, 7, 7, thickness: 1), 7));
    }

    [Fact]
    public void TwoPixelBandFollowsFourNeighbourErosion()
    {
        var mask = FiveByFiveSquareIn7x7();
        // After two erosions only the centre pixel survives.
        Assert.Equal(
            ".......\n.#####.\n.#####.\n.##.##.\n.#####.\n.#####.\n.......",
            Draw(MaskContour.Boundary(mask, 7, 7, thickness: 2), 7));
    }

    [Fact]
    public void ImageBorderCountsAsOutside()
    {
        var mask = Enumerable.Repeat((byte)1, 16).ToArray();
        Assert.Equal("####\n#..#\n#..#\n####", Draw(MaskContour.Boundary(mask, 4, 4, thickness: 1), 4));
    }
}
