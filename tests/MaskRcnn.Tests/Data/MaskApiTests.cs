using System.Text.Json;
using MaskRcnn.Data.Masks;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Data;

public class MaskApiTests
{
    // 3x2 row-major [[0,1],[1,1],[0,0]]; read column by column: 0,1,0 | 1,1,0.
    static readonly byte[] Small = [0, 1, 1, 1, 0, 0];

    [Fact]
    public void Encode_ReadsColumnMajorRunsStartingWithZeros()
    {
        var rle = MaskApi.Encode(Small, 3, 2);
        Assert.Equal([1u, 1, 1, 2, 1], rle.Counts);
        Assert.Equal(Small, MaskApi.Decode(rle));
        Assert.Equal(3, MaskApi.Area(rle));
    }

    [Fact]
    public void Encode_MaskStartingWithForeground_HasLeadingZeroRun()
    {
        var rle = MaskApi.Encode([1, 1, 1, 1], 2, 2);
        Assert.Equal([0u, 4], rle.Counts);
        Assert.Equal([0u, 0, 2, 2], Array.ConvertAll(MaskApi.ToBbox(rle), v => (uint)v));
    }

    [Theory]
    [InlineData(new uint[] { 1, 1, 1, 2, 1 }, "11110")]   // differences from index 3 on: 2-1, 1-1
    [InlineData(new uint[] { 0, 5, 10, 2 }, "05:M")]      // 2-5 = -3 -> 29 with the sign bit, one char
    [InlineData(new uint[] { 100 }, "T3")]                // 100 = 4 + 3*32: continuation bit on the first group
    [InlineData(new uint[] { 16 }, "`0")]                 // 16 has the sign bit set: needs a 0 group after
    public void CompressedString_MatchesHandEncoding(uint[] counts, string expected)
    {
        var rle = new Rle(10, 20, counts);
        Assert.Equal(expected, MaskApi.ToCompressedString(rle));
        Assert.Equal(counts, MaskApi.FromCompressedString(expected, 10, 20).Counts);
    }

    [Theory]
    [InlineData("1/")]
    [InlineData("T")]
    public void FromCompressedString_RejectsBadText(string text) =>
        Assert.Throws<FormatException>(() => MaskApi.FromCompressedString(text, 4, 4));

    [Fact]
    public void FromPolygon_SquareCoversPixelsWhoseCentresAreInside()
    {
        // Square (1,1)-(3,3) in a 4x4 image: pixel centres 1.5 and 2.5 in both axes are inside.
        var rle = MaskApi.FromPolygon([1, 1, 1, 3, 3, 3, 3, 1], 4, 4);
        Assert.Equal([5u, 2, 2, 2, 5], rle.Counts);
        Assert.Equal([1.0, 1, 2, 2], MaskApi.ToBbox(rle));
        Assert.Equal(rle.Counts, MaskApi.FromBbox([1, 1, 2, 2], 4, 4).Counts);
    }

    [Fact]
    public void FromPolygon_ClipsToTheImage()
    {
        // A square larger than the 3x3 image covers all of it.
        var rle = MaskApi.FromPolygon([-5, -5, -5, 8, 8, 8, 8, -5], 3, 3);
        Assert.Equal(9, MaskApi.Area(rle));
        Assert.Equal(Enumerable.Repeat((byte)1, 9), MaskApi.Decode(rle));
    }

    [Fact]
    public void Merge_EqualsPixelwiseUnionAndIntersection()
    {
        var random = new Random(3);
        int h = 7, w = 5;
        var masks = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, h * w).Select(_ => (byte)random.Next(2)).ToArray()).ToArray();
        var rles = masks.Select(m => MaskApi.Encode(m, h, w)).ToArray();
        var union = Enumerable.Range(0, h * w).Select(i => (byte)(masks.Any(m => m[i] == 1) ? 1 : 0)).ToArray();
        var intersection = Enumerable.Range(0, h * w).Select(i => (byte)(masks.All(m => m[i] == 1) ? 1 : 0)).ToArray();
        Assert.Equal(union, MaskApi.Decode(MaskApi.Merge(rles)));
        Assert.Equal(intersection, MaskApi.Decode(MaskApi.Merge(rles, intersect: true)));
        Assert.Equal(MaskApi.Encode(union, h, w).Counts, MaskApi.Merge(rles).Counts);
    }

    [Fact]
    public void Merge_RejectsDifferentSizes() =>
        Assert.Throws<ArgumentException>(() => MaskApi.Merge([new Rle(2, 2, [4]), new Rle(2, 3, [6])]));

    [Fact]
    public void Iou_OverlappingBlocks_AndCrowdUsesDetectionArea()
    {
        // 2x2 blocks at columns 0-1 and 1-2 of a 2x3 image: intersection 2, union 6; detection area 4.
        var left = MaskApi.FromBbox([0, 0, 2, 2], 2, 3);
        var right = MaskApi.FromBbox([1, 0, 2, 2], 2, 3);
        var iou = MaskApi.Iou([left], [right, right], [false, true]);
        Assert.Equal(2.0 / 6, iou[0, 0], 12);
        Assert.Equal(2.0 / 4, iou[0, 1], 12);
        var disjoint = MaskApi.FromBbox([2, 0, 1, 2], 2, 3);
        Assert.Equal(0, MaskApi.Iou([left], [disjoint], [false])[0, 0]);
    }

    [Fact]
    public void BoxIou_MatchesHandComputedOverlap()
    {
        var iou = MaskApi.BoxIou([[0, 0, 2, 2], [10, 10, 1, 1]], [[1, 0, 2, 2]], [false]);
        Assert.Equal(2.0 / 6, iou[0, 0], 12);
        Assert.Equal(0, iou[1, 0]);
        Assert.Equal(0.5, MaskApi.BoxIou([[0, 0, 2, 2]], [[1, 0, 2, 2]], [true])[0, 0], 12);
    }

    /// <summary>
    /// make_coco_fixture.py stored, for every ground-truth object, pycocotools' area and toBbox of the merged
    /// polygon raster (non-crowd: the polygons; crowd: the same mask as uncompressed RLE).
    /// </summary>
    [Fact]
    public void SharedFixture_PolygonAndRleGroundTruth_AreaAndBboxMatchPycocotools()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("coco-eval", "ground_truth.json")));
        var sizes = doc.RootElement.GetProperty("images").EnumerateArray()
            .ToDictionary(i => i.GetProperty("id").GetInt64(), i => (H: i.GetProperty("height").GetInt32(), W: i.GetProperty("width").GetInt32()));
        int polygons = 0, crowds = 0;
        foreach (var ann in doc.RootElement.GetProperty("annotations").EnumerateArray())
        {
            var (h, w) = sizes[ann.GetProperty("image_id").GetInt64()];
            var seg = ann.GetProperty("segmentation");
            Rle rle;
            if (seg.ValueKind == JsonValueKind.Array)
            {
                rle = MaskApi.FromPolygons(seg.EnumerateArray().Select(p => p.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToList(), h, w);
                polygons++;
            }
            else
            {
                rle = MaskApi.FromUncompressed(seg.GetProperty("counts").EnumerateArray().Select(c => c.GetInt64()).ToList(), h, w);
                Assert.Equal(rle.Counts, MaskApi.Encode(MaskApi.Decode(rle), h, w).Counts);
                crowds++;
            }
            Assert.Equal(ann.GetProperty("area").GetDouble(), MaskApi.Area(rle));
            Assert.Equal(ann.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()), MaskApi.ToBbox(rle));
        }
        Assert.True(polygons > 50 && crowds > 0, $"{polygons} polygon and {crowds} crowd objects");
    }

    /// <summary>
    /// Detections are pycocotools-compressed RLE; the false positives are filled rectangles
    /// m[int(y):int(y+h), int(x):int(x+w)] whose box is stored exactly, so their raster is known independently.
    /// </summary>
    [Fact]
    public void SharedFixture_CompressedDetections_RoundTripAndDecodeToTheirRectangles()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.Fixture("coco-eval", "detections.json")));
        int rectangles = 0;
        foreach (var det in doc.RootElement.EnumerateArray())
        {
            var seg = det.GetProperty("segmentation");
            int h = seg.GetProperty("size")[0].GetInt32(), w = seg.GetProperty("size")[1].GetInt32();
            string counts = seg.GetProperty("counts").GetString()!;
            var rle = MaskApi.FromCompressedString(counts, h, w);
            Assert.Equal((long)h * w, rle.Counts.Sum(c => (long)c));
            var mask = MaskApi.Decode(rle);
            Assert.Equal(counts, MaskApi.ToCompressedString(MaskApi.Encode(mask, h, w)));

            var box = det.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            int x0 = (int)box[0], y0 = (int)box[1], x1 = (int)(box[0] + box[2]), y1 = (int)(box[1] + box[3]);
            bool isRectangle = Enumerable.Range(0, h * w).All(i => mask[i] == ((i / w >= y0 && i / w < y1 && i % w >= x0 && i % w < x1) ? 1 : 0));
            if (isRectangle)
            {
                rectangles++;
                Assert.Equal((y1 - y0) * (x1 - x0), MaskApi.Area(rle));
                Assert.Equal([x0, y0, x1 - x0, y1 - y0], MaskApi.ToBbox(rle));
            }
        }
        Assert.True(rectangles > 50, $"only {rectangles} rectangle detections recognised");
    }
}
