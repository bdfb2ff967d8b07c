using System.Text.Json;
using MaskRcnn.Data.Images;
using MaskRcnn.Tests.Inference;
using MaskRcnn.Tests.Support;

namespace MaskRcnn.Tests.Cli;

public sealed class InspectCommandTests(TinyPredictorFiles files) : IClassFixture<TinyPredictorFiles>, IDisposable
{
    static readonly string[] Expected =
        ["anchors.png", "proposals_pre_nms.png", "proposals_post_nms.png", "detections.png", "masks.png", "inspect.json"];

    readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    (int Code, string Out, string Err) Inspect(string output, params string[] extra) =>
        CliRunner.Run(["inspect", "--weights", files.WeightsPath, "--input", files.ImageA, "--output", output, "--score-threshold", "0", .. extra]);

    [Fact]
    public void Writes_every_picture_and_a_summary_whose_counts_fit_the_config()
    {
        string output = temp.File("out");
        var (code, stdout, err) = Inspect(output, "--top", "20");
        Assert.True(code == 0, err);
        foreach (var name in Expected)
        {
            string path = Path.Combine(output, name);
            Assert.True(File.Exists(path), $"{name} was not written");
            Assert.Contains(path, stdout);
            if (name.EndsWith(".png")) Assert.True(ImageIo.ReadSize(path).Width > 0);
        }

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "inspect.json")));
        var root = json.RootElement;
        var config = TinyPredictorFiles.Config;
        int[] perLevel = config.Rpn.AnchorSizes.Zip(config.Rpn.AspectRatios, (s, r) => s.Count * r.Count).ToArray();
        Assert.Equal(perLevel, root.GetProperty("anchors_per_location").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(perLevel.Sum(), root.GetProperty("anchors_per_location_total").GetInt32());
        int before = root.GetProperty("proposals_before_nms").GetInt32(), after = root.GetProperty("proposals_after_nms").GetInt32();
        Assert.InRange(before, 1, perLevel.Length * config.Rpn.PreNmsTopNTest);
        Assert.InRange(after, 1, Math.Min(before, config.Rpn.PostNmsTopNTest));
        Assert.Equal(Math.Min(20, before), root.GetProperty("proposals_shown_before_nms").GetInt32());
        Assert.Equal(Math.Min(20, after), root.GetProperty("proposals_shown_after_nms").GetInt32());
        int detections = root.GetProperty("detections").GetInt32();
        // The seeded random model still scores every class near 1/3, far above the heads' 0.05 threshold.
        Assert.InRange(detections, 1, config.RoiHeads.DetectionsPerImage);
        Assert.Equal(detections, root.GetProperty("detections_shown").GetInt32());
        Assert.Equal(2 * config.RoiHeads.MaskRoiSize, root.GetProperty("mask_size").GetInt32()); // 28 for FPN
        // The command's default is the library's (InspectionOptions.MaxMasks), not a second number of its own.
        Assert.Equal(Math.Min(new MaskRcnn.Inference.InspectionOptions().MaxMasks, detections), root.GetProperty("masks_shown").GetInt32());
        Assert.Equal(Expected, root.GetProperty("files").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([TinyPredictorFiles.Width, TinyPredictorFiles.Height], root.GetProperty("image_size").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([TinyPredictorFiles.Width / 2f, TinyPredictorFiles.Height / 2f], root.GetProperty("location").EnumerateArray().Select(e => e.GetSingle()));
    }

    [Fact]
    public void Existing_outputs_are_refused_without_force()
    {
        string output = temp.File("existing");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "masks.png"), "keep me");

        var (code, _, err) = Inspect(output);
        Assert.Equal(1, code);
        Assert.Contains(Path.Combine(output, "masks.png") + " already exists", err);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(output, "masks.png")));
        Assert.False(File.Exists(Path.Combine(output, "inspect.json")));

        var forced = Inspect(output, "--force", "--top", "5");
        Assert.True(forced.Code == 0, forced.Err);
        Assert.NotEqual("keep me", File.ReadAllText(Path.Combine(output, "masks.png")));
    }

    [Theory]
    [InlineData("--location", "12")]
    [InlineData("--location", "a,b")]
    [InlineData("--location", "500,10")]
    [InlineData("--top", "0")]
    public void Bad_options_are_usage_errors(string option, string value)
    {
        var (code, _, err) = Inspect(temp.File("bad"), option, value);
        Assert.Equal(2, code);
        Assert.Contains(option, err);
        Assert.False(Directory.Exists(temp.File("bad")));
    }

    [Fact]
    public void Help_lists_the_inspection_options()
    {
        var (code, stdout, _) = CliRunner.Run("inspect", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--weights", "--input", "--output", "--config", "--num-classes", "--location", "--top", "--force" })
            Assert.Contains(option, stdout);
        Assert.Contains("anchors.png", stdout);
    }
}
