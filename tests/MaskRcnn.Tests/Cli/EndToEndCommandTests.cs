using System.Text.Json.Nodes;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Modeling;
using MaskRcnn.Tests.Support;
using TorchSharp;

namespace MaskRcnn.Tests.Cli;

/// <summary>predict, eval and train through the CLI on a randomly initialised, very small model and shapes data.</summary>
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
        model.SaveWeights(path);
        return path;
    }

    [Fact]
    public void PredictWritesAnOverlayAndJsonPerImage()
    {
        ShapesDataset.Generate(temp.File("data"), count: 2, seed: 1, imageSize: 64);
        var (code, output, err) = CliRunner.Run("predict", temp.File("data", "images", "000001.png"), temp.File("data", "images", "000002.png"),
            "-w", Weights(), "-o", temp.File("out"), "--score-threshold", "0", "--max-detections", "3");
        Assert.True(code == 0, err);
        Assert.Matches(@"000001\.png: \d+ object\(s\)", output);
        var json = JsonNode.Parse(File.ReadAllText(temp.File("out", "000002.json")))!;
        Assert.Equal(64, (int)json["width"]!);
        var detections = json["detections"]!.AsArray();
        Assert.InRange(detections.Count, 0, 3);
        foreach (var d in detections) Assert.Equal(4, d!["box"]!.AsArray().Count);
        var png = MaskRcnn.Data.Images.ImageIo.Load(temp.File("out", "000001.png"));
        Assert.Equal((64, 64), (png.Width, png.Height));
    }

    [Fact]
    public void EvalWritesMetricsAndAReport()
    {
        ShapesDataset.Generate(temp.File("data"), count: 3, seed: 2, imageSize: 64);
        var (code, output, err) = CliRunner.Run("eval", "-w", Weights(), "--images", temp.File("data", "images"),
            "--annotations", temp.File("data", "annotations.json"), "-o", temp.File("eval"), "--max-images", "2", "--save-grid", "1");
        Assert.True(code == 0, err);
        Assert.Contains("Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]", output);
        var metrics = JsonNode.Parse(File.ReadAllText(temp.File("eval", "metrics.json")))!;
        Assert.Equal(12, metrics["bbox"]!.AsArray().Count);
        Assert.Equal(12, metrics["segm"]!.AsArray().Count);
        string report = File.ReadAllText(temp.File("eval", "report.html"));
        Assert.Contains("src=\"comparisons/grid-0.png\"", report);
        Assert.True(File.Exists(temp.File("eval", "comparisons", "grid-0.png")));
    }

    [Fact]
    public void TrainRunsCheckpointsAndResumes()
    {
        ShapesDataset.Generate(temp.File("data"), count: 4, seed: 3, imageSize: 64);
        string[] common = ["train", "--images", temp.File("data", "images"), "--annotations", temp.File("data", "annotations.json"),
            "-w", Weights(), "-o", temp.File("run"), "-b", "2", "--workers", "0", "--log-every", "1", "--checkpoint-every", "2"];
        var first = CliRunner.Run([.. common, "--iterations", "2"]);
        Assert.True(first.ExitCode == 0, first.Err);
        Assert.Contains("trained at iteration 2 of 2", first.Out);
        Assert.True(File.Exists(temp.File("run", "model.safetensors")));

        // Resuming a finished run continues nothing; the checkpoint's schedule wins over --iterations.
        var again = CliRunner.Run([.. common, "--iterations", "50", "--resume", temp.File("run")]);
        Assert.True(again.ExitCode == 0, again.Err);
        Assert.Contains("at iteration 2 of 2", again.Out);
        Assert.Equal(2, File.ReadAllLines(temp.File("run", "metrics.jsonl")).Length);
    }

    [Fact]
    public void BenchmarkTimesInferenceAndATrainingStep()
    {
        var (code, output, err) = CliRunner.Run("benchmark", "-w", Weights(), "--image-size", "64", "-n", "1", "--warmup", "0");
        Assert.True(code == 0, err);
        Assert.Matches(@"inference\s+median \d+\.\d ms", output);
        Assert.Matches(@"training step\s+median \d+\.\d ms", output);
    }
}
