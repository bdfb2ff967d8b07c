using System.Globalization;
using System.Text.RegularExpressions;
using MaskRcnn.Tests.Inference;

namespace MaskRcnn.Tests.Cli;

public sealed class InfoCommandTests(TinyPredictorFiles files) : IClassFixture<TinyPredictorFiles>
{
    [Fact]
    public void Describes_the_weights_the_architecture_and_the_classes()
    {
        var (code, stdout, err) = CliRunner.Run("info", "--weights", files.WeightsPath);
        Assert.True(code == 0, err);
        Assert.Contains($"weights       {files.WeightsPath}", stdout);
        Assert.Contains($"format        safetensors, {new FileInfo(files.WeightsPath).Length.ToString("N0", CultureInfo.InvariantCulture)} bytes", stdout);
        Assert.Contains("metadata      maskrcnn.config = (model config, ", stdout);
        Assert.Contains("architecture  ResNet-18-FPN (stem width 8, FrozenBatchNorm, FPN 16 channels), 3 classes", stdout);
        Assert.Contains("classes       2: disc (7), block (18)", stdout);
    }

    [Fact]
    public void Parameter_counts_per_part_add_up_to_the_models()
    {
        var (_, stdout, _) = CliRunner.Run("info", "--weights", files.WeightsPath);
        using var model = files.LoadModel();
        var byPart = new Dictionary<string, long>();
        foreach (var (name, p) in model.named_parameters())
        {
            // The parts the paper names, spelled as torchvision's state-dict prefixes.
            string part = new[] { "backbone.body", "backbone.fpn", "rpn", "roi_heads.box_head", "roi_heads.box_predictor", "roi_heads.mask_head", "roi_heads.mask_predictor" }
                .Single(prefix => name.StartsWith(prefix + ".", StringComparison.Ordinal));
            byPart[part] = byPart.GetValueOrDefault(part) + p.numel();
        }
        Assert.Equal(7, byPart.Count);
        foreach (var (part, count) in byPart)
            Assert.Matches($@"(?m)^  {Regex.Escape(part)}\s+{count.ToString("N0", CultureInfo.InvariantCulture)}\s", stdout);
        long total = byPart.Values.Sum();
        Assert.Contains($"parameters    {total.ToString("N0", CultureInfo.InvariantCulture)} (", stdout);
    }

    [Fact]
    public void Without_weights_it_still_reports_the_environment_only()
    {
        var (code, stdout, _) = CliRunner.Run("info");
        Assert.Equal(0, code);
        Assert.Matches(@"TorchSharp\s+0\.107\.", stdout);
        Assert.DoesNotContain("architecture", stdout);
    }

    [Fact]
    public void Missing_weights_fail_naming_the_file()
    {
        string missing = Path.Combine(files.Folder, "none.safetensors");
        var (code, _, err) = CliRunner.Run("info", "--weights", missing);
        Assert.Equal(1, code);
        Assert.Contains(missing, Assert.Single(CliRunner.Lines(err)));
    }
}
