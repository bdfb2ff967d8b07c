using System.Text.Json;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Tests.Modeling;
using MaskRcnn.Tests.Support;
using MaskRcnn.Training;

namespace MaskRcnn.Tests.Training;

[Collection(SerialTorchRandomness.Name)]
public sealed class TrainingRunTests : IDisposable
{
    readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void A_whole_run_in_one_call_trains_validates_and_writes_weights_config_metrics_and_report()
    {
        string train = temp.File("train"), val = temp.File("val"), output = temp.File("run");
        ShapesDataset.Generate(train, count: 4, seed: 3, imageSize: 64);
        ShapesDataset.Generate(val, count: 2, seed: 4, imageSize: 64);
        var request = new TrainingRequest(
            Path.Combine(train, "images"), Path.Combine(train, "annotations.json"), Path.Combine(val, "images"), Path.Combine(val, "annotations.json"),
            output, Weights: null, BatchSize: 2, LearningRate: 0.01, Iterations: 3, Minutes: null, Resume: null,
            CheckpointEvery: 0, EvalEvery: 0, LogEvery: 1, NormWeightDecay: null, ClipGradNorm: 10, TensorBoard: false,
            Seed: 0, Workers: 1, BaseConfig: TinyModel.Config, Comparisons: 1);
        var log = new StringWriter();
        var seen = new List<int>();

        var outcome = TrainingRun.Run(request, new SyncProgress<TrainingProgress>(p => seen.Add(p.Iteration)), log);

        Assert.Equal(3, outcome.Result.Iterations);
        Assert.False(outcome.Result.Cancelled);
        Assert.Equal([1, 2, 3], seen);
        Assert.True(File.Exists(outcome.WeightsPath));
        Assert.Equal(Path.Combine(output, TrainingRun.ConfigFile), outcome.ConfigPath);
        // The config carries the training data's classes, named and numbered as the dataset's categories.
        using (var config = JsonDocument.Parse(File.ReadAllText(outcome.ConfigPath)))
        {
            var classes = config.RootElement.GetProperty("Classes").EnumerateArray()
                .Select(c => (c.GetProperty("Name").GetString(), c.GetProperty("CategoryId").GetInt64())).ToList();
            Assert.Equal(ShapesDataset.Categories.Select(c => ((string?)c.Name, c.Id)), classes);
        }
        var lines = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([1, 2, 3], lines.Where(l => l.GetProperty("type").GetString() == "train").Select(l => l.GetProperty("iteration").GetInt32()));
        Assert.NotNull(outcome.Validation);
        Assert.True(File.Exists(Path.Combine(output, "report.html")));
        Assert.Contains(outcome.WeightsPath, log.ToString());
    }

    sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
