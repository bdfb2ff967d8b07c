using System.Text.Json;
using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Masks;
using MaskRcnn.Evaluation;
using MaskRcnn.Tests.Support;
using Xunit.Abstractions;

namespace MaskRcnn.Tests.Evaluation;

public class CocoEvaluatorTests(ITestOutputHelper output)
{
    static readonly string FixtureDir = TestPaths.Fixture("coco-eval");

    /// <summary>The shared fixture's 12 stats were printed by pycocotools' COCOeval on the same two files.</summary>
    [Theory]
    [InlineData(IouType.Bbox, "bbox")]
    [InlineData(IouType.Segm, "segm")]
    public void SharedFixture_AllTwelveStats_MatchPycocotools(IouType type, string key)
    {
        var gt = CocoJson.ReadInstances(Path.Combine(FixtureDir, "ground_truth.json"));
        var results = CocoJson.ReadResults(Path.Combine(FixtureDir, "detections.json"), gt);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureDir, "expected_stats.json")));
        var expected = doc.RootElement.GetProperty(key).EnumerateArray().Select(v => v.GetDouble()).ToArray();

        var result = CocoEvaluator.Evaluate(gt, results, type);

        Assert.Equal(12, result.Stats.Length);
        output.WriteLine($"max |difference| to pycocotools: {expected.Zip(result.Stats, (e, a) => Math.Abs(e - a)).Max():E2}");
        for (int i = 0; i < 12; i++)
            Assert.True(Math.Abs(expected[i] - result.Stats[i]) <= 1e-6, $"stat {i}: expected {expected[i]}, got {result.Stats[i]}");
    }

    // --- hand-computed cases: one category (id 5), 100x100 images, square objects ---

    static CocoAnnotation Object(long id, long image, double x, double y, double size, bool crowd = false, long category = 5) =>
        new(id, image, category, [x, y, size, size], size * size, crowd,
            new PolygonSegmentation([[x, y, x, y + size, x + size, y + size, x + size, y]]));

    static CocoInstances Truth(params CocoAnnotation[] annotations) => new(
        [new CocoImageInfo(1, "1.png", 100, 100), new CocoImageInfo(2, "2.png", 100, 100)],
        [new CocoCategory(5, "thing")], annotations);

    static CocoResult Detection(long image, double x, double y, double size, double score, long category = 5) =>
        new(image, category, [x, y, size, size], score, MaskApi.FromBbox([x, y, size, size], 100, 100));

    [Theory]
    [InlineData(IouType.Bbox)]
    [InlineData(IouType.Segm)]
    public void PerfectDetections_GiveOne_AndMinusOneForEmptyAreaRanges(IouType type)
    {
        // Both objects are medium (40² and 50² lie between 32² and 96²): small and large have no ground truth.
        var gt = Truth(Object(1, 1, 10, 10, 50), Object(2, 2, 20, 30, 40));
        var result = CocoEvaluator.Evaluate(gt, [Detection(1, 10, 10, 50, .9), Detection(2, 20, 30, 40, .8)], type);
        double[] expected = [1, 1, 1, -1, 1, -1, 1, 1, 1, -1, 1, -1];
        Assert.Equal(expected, result.Stats);
        Assert.Equal(1, result.PerCategoryAp[5]);
    }

    [Fact]
    public void OneMissedObject_HalvesRecall_AndAveragesPrecisionOverTheReachedRecalls()
    {
        var gt = Truth(Object(1, 1, 10, 10, 50), Object(2, 2, 20, 30, 40));
        var result = CocoEvaluator.Evaluate(gt, [Detection(1, 10, 10, 50, .9)], IouType.Bbox);
        // Precision 1 at recall thresholds 0, .01, …, .50 (51 of 101), 0 beyond the reached recall.
        Assert.Equal(51.0 / 101, result.Stats[0], 12);
        Assert.Equal(51.0 / 101, result.Stats[1], 12);
        Assert.Equal(0.5, result.Stats[8], 12);
    }

    [Fact]
    public void DetectionsInsideACrowdRegion_AreIgnored_NotFalsePositives()
    {
        // A crowd region on image 1 and a normal object on image 2; two high-scoring detections inside the crowd.
        var dets = new[] { Detection(1, 10, 10, 30, .95), Detection(1, 45, 45, 30, .9), Detection(2, 20, 20, 40, .5) };
        var crowd = CocoEvaluator.Evaluate(Truth(Object(1, 1, 0, 0, 80, crowd: true), Object(2, 2, 20, 20, 40)), dets, IouType.Bbox);
        Assert.Equal(1, crowd.Stats[0], 12);
        Assert.Equal(1, crowd.Stats[8], 12);

        // The same region as a normal object: it matches one detection at low IoU thresholds, the other is a false positive.
        var normal = CocoEvaluator.Evaluate(Truth(Object(1, 1, 0, 0, 80), Object(2, 2, 20, 20, 40)), dets, IouType.Bbox);
        Assert.True(normal.Stats[0] < 0.99, $"AP {normal.Stats[0]}");
    }

    [Fact]
    public void MaxDets_CountsOnlyTheBestDetectionsPerImage()
    {
        var gt = Truth(Object(1, 1, 0, 0, 40), Object(2, 1, 50, 50, 40));
        var result = CocoEvaluator.Evaluate(gt, [Detection(1, 0, 0, 40, .9), Detection(1, 50, 50, 40, .8)], IouType.Bbox);
        Assert.Equal(0.5, result.Stats[6], 12);   // AR@1
        Assert.Equal(1, result.Stats[7], 12);     // AR@10
    }

    [Fact]
    public void EqualScores_KeepFileOrder_AsTheStableSortDoes()
    {
        var gt = Truth(Object(1, 1, 0, 0, 40));
        var miss = Detection(1, 60, 60, 30, .5);
        var hit = Detection(1, 0, 0, 40, .5);
        // miss first: tp [0,1], fp [1,1] -> precision envelope 0.5 everywhere; hit first: precision 1.
        Assert.Equal(0.5, CocoEvaluator.Evaluate(gt, [miss, hit], IouType.Bbox).Stats[0], 12);
        Assert.Equal(1, CocoEvaluator.Evaluate(gt, [hit, miss], IouType.Bbox).Stats[0], 12);
    }

    [Fact]
    public void UnmatchedDetectionOutsideAnAreaRange_IsIgnoredInThatRange()
    {
        // One medium object found; a small false positive hurts "all" but not "medium".
        var gt = Truth(Object(1, 1, 0, 0, 40));
        var result = CocoEvaluator.Evaluate(gt, [Detection(1, 70, 70, 10, .9), Detection(1, 0, 0, 40, .5)], IouType.Bbox);
        Assert.Equal(0.5, result.Stats[0], 12);
        Assert.Equal(1, result.Stats[4], 12);
    }

    [Fact]
    public void SegmResultsWithoutMasks_AreEvaluatedAsTheirBoxPolygons()
    {
        // loadRes gives box-only results the polygon of their box; FromBbox rasterizes the same polygon.
        var gt = Truth(Object(1, 1, 10, 10, 50), Object(2, 2, 20, 30, 40));
        var withMasks = new[] { Detection(1, 12, 9, 47, .9), Detection(2, 20, 30, 30, .8), Detection(2, 60, 60, 20, .7) };
        var boxesOnly = withMasks.Select(r => r with { Segmentation = null }).ToArray();
        Assert.Equal(CocoEvaluator.Evaluate(gt, withMasks, IouType.Segm).Stats, CocoEvaluator.Evaluate(gt, boxesOnly, IouType.Segm).Stats);
    }

    [Fact]
    public void GroundTruthWithIdZero_CountsAsUnmatched_AsInPycocotools()
    {
        // pycocotools stores matches as gt ids in a zeros array, so a perfect match to gt id 0 scores as a false positive.
        var result = CocoEvaluator.Evaluate(Truth(Object(0, 1, 10, 10, 50)), [Detection(1, 10, 10, 50, .9)], IouType.Bbox);
        Assert.Equal(0, result.Stats[0]);
        Assert.Equal(0, result.Stats[8]);
    }

    [Fact]
    public void ResultOnUnknownImage_Throws() =>
        Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate(Truth(Object(1, 1, 0, 0, 40)), [Detection(9, 0, 0, 40, .5)], IouType.Bbox));

    [Fact]
    public void Summarize_PrintsPycocotoolsTwelveLines()
    {
        var gt = Truth(Object(1, 1, 10, 10, 50));
        var text = CocoEvaluator.Summarize(CocoEvaluator.Evaluate(gt, [Detection(1, 10, 10, 50, .9)], IouType.Bbox));
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal(12, lines.Length);
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000", lines[0]);
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 1.000", lines[2]);
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000", lines[3]);
        Assert.Equal(" Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 1.000", lines[6]);
    }
}
