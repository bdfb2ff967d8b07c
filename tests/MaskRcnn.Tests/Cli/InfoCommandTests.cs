using System.Globalization;
using System.Text.RegularExpressions;
using MaskRcnn.Tests.Inference;
using MaskRcnn.Tests.Support;
using MaskRcnn.Training;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

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

    [Fact]
    public void Tensors_lists_the_names_dtypes_and_shapes_of_a_safetensors_file()
    {
        using var temp = new TempDirectory();
        string file = temp.File("w.safetensors");
        SafeTensors.Save(file, new Dictionary<string, Tensor>
        {
            ["backbone.body.conv1.weight"] = zeros(64, 3, 7, 7),
            ["roi_heads.box_predictor.cls_score.bias"] = zeros(91),
        });
        var (code, output, err) = CliRunner.Run("info", "--weights", file, "--tensors");
        Assert.True(code == 0, err);
        Assert.Contains("tensors       2, 9,499 values", output); // 64*3*7*7 + 91
        Assert.Matches(@"backbone\.body\.conv1\.weight\s+Float32\s+\[64, 3, 7, 7\]", output);
        Assert.DoesNotContain("architecture", output);

        var limited = CliRunner.Run("info", "--weights", file, "--tensors", "--limit", "1").Out;
        Assert.Contains("... 1 more", limited);
    }

    [Fact]
    public void Tensors_describes_the_latest_checkpoint_of_a_run_folder()
    {
        using var temp = new TempDirectory();
        var net = nn.Linear(3, 2);
        var detector = new ModuleDetector(net, (_, _) => throw new InvalidOperationException("not trained here"));
        using var optimizer = new DetectionOptimizer(detector.NamedParameters(), new OptimizerSettings(), 0.01);
        var schedule = new LrSchedule(0.01, 100, 10, 0.001, [80], 0.1);
        Checkpoint.Save(new RunDirectory(temp.Path), detector, optimizer, new CheckpointState(40, schedule, new DataPosition(5, 2, 3), 42, null));

        var (code, output, err) = CliRunner.Run("info", "--weights", temp.Path, "--tensors");
        Assert.True(code == 0, err);
        Assert.Contains("iteration     40 of 100", output);
        Assert.Contains("data          seed 5, epoch 2, batch 3", output);
        Assert.Matches(@"weight\s+Float32\s+\[2, 3\]", output);
    }

    [Fact]
    public void Tensors_of_a_folder_without_checkpoint_is_an_error()
    {
        using var temp = new TempDirectory();
        var (code, _, err) = CliRunner.Run("info", "--weights", temp.Path, "--tensors");
        Assert.Equal(1, code);
        Assert.Contains("neither a checkpoint nor a run folder", err);
    }

    [Fact]
    public void Tensors_without_weights_is_a_usage_error()
    {
        var (code, _, err) = CliRunner.Run("info", "--tensors");
        Assert.Equal(2, code);
        Assert.Contains("--tensors needs --weights", err);
    }
}
