using System.Text.Json;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Cli;

/// <summary><c>eval --max-dets</c> against pycocotools with the same <c>params.maxDets</c> (tests/fixtures/coco-eval-maxdets).</summary>
public sealed class EvalMaxDetsCommandTests
{
    static readonly string FixtureDir = TestPaths.Fixture("coco-eval-maxdets");

    [Fact]
    public void Max_dets_reproduces_pycocotools_with_that_setting()
    {
        string json = Path.Combine(Path.GetTempPath(), "maxdets-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            var (code, stdout, err) = CliRunner.Run("eval", "--gt", Path.Combine(FixtureDir, "ground_truth.json"),
                "--results", Path.Combine(FixtureDir, "detections.json"), "--iou-type", "segm", "--max-dets", "1,100,1000", "--json", json);
            Assert.True(code == 0, err);
            using var expectedDoc = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureDir, "expected_stats.json")));
            var expected = expectedDoc.RootElement.GetProperty("1,100,1000").GetProperty("segm").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            using var actualDoc = JsonDocument.Parse(File.ReadAllText(json));
            var actual = actualDoc.RootElement.GetProperty("segm").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(12, actual.Length);
            for (int i = 0; i < 12; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6, $"segm[{i}]: {actual[i]} vs {expected[i]}");
            var printed = File.ReadAllLines(Path.Combine(FixtureDir, "summary_1-100-1000_segm.txt"));
            Assert.Equal(["IoU metric: segm", .. printed], CliRunner.Lines(stdout).Take(printed.Length + 1)); // the per-class table follows
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Theory]
    [InlineData("1,10")]
    [InlineData("1,ten,100")]
    public void A_bad_list_is_a_one_line_usage_error(string list)
    {
        var (code, stdout, err) = CliRunner.Run("eval", "--gt", "gt.json", "--results", "r.json", "--max-dets", list);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("--max-dets", Assert.Single(CliRunner.Lines(err)));
    }
}
