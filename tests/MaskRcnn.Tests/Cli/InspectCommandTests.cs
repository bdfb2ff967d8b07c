using MaskRcnn.Tests.Support;
using MaskRcnn.Training;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Cli;

public sealed class InspectCommandTests : IDisposable
{
    readonly TempDirectory temp = new();

    string folder => temp.Path;

    public void Dispose() => temp.Dispose();

    [Fact]
    public void ListsTensorsOfASafetensorsFile()
    {
        string file = Path.Combine(folder, "w.safetensors");
        SafeTensors.Save(file, new Dictionary<string, Tensor>
        {
            ["backbone.body.conv1.weight"] = zeros(64, 3, 7, 7),
            ["roi_heads.box_predictor.cls_score.bias"] = zeros(91),
        });
        var (code, output, _) = CliRunner.Run("inspect", file);
        Assert.Equal(0, code);
        Assert.Contains("tensors       2, 9,499 values", output); // 64*3*7*7 + 91
        Assert.Matches(@"backbone\.body\.conv1\.weight\s+Float32\s+\[64, 3, 7, 7\]", output);

        var limited = CliRunner.Run("inspect", file, "--limit", "1").Out;
        Assert.Contains("... 1 more", limited);
    }

    [Fact]
    public void DescribesTheLatestCheckpointOfARunFolder()
    {
        var net = nn.Linear(3, 2);
        var detector = new ModuleDetector(net, (_, _) => throw new InvalidOperationException("not trained here"));
        using var optimizer = new DetectionOptimizer(detector.NamedParameters(), new OptimizerSettings(), 0.01);
        var schedule = new LrSchedule(0.01, 100, 10, 0.001, [80], 0.1);
        Checkpoint.Save(folder, detector, optimizer, new CheckpointState(40, schedule, new DataPosition(5, 2, 3), 42, null));

        var (code, output, err) = CliRunner.Run("inspect", folder);
        Assert.True(code == 0, err);
        Assert.Contains("iteration     40 of 100", output);
        Assert.Contains("data          seed 5, epoch 2, batch 3", output);
        Assert.Matches(@"weight\s+Float32\s+\[2, 3\]", output);
    }

    [Fact]
    public void AFolderWithoutCheckpointIsAnError()
    {
        var (code, _, err) = CliRunner.Run("inspect", folder);
        Assert.Equal(1, code);
        Assert.Contains("neither a checkpoint nor a run folder", err);
    }
}
