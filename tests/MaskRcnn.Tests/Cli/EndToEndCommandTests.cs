using MaskRcnn.Data.Shapes;
using MaskRcnn.Modeling;
using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using TorchSharp;

namespace MaskRcnn.Tests.Cli;

/// <summary>train through the CLI on a randomly initialised, very small model and shapes data.</summary>
[Collection(Training.SerialTorchRandomness.Name)]
public sealed class EndToEndCommandTests : IDisposable
{
    readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    static MaskRcnnConfig Tiny => MaskRcnnConfig.ResNet18Fpn(numClasses: 4) with
    {
        Backbone = new BackboneConfig { Depth = 18, Width = 8, FpnOutChannels = 16, TrainableLayers = 5 },
        Transform = new TransformConfig { MinSize = [64], MaxSize = 64 },
        Rpn = new RpnConfig { AnchorSizes = [[8], [16], [32], [64], [128]], PreNmsTopNTest = 50, PostNmsTopNTest = 20, PreNmsTopNTrain = 50, PostNmsTopNTrain = 20 },
        RoiHeads = new RoiHeadsConfig { RepresentationSize = 16, MaskLayers = [8], MaskDimReduced = 8, BatchSizePerImage = 16, ScoreThresh = 0 },
    };

    string Weights()
    {
        torch.manual_seed(5);
        using var model = new MaskRcnnModel(Tiny);
        string path = temp.File("tiny.safetensors");
        ModelWeights.Save(model, path);
        return path;
    }

    [Fact]
    public void TrainRunsCheckpointsAndResumes()
    {
        ShapesDataset.Generate(temp.File("data"), count: 4, seed: 3, imageSize: 64);
        string[] common = ["train", "--train-images", temp.File("data", "images"), "--train-annotations", temp.File("data", "annotations.json"),
            "-w", Weights(), "-o", temp.File("run"), "-b", "2", "--workers", "0", "--log-every", "1", "--checkpoint-every", "2"];
        var first = CliRunner.Run([.. common, "--iterations", "2"]);
        Assert.True(first.ExitCode == 0, first.Err);
        Assert.Contains("trained at iteration 2 of 2", first.Out);
        Assert.True(File.Exists(temp.File("run", "model_final.safetensors")));
        Assert.True(File.Exists(temp.File("run", "loss.png")));
        // config.json carries the data set's classes with their category ids.
        var config = MaskRcnnConfig.FromJson(File.ReadAllText(temp.File("run", "config.json")));
        Assert.Equal(["square", "circle", "triangle"], config.Classes.Select(c => c.Name));
        Assert.Equal([1L, 2L, 3L], config.Classes.Select(c => c.CategoryId));

        // Resuming a finished run continues nothing; the checkpoint's schedule wins over --iterations.
        var again = CliRunner.Run([.. common, "--iterations", "50", "--resume"]);
        Assert.True(again.ExitCode == 0, again.Err);
        Assert.Contains("at iteration 2 of 2", again.Out);
        Assert.Equal(2, File.ReadAllLines(temp.File("run", "metrics.jsonl")).Length);
    }

    [Fact]
    public void TrainRefusesANonEmptyOutputUnlessResumingOrForced()
    {
        ShapesDataset.Generate(temp.File("data"), count: 2, seed: 3, imageSize: 64);
        string[] common = ["train", "--train-images", temp.File("data", "images"), "--train-annotations", temp.File("data", "annotations.json"),
            "-w", Weights(), "-o", temp.File("run"), "-b", "1", "--workers", "0", "--log-every", "1", "--iterations", "1"];
        Assert.Equal(0, CliRunner.Run(common).ExitCode);
        var refused = CliRunner.Run(common);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not empty", Assert.Single(CliRunner.Lines(refused.Err)));
        var forced = CliRunner.Run([.. common, "--force"]);
        Assert.True(forced.ExitCode == 0, forced.Err);
        Assert.Single(File.ReadAllLines(temp.File("run", "metrics.jsonl"))); // one run's log, not two appended
        Assert.Equal(2, CliRunner.Run([.. common, "--force", "--resume"]).ExitCode);
    }

    [Fact]
    public void TrainFromScratchBuildsTheNamedArchitectureWithTrainableBatchNorm()
    {
        ShapesDataset.Generate(temp.File("data"), count: 2, seed: 6, imageSize: 64);
        var (code, _, err) = CliRunner.Run("train", "--train-images", temp.File("data", "images"), "--train-annotations", temp.File("data", "annotations.json"),
            "--arch", "r18-fpn", "-o", temp.File("run"), "-b", "1", "--workers", "0", "--iterations", "1", "--log-every", "1");
        Assert.True(code == 0, err);
        var config = MaskRcnnConfig.FromJson(File.ReadAllText(temp.File("run", "config.json")));
        Assert.Equal(Architecture.Fpn, config.Backbone.Architecture);
        Assert.Equal(18, config.Backbone.Depth);
        Assert.Equal(NormKind.BatchNorm, config.Backbone.Norm);
        Assert.Equal(5, config.Backbone.TrainableLayers);
        Assert.Equal(4, config.NumClasses);
    }

    [Fact]
    public void TrainRejectsAnUnknownArchitectureAsAUsageError()
    {
        var (code, _, err) = CliRunner.Run("train", "--train-images", "i", "--train-annotations", "a.json", "--arch", "r152-fpn");
        Assert.Equal(2, code);
        Assert.Contains("r152-fpn", err);
    }

    [Fact]
    public void DemoRefusesANonEmptyOutputFolderWithoutForce()
    {
        File.WriteAllText(temp.File("keep.txt"), "precious");
        var (code, _, err) = CliRunner.Run("demo", "-o", temp.Path);
        Assert.Equal(1, code);
        Assert.Contains("not empty", err);
        Assert.Equal("precious", File.ReadAllText(temp.File("keep.txt")));
    }

    [Fact]
    public void TrainWithValidationWritesTheReport()
    {
        ShapesDataset.Generate(temp.File("data"), count: 2, seed: 4, imageSize: 64);
        var (code, output, err) = CliRunner.Run("train", "--train-images", temp.File("data", "images"), "--train-annotations", temp.File("data", "annotations.json"),
            "--val-images", temp.File("data", "images"), "--val-annotations", temp.File("data", "annotations.json"),
            "-w", Weights(), "-o", temp.File("run"), "-b", "2", "--workers", "0", "--iterations", "1", "--log-every", "1");
        Assert.True(code == 0, err);
        Assert.Contains("IoU metric: segm", output);
        var metrics = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(temp.File("run", "metrics.json")))!;
        Assert.Equal(12, metrics["bbox"]!.AsArray().Count);
        string report = File.ReadAllText(temp.File("run", "report.html"));
        Assert.Contains("src=\"loss.png\"", report);
        Assert.Contains("src=\"comparisons/grid-0.png\"", report);
        Assert.Contains("\"type\":\"eval\"", File.ReadAllText(temp.File("run", "metrics.jsonl")));
    }
}
