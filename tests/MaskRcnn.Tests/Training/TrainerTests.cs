using MaskRcnn.Tests.Support;
using MaskRcnn.Weights;
using System.Text.Json.Nodes;
using MaskRcnn.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Tests.Training;

[Collection(SerialTorchRandomness.Name)]
public sealed class TrainerTests : IDisposable
{
    readonly TempDirectory temp = new();

    string root => temp.Path;

    public void Dispose() => temp.Dispose();

    static LrSchedule Schedule(int total) => new(0.05, total, 3, 0.001, [6], 0.1);

    TrainerOptions Options(string name, int total) => new()
    {
        Schedule = Schedule(total),
        Run = new RunDirectory(Path.Combine(root, name)),
        LogEvery = 2,
        ModelConfig = new JsonObject { ["hidden"] = 8 },
    };

    [Fact]
    public void ResumedRunEqualsUninterruptedRunToTheBit()
    {
        var straight = new TinyDetector(seed: 1);
        new Trainer(straight.Detector, new SyntheticBatches(7), Options("straight", 8)).Run();

        var first = new TinyDetector(seed: 1);
        using var stop = new CancellationTokenSource();
        var interrupted = new Trainer(first.Detector, new SyntheticBatches(7), Options("resumed", 8))
        {
            Progress = new InlineProgress<TrainingProgress>(p => { if (p.Iteration == 4) stop.Cancel(); }),
        }.Run(cancellation: stop.Token);
        Assert.True(interrupted.Cancelled);
        Assert.Equal(4, interrupted.Iterations);

        torch.manual_seed(12345); // the resumed process starts from different randomness and weights
        var second = new TinyDetector(seed: 99);
        var resumed = new Trainer(second.Detector, new SyntheticBatches(7), Options("resumed", 8)).Run(resumeFrom: Path.Combine(root, "resumed"));
        Assert.False(resumed.Cancelled);
        Assert.Equal(8, resumed.Iterations);

        // The resumed log continues the interrupted one without repeating iterations, and matches the straight run's.
        var straightLog = MetricsLog.ReadTraining(Path.Combine(root, "straight", "metrics.jsonl"));
        var resumedLog = MetricsLog.ReadTraining(Path.Combine(root, "resumed", "metrics.jsonl"));
        Assert.Equal([2, 4, 6, 8], resumedLog.Select(m => m.Iteration));
        Assert.Equal(straightLog.Select(m => m.TotalLoss), resumedLog.Select(m => m.TotalLoss));

        var expected = straight.Net.state_dict();
        var actual = second.Net.state_dict();
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (name, tensor) in expected)
            Assert.True(tensor.bytes.ToArray().AsSpan().SequenceEqual(actual[name].bytes.ToArray()), $"{name} differs after resume");
    }

    [Fact]
    public void NonFiniteLossStopsNamingIterationAndTermAndKeepsLastGoodCheckpoint()
    {
        var tiny = new TinyDetector(seed: 1) { NanAtCall = 5 };
        var options = Options("diverge", 8) with { CheckpointEvery = 2 };
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(tiny.Detector, new SyntheticBatches(7), options).Run());
        Assert.Equal(5, e.Iteration);
        Assert.Equal("loss_box_reg", e.LossTerm);
        Assert.Contains("iteration 5", e.Message);
        Assert.Contains("loss_box_reg", e.Message);

        string latest = options.Run.LatestCheckpoint()!.Path;
        Assert.Equal(e.LastGoodCheckpoint, latest);
        Assert.Equal(4, Checkpoint.ReadState(new CheckpointDirectory(latest)).Iteration);
        Assert.False(Directory.Exists(Path.Combine(options.Run.Path, "checkpoint-0000002")));
    }

    [Fact]
    public void MetricsLogHasLoggedIterationsWithScheduledRatesAndEvalEntries()
    {
        var tiny = new TinyDetector(seed: 3);
        var options = Options("metrics", 5) with { ValidateEvery = 2, LossWeights = new LossWeights(new Dictionary<string, double> { ["loss_small"] = 0 }) };
        var validatedAt = new List<int>();
        var result = new Trainer(tiny.Detector, new SyntheticBatches(7), options)
        {
            Validate = it => { validatedAt.Add(it); Assert.False(tiny.Net.training); return new Dictionary<string, double> { ["bbox_AP"] = it / 100.0 }; },
        }.Run();

        Assert.Equal([2, 4, 5], validatedAt);
        Assert.Equal(0.05, result.FinalMetrics!["bbox_AP"], 12);
        string path = Path.Combine(options.Run.Path, "metrics.jsonl");
        var train = MetricsLog.ReadTraining(path);
        Assert.Equal([2, 4, 5], train.Select(m => m.Iteration));
        // The logged rate is the one used by the logged (1-based) iteration.
        Assert.Equal([Schedule(5).LearningRate(1), Schedule(5).LearningRate(3), Schedule(5).LearningRate(4)], train.Select(m => m.LearningRate));
        // loss_small has weight 0, so the total is the box term alone.
        foreach (var m in train) Assert.Equal(m.Losses["loss_box_reg"], m.TotalLoss, 6);
        var evals = File.ReadLines(path).Select(l => JsonNode.Parse(l)!).Where(o => (string?)o["type"] == "eval").ToList();
        Assert.Equal([2, 4, 5], evals.Select(o => (int)o["iteration"]!));
    }

    [Fact]
    public void ProgressShowsThePlannedLengthOrNoneWhileABudgetIsStillMeasuring()
    {
        var planned = new List<int?>();
        new Trainer(new TinyDetector(seed: 3).Detector, new SyntheticBatches(7), Options("planned", 4)) { Progress = new Collect(planned) }.Run();
        Assert.Equal([4, 4, 4, 4], planned);

        var budgeted = new List<int?>();
        var options = Options("budgeted", 640_000) with { TimeBudget = TimeSpan.FromSeconds(1), BudgetReserve = TimeSpan.FromHours(1), SpeedProbeIterations = 2 };
        new Trainer(new TinyDetector(seed: 3).Detector, new SyntheticBatches(7), options) { Progress = new Collect(budgeted) }.Run();
        // Never the placeholder schedule's 640,000: unknown until the probe (iterations 1-2), then the fixed length.
        Assert.Equal([null, null, 3], budgeted);
    }

    sealed class Collect(List<int?> totals) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => totals.Add(value.TotalIterations);
    }

    [Fact]
    public void TimeBudgetFixesTheRunLength()
    {
        var tiny = new TinyDetector(seed: 3);
        // A schedule shape of 1000 iterations, a budget all but used by the reserve: the run stops right after the probe.
        var options = Options("budget", 1000) with { TimeBudget = TimeSpan.FromSeconds(1), BudgetReserve = TimeSpan.FromHours(1), SpeedProbeIterations = 2 };
        var result = new Trainer(tiny.Detector, new SyntheticBatches(7), options).Run();
        Assert.Equal(3, result.Iterations);
        Assert.Equal(3, result.Schedule.TotalIterations);
        Assert.Equal(3, Checkpoint.ReadState(new CheckpointDirectory(result.Checkpoint)).Schedule.TotalIterations);
    }

    [Fact]
    public void ARunThatSlowsDownAfterTheProbeStillStopsWithinTheBudget()
    {
        // The probe sees fast iterations and plans hundreds; from the 4th on each takes 250 ms.
        var tiny = new TinyDetector(seed: 3) { SlowDown = (4, TimeSpan.FromMilliseconds(250)) };
        var options = Options("slow", 1_000_000) with { TimeBudget = TimeSpan.FromSeconds(1.5), BudgetReserve = TimeSpan.Zero, SpeedProbeIterations = 2 };
        int validations = 0;
        var result = new Trainer(tiny.Detector, new SyntheticBatches(7), options) { Validate = _ => { validations++; return new Dictionary<string, double>(); } }.Run();
        Assert.False(result.Cancelled);
        Assert.True(result.Iterations < result.Schedule.TotalIterations, $"{result.Iterations} of {result.Schedule.TotalIterations}");
        Assert.InRange(result.Iterations, 4, 20);
        Assert.Equal(1, validations);
        Assert.Equal(result.Iterations, Checkpoint.ReadState(new CheckpointDirectory(result.Checkpoint)).Iteration);
    }

    [Fact]
    public void TensorBoardEventsAreWritten()
    {
        var tiny = new TinyDetector(seed: 3);
        var options = Options("tb", 2) with { TensorBoard = true };
        new Trainer(tiny.Detector, new SyntheticBatches(7), options).Run();
        var events = Directory.GetFiles(Path.Combine(options.Run.Path, "tensorboard"), "events.out.tfevents*", SearchOption.AllDirectories);
        Assert.NotEmpty(events);
        Assert.True(new FileInfo(events[0]).Length > 0);
    }

    [Fact]
    public void CheckpointHoldsTorchvisionNamesAndState()
    {
        var tiny = new TinyDetector(seed: 3);
        var options = Options("ckpt", 3);
        var result = new Trainer(tiny.Detector, new SyntheticBatches(7), options).Run();
        var weights = MaskRcnn.Weights.SafeTensors.Load(Path.Combine(result.Checkpoint, CheckpointDirectory.ModelFile));
        Assert.Equal(["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"], weights.Keys.Order());
        var state = Checkpoint.ReadState(new CheckpointDirectory(result.Checkpoint));
        Assert.Equal(3, state.Iteration);
        Assert.Equal(new DataPosition(7, 1, 0), state.Data);
        Assert.Equal(8, (int)state.ModelConfig!["hidden"]!);
        Assert.Equal(Schedule(3), state.Schedule);
    }
}
