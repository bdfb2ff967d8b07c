using System.Text.Json;
using MaskRcnn.Data.Coco;
using MaskRcnn.Evaluation;
using MaskRcnn.Tests.Support;
using Xunit.Abstractions;

namespace MaskRcnn.Tests.Evaluation;

/// <summary>
/// COCOeval with a non-default <c>params.maxDets</c>, against pycocotools on a crowded fixture (3 images, ~300 objects
/// each, one image-category cell with 1,044 detections): tests/fixtures/coco-eval-maxdets/make_maxdets_fixture.py.
/// </summary>
public class MaxDetsFixtureTests(ITestOutputHelper output)
{
    static readonly string FixtureDir = TestPaths.Fixture("coco-eval-maxdets");
    static readonly Lazy<(CocoInstances Gt, IReadOnlyList<CocoResult> Results)> Data = new(() =>
    {
        var gt = CocoJson.ReadInstances(Path.Combine(FixtureDir, "ground_truth.json"));
        return (gt, CocoJson.ReadResults(Path.Combine(FixtureDir, "detections.json"), gt));
    });

    public static TheoryData<string, IouType> Settings() => new()
    {
        { "1,10,100", IouType.Bbox }, { "1,10,100", IouType.Segm },
        { "1,100,1000", IouType.Bbox }, { "1,100,1000", IouType.Segm },
        { "1,10,300", IouType.Bbox }, { "1,10,300", IouType.Segm },
        { "5,50,200,1000", IouType.Bbox }, { "5,50,200,1000", IouType.Segm },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void TwelveStats_AndSummaryLines_MatchPycocotools(string setting, IouType type)
    {
        string key = type == IouType.Bbox ? "bbox" : "segm";
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureDir, "expected_stats.json")));
        var expected = doc.RootElement.GetProperty(setting).GetProperty(key).EnumerateArray().Select(v => v.GetDouble()).ToArray();

        var result = CocoEvaluator.Evaluate(Data.Value.Gt, Data.Value.Results, type, CocoEvalParams.ParseMaxDetections(setting));

        output.WriteLine($"max |difference| to pycocotools: {expected.Zip(result.Stats, (e, a) => Math.Abs(e - a)).Max():E2}");
        for (int i = 0; i < 12; i++)
            Assert.True(Math.Abs(expected[i] - result.Stats[i]) <= 1e-6, $"stat {i}: expected {expected[i]}, got {result.Stats[i]}");
        string printed = File.ReadAllText(Path.Combine(FixtureDir, $"summary_{setting.Replace(',', '-')}_{key}.txt"));
        Assert.Equal(printed, CocoEvaluator.Summarize(result));
    }

    [Fact]
    public void TheSettingMatters_OnThisFixture()
    {
        // Guards the fixture itself: with > 100 (and > 1000) detections per cell, the limits change the numbers.
        var (gt, results) = Data.Value;
        var standard = CocoEvaluator.Evaluate(gt, results, IouType.Segm);
        var crowded = CocoEvaluator.Evaluate(gt, results, IouType.Segm, CocoEvalParams.ParseMaxDetections("1,100,1000"));
        var capped = CocoEvaluator.Evaluate(gt, results, IouType.Segm, CocoEvalParams.ParseMaxDetections("1,100,300"));
        Assert.True(crowded.Stats[8] > standard.Stats[8] + 0.05, $"AR {crowded.Stats[8]} vs {standard.Stats[8]}");
        Assert.Equal(standard.Stats[0], crowded.Stats[0]); // row 0 is maxDets 100 in both
        Assert.True(crowded.Stats[1] > capped.Stats[1], $"AP50 {crowded.Stats[1]} vs {capped.Stats[1]}");
    }

    [Theory]
    [InlineData("1,10", "at least 3 values")]
    [InlineData("1,x,100", "'x' is not a whole number")]
    [InlineData("0,10,100", "1 or more")]
    [InlineData("1,10,10", "must differ")]
    [InlineData("1,-10,100", "'-10' is not a whole number")]
    public void BadLists_GiveOneLineErrors(string list, string problem)
    {
        var e = Assert.Throws<FormatException>(() => CocoEvalParams.ParseMaxDetections(list));
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ValuesAreSorted_AsCocoEvalSortsThem() =>
        Assert.Equal([1, 100, 1000], CocoEvalParams.ParseMaxDetections("1000, 1,100").MaxDetections);
}
