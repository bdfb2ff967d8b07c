using System.Text.Json;
using MaskRcnn.Tests.Inference;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Cli;

public sealed class EvalCommandTests(TinyPredictorFiles files) : IClassFixture<TinyPredictorFiles>
{
    static readonly string FixtureDir = TestPaths.Fixture("coco-eval");
    static string Gt => Path.Combine(FixtureDir, "ground_truth.json");
    static string Detections => Path.Combine(FixtureDir, "detections.json");

    string NewJson() => Path.Combine(files.Folder, "stats-" + Guid.NewGuid().ToString("N") + ".json");

    internal static Dictionary<string, double[]> ReadStats(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray());
    }

    [Fact]
    public void Results_file_reproduces_pycocotools_stats_in_the_json_output()
    {
        string json = NewJson();
        var (code, stdout, err) = CliRunner.Run("eval", "--gt", Gt, "--results", Detections, "--json", json);
        Assert.True(code == 0, err);
        var expected = ReadStats(Path.Combine(FixtureDir, "expected_stats.json"));
        var actual = ReadStats(json);
        Assert.Equal(["bbox", "segm"], actual.Keys);
        foreach (var type in new[] { "bbox", "segm" })
        {
            Assert.Equal(12, actual[type].Length);
            for (int i = 0; i < 12; i++) Assert.True(Math.Abs(expected[type][i] - actual[type][i]) <= 1e-6, $"{type}[{i}]: {actual[type][i]} vs {expected[type][i]}");
        }

        var lines = CliRunner.Lines(stdout);
        Assert.Equal(26 + 2 + 5, lines.Length); // two summaries, then the per-class table: title, header, 5 categories
        Assert.Equal("IoU metric: bbox", lines[0]);
        Assert.Equal(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.120", lines[1]);
        Assert.Equal("IoU metric: segm", lines[13]);
        Assert.Equal(" Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.783", lines[25]);
        Assert.Equal("Per-class AP @[.50:.95]:", lines[26]);
        Assert.Equal(["class1", "class3", "class7", "class18", "class44"], lines[28..].Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));
        // AP @[.50:.95] is the mean over categories of their APs (each has ground truth here): the printed rows must
        // average to the summary's first number.
        double meanBbox = lines[28..].Average(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(Math.Abs(meanBbox - expected["bbox"][0]) < 1e-3, $"mean of per-class bbox AP {meanBbox} vs AP {expected["bbox"][0]}");
    }

    [Fact]
    public void Only_the_requested_iou_type_is_printed_and_written()
    {
        string json = NewJson();
        var (code, stdout, err) = CliRunner.Run("eval", "--gt", Gt, "--results", Detections, "--iou-type", "segm", "--json", json);
        Assert.True(code == 0, err);
        Assert.Equal(["segm"], ReadStats(json).Keys);
        Assert.Equal(13 + 2 + 5, CliRunner.Lines(stdout).Length); // the segm summary and the per-class table
        Assert.Equal("IoU metric: segm", CliRunner.Lines(stdout)[0]);
    }

    [Fact]
    public void A_model_is_evaluated_on_an_image_folder_for_both_iou_types()
    {
        string gt = DatasetEvaluationTests.WriteGroundTruth(files);
        string json = NewJson();
        var (code, stdout, err) = CliRunner.Run("eval", "-w", files.WeightsPath, "--images", files.ImageFolder, "--annotations", gt, "--json", json);
        Assert.True(code == 0, err);
        var stats = ReadStats(json);
        Assert.Equal(["bbox", "segm"], stats.Keys);
        Assert.All(stats.Values, s => Assert.All(s, v => Assert.InRange(v, -1, 1)));
        Assert.Equal(26 + 2 + 2, CliRunner.Lines(stdout).Length); // two summaries and the per-class table of the two classes
        Assert.Contains("eval 2/2", err);
        Assert.Contains("by the model config's classes", err);
    }

    [Theory]
    [InlineData("--gt", "gt.json")]
    [InlineData("--results", "r.json")]
    [InlineData("--images", "imgs")]
    [InlineData("--gt", "gt.json", "--results", "r.json", "--weights", "w.safetensors")]
    [InlineData("--iou-type", "keypoints", "--gt", "gt.json", "--results", "r.json")]
    public void Incomplete_or_mixed_modes_are_usage_errors(params string[] args)
    {
        var (code, stdout, err) = CliRunner.Run(["eval", .. args]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("maskrcnn: error: ", Assert.Single(CliRunner.Lines(err)));
    }

    [Fact]
    public void A_missing_ground_truth_file_fails_naming_it()
    {
        string missing = Path.Combine(files.Folder, "no-gt.json");
        var (code, _, err) = CliRunner.Run("eval", "--gt", missing, "--results", Detections);
        Assert.Equal(1, code);
        Assert.Contains(missing, Assert.Single(CliRunner.Lines(err)));
    }

    [Fact]
    public void Help_lists_both_modes()
    {
        var (code, stdout, _) = CliRunner.Run("eval", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--gt", "--results", "--iou-type", "--json", "--weights", "--config", "--num-classes", "--images", "--annotations" })
            Assert.Contains(option, stdout);
        Assert.Contains("[default: both]", stdout);
    }
}
