using MaskRcnn.Inference;
using MaskRcnn.Modeling;
using MaskRcnn.Tests.Support;
using MaskRcnn.Training;
using MaskRcnn.Weights;
using TorchSharp;

namespace MaskRcnn.Tests.Inference;

public sealed class WeightsSourceTests(TinyPredictorFiles files) : IClassFixture<TinyPredictorFiles>
{
    [Fact]
    public void Safetensors_written_by_the_model_carry_its_config()
    {
        var source = WeightsSource.Open(files.WeightsPath);
        Assert.Equal(WeightsFormat.SafeTensors, source.Format);
        Assert.Equal(new FileInfo(files.WeightsPath).Length, source.SizeBytes);
        Assert.Contains(ModelWeights.ConfigMetadataKey, source.Metadata.Keys);
        Assert.Equal(TinyPredictorFiles.Config.ToJson(), source.EmbeddedConfig!.ToJson());
        Assert.Null(source.Checkpoint);
    }

    [Fact]
    public void A_torch_save_zip_is_recognised_by_content()
    {
        var source = WeightsSource.Open(TestPaths.Fixture("model", "tiny_legacy_subset.pth"));
        Assert.Equal(WeightsFormat.TorchPickle, source.Format);
        Assert.Empty(source.Metadata);
        Assert.Null(source.EmbeddedConfig);
    }

    [Theory]
    [InlineData("")]
    [InlineData("just some text, long enough")]
    [InlineData("\u0089PNG\r\n\u001a\n0000000000000000")]
    public void Other_files_are_not_weights(string content)
    {
        string path = Path.Combine(files.Folder, $"not-weights-{content.Length}.safetensors");
        File.WriteAllText(path, content);
        var e = Assert.Throws<InvalidDataException>(() => WeightsSource.Open(path));
        Assert.StartsWith(path, e.Message);
    }

    [Fact]
    public void A_run_folder_gives_its_latest_checkpoints_weights_and_config()
    {
        string run = Path.Combine(files.Folder, "run");
        using var model = files.LoadModel();
        var detector = new ModuleDetector(model, (_, _) => throw new InvalidOperationException("not trained here"));
        using var optimizer = new DetectionOptimizer(detector.NamedParameters(), new OptimizerSettings(), 0.01);
        var config = System.Text.Json.Nodes.JsonNode.Parse(TinyPredictorFiles.Config.ToJson());
        string checkpoint = Checkpoint.Save(new RunDirectory(run), detector, optimizer,
            new CheckpointState(3, new LrSchedule(0.01, 10, 1, 0.1, [8], 0.1), new DataPosition(0, 0, 3), 1, config));

        var source = WeightsSource.Open(run);
        Assert.Equal(Path.Combine(checkpoint, CheckpointDirectory.ModelFile), source.Path);
        Assert.Equal(3, Checkpoint.ReadState(source.Checkpoint!).Iteration);
        Assert.Equal(TinyPredictorFiles.Config.ToJson(), source.EmbeddedConfig!.ToJson());
        using var predictor = Predictor.Load(run);
        Assert.NotEmpty(predictor.Predict(files.ImageA));
    }
}
