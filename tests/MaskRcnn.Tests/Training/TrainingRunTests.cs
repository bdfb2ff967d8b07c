using System.Text.Json;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Runtime;
using MaskRcnn.Tests.Modeling;
using MaskRcnn.Tests.Support;
using MaskRcnn.Training;
using MaskRcnn.Weights;
using static TorchSharp.torch;

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
        var request = new TrainingRequest
        {
            Images = Path.Combine(train, "images"), Annotations = Path.Combine(train, "annotations.json"),
            ValImages = Path.Combine(val, "images"), ValAnnotations = Path.Combine(val, "annotations.json"),
            Output = output, BatchSize = 2, LearningRate = 0.01, Iterations = 3, CheckpointEvery = 0, LogEvery = 1,
            ClipGradNorm = 10, Seed = 0, Workers = 1, BaseConfig = TinyModel.Config, Comparisons = 1,
        };
        var log = new StringWriter();
        var seen = new List<int>();

        var outcome = TrainingRun.Run(request, new SyncProgress<TrainingProgress>(p => seen.Add(p.Iteration)), log);

        Assert.Equal(3, outcome.Result.Iterations);
        Assert.False(outcome.Result.Cancelled);
        Assert.Equal([1, 2, 3], seen);
        Assert.True(File.Exists(outcome.WeightsPath));
        Assert.Equal(Path.Combine(output, RunDirectory.ConfigFile), outcome.ConfigPath);
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

    TrainingRequest ShapesRequest(string name, int count = 4)
    {
        string data = temp.File($"data-{name}");
        if (!Directory.Exists(data)) ShapesDataset.Generate(data, count, seed: 3, imageSize: 64);
        return new TrainingRequest
        {
            Images = Path.Combine(data, "images"), Annotations = Path.Combine(data, "annotations.json"), Output = temp.File(name),
            BatchSize = 2, LearningRate = 0.01, CheckpointEvery = 0, LogEvery = 1, ClipGradNorm = 10, Workers = 0,
            BaseConfig = TinyModel.Config with { Transform = TinyModel.Config.Transform with { MinSize = [64], MaxSize = 64 } },
        };
    }

    static Dictionary<string, float[]> Weights(string file) =>
        MaskRcnn.Weights.SafeTensors.Load(file).ToDictionary(kv => kv.Key, kv => kv.Value.to_type(TorchSharp.torch.ScalarType.Float32).data<float>().ToArray());

    [Fact]
    public void Without_a_run_length_the_default_is_twelve_epochs_and_the_plan_is_printed()
    {
        var notes = new List<string>();
        using var run = TrainingRun.Prepare(ShapesRequest("default", count: 6), notes.Add);
        // 6 images at batch 2: 3 batches per epoch (grouped batching may shorten an epoch, not lengthen it).
        Assert.Contains(notes, n => n.Contains("planned: 36 iterations (the default 12 epochs of 3 batches of 2", StringComparison.Ordinal));
    }

    [Fact]
    public void Epochs_set_the_run_length_in_passes_over_the_data()
    {
        var notes = new List<string>();
        var outcome = TrainingRun.Run(ShapesRequest("epochs") with { Epochs = 2 }, null, new StringWriter());
        Assert.Equal(4, outcome.Result.Schedule.TotalIterations); // 4 images, batch 2: 2 batches × 2 epochs
        Assert.Equal(4, outcome.Result.Iterations);
    }

    [Fact]
    public void A_non_empty_output_is_refused_unless_resuming_or_starting_over()
    {
        var request = ShapesRequest("busy") with { Iterations = 2 };
        TrainingRun.Run(request, null, new StringWriter());
        File.WriteAllText(Path.Combine(request.Output, "notes.txt"), "mine");

        var e = Assert.Throws<IOException>(() => TrainingRun.Prepare(request));
        Assert.Contains("not empty", e.Message);
        Assert.Contains(request.Output, e.Message);

        // Starting over replaces the run's own files (metrics.jsonl no longer mixes two runs) and keeps everything else.
        TrainingRun.Run(request with { Iterations = 1 }, null, new StringWriter(), overwrite: true);
        var iterations = File.ReadAllLines(Path.Combine(request.Output, "metrics.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement).Where(l => l.GetProperty("type").GetString() == "train")
            .Select(l => l.GetProperty("iteration").GetInt32()).ToList();
        Assert.Equal([1], iterations);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(request.Output, "notes.txt")));
    }

    [Fact]
    public void Multi_scale_training_resumes_bit_for_bit()
    {
        // Two shorter-side sizes: each iteration's choice must come from the run's seeded stream, not Random.Shared.
        var multiScale = TinyModel.Config with { Transform = TinyModel.Config.Transform with { MinSize = [48, 56, 64], MaxSize = 64 } };
        var straight = ShapesRequest("straight") with { Iterations = 6, BaseConfig = multiScale, CheckpointEvery = 3 };
        var straightOutcome = TrainingRun.Run(straight, null, new StringWriter());

        var interrupted = straight with { Output = temp.File("interrupted") };
        using (var cancel = new CancellationTokenSource())
        using (var run = TrainingRun.Prepare(interrupted))
        {
            var progress = new SyncProgress<TrainingProgress>(p => { if (p.Iteration == 3) cancel.Cancel(); });
            Assert.True(run.Train(progress, cancel.Token).Cancelled);
        }
        var resumed = TrainingRun.Run(interrupted with { Resume = true }, null, new StringWriter());

        Assert.Equal(6, resumed.Result.Iterations);
        var expected = Weights(straightOutcome.WeightsPath);
        var actual = Weights(resumed.WeightsPath);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, values) in expected) Assert.True(values.SequenceEqual(actual[key]), $"{key} differs after resume");
    }

    [Fact]
    public void A_bf16_run_writes_fp32_weights_and_resumes_in_bf16_bit_for_bit()
    {
        var straight = ShapesRequest("bf16-straight") with { Iterations = 4, CheckpointEvery = 2, Precision = ComputePrecision.Bf16 };
        var log = new StringWriter();
        var straightOutcome = TrainingRun.Run(straight, null, log);
        Assert.Contains("bf16 mixed precision:", log.ToString());
        var fp32 = TrainingRun.Run(straight with { Output = temp.File("bf16-as-fp32"), Precision = null }, null, new StringWriter());

        // The checkpoint format does not change: float32 tensors under torchvision's names.
        var saved = MaskRcnn.Weights.SafeTensors.Load(straightOutcome.WeightsPath);
        Assert.All(saved.Values, t => Assert.Equal(ScalarType.Float32, t.dtype));
        Assert.Equal(Weights(fp32.WeightsPath).Keys.Order(), saved.Keys.Order());
        var bf16Weights = Weights(straightOutcome.WeightsPath);
        Assert.Contains(Weights(fp32.WeightsPath), kv => !kv.Value.SequenceEqual(bf16Weights[kv.Key])); // bf16 did run

        // Resumed without --precision: the checkpoint's bf16 goes on, and the run ends where the straight one did.
        var interrupted = straight with { Output = temp.File("bf16-interrupted") };
        using (var cancel = new CancellationTokenSource())
        using (var run = TrainingRun.Prepare(interrupted))
        {
            var progress = new SyncProgress<TrainingProgress>(p => { if (p.Iteration == 2) cancel.Cancel(); });
            Assert.True(run.Train(progress, cancel.Token).Cancelled);
        }
        var resumed = TrainingRun.Run(interrupted with { Resume = true, Precision = null }, null, new StringWriter());
        Assert.Equal(4, resumed.Result.Iterations);
        var actual = Weights(resumed.WeightsPath);
        foreach (var (key, values) in bf16Weights) Assert.True(values.SequenceEqual(actual[key]), $"{key} differs after resume");
    }

    [Fact]
    public void A_coco_file_given_as_the_config_is_refused_by_name()
    {
        var request = ShapesRequest("coco-config") with { Iterations = 1 };
        request = request with { ConfigPath = request.Annotations };
        var e = Assert.Throws<InvalidDataException>(() => TrainingRun.Prepare(request));
        Assert.Contains(request.Annotations, e.Message);
        Assert.Contains("not a valid model config", e.Message);
    }

    [Fact]
    public void A_run_folder_as_initial_weights_fine_tunes_from_its_latest_checkpoint_with_its_stored_config()
    {
        var first = ShapesRequest("first") with { Iterations = 2, CheckpointEvery = 1 };
        TrainingRun.Run(first, null, new StringWriter());
        // No BaseConfig: the config must come from the run folder's checkpoint, recognised as weights by content.
        var second = ShapesRequest("second") with { Iterations = 1, BaseConfig = null, Weights = first.Output, LearningRate = 1e-9 };
        var notes = new List<string>();
        using var run = TrainingRun.Prepare(second, notes.Add);
        Assert.Equal(TinyModel.Config.Backbone, run.Config.Backbone);
        Assert.Contains(notes, n => n.Contains("stored with the weights", StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_during_training_keeps_the_weights_of_the_best_mask_ap()
    {
        var request = ShapesRequest("best") with { Iterations = 3, EvalEvery = 1, LogEvery = 1, Comparisons = 0 };
        request = request with { ValImages = request.Images, ValAnnotations = request.Annotations };
        var notes = new List<string>();
        using (var run = TrainingRun.Prepare(request, notes.Add))
            run.Finish(run.Train(null), new StringWriter());

        // The log's validations: model_best is announced exactly where segm AP rose above every earlier one.
        var evals = File.ReadAllLines(Path.Combine(request.Output, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.GetProperty("type").GetString() == "eval")
            .Select(l => (Iteration: l.GetProperty("iteration").GetInt32(), Ap: l.GetProperty("metrics").GetProperty("segm_AP").GetDouble())).ToList();
        Assert.Equal([1, 2, 3], evals.Select(e => e.Iteration));
        var rises = evals.Where((e, i) => evals.Take(i).All(p => e.Ap > p.Ap)).Select(e => e.Iteration).ToList();
        var announced = notes.Where(n => n.Contains("the best so far", StringComparison.Ordinal))
            .Select(n => int.Parse(n.Split(' ')[3].TrimEnd(':'), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(rises, announced);
        Assert.True(File.Exists(Path.Combine(request.Output, RunDirectory.BestWeightsFile)));
        // Saved like the final weights: torchvision names, config in the metadata.
        Assert.Equal(Weights(Path.Combine(request.Output, RunDirectory.FinalWeightsFile)).Keys.Order(),
            Weights(Path.Combine(request.Output, RunDirectory.BestWeightsFile)).Keys.Order());
    }

    [Fact]
    public void A_mask_folder_trains_without_conversion_at_its_own_image_size()
    {
        // Two real nuclei images in the Data Science Bowl layout, copied so the test owns them.
        string data = temp.File("nuclei");
        foreach (var sample in Directory.GetDirectories(TestPaths.RepoPath("examples", "nuclei", "train")).Order().Take(2))
            temp.CopyIn(sample, "nuclei", Path.GetFileName(sample));
        var notes = new List<string>();
        var request = new TrainingRequest
        {
            Annotations = data, TrainFormat = MaskRcnn.Data.Import.DatasetFormat.Auto, Output = temp.File("nuclei-run"),
            Architecture = "r18-fpn", BatchSize = 1, Iterations = 1, CheckpointEvery = 0, LogEvery = 1, Workers = 0,
        };
        var outcome = TrainingRun.Run(request, null, new StringWriter(), cancellation: default);
        using var run = TrainingRun.Prepare(request with { Output = temp.File("nuclei-plan") }, notes.Add);
        Assert.Contains(notes, n => n.Contains("masks (", StringComparison.Ordinal) && n.Contains("2 images", StringComparison.Ordinal));
        // Not COCO's blanket 800: the images' own short side (the median of two 256-pixel-high pictures).
        Assert.Contains(notes, n => n.StartsWith("image size: 256 px short side", StringComparison.Ordinal));
        Assert.Equal([256], run.Config.Transform.MinSize);
        Assert.Equal(1, outcome.Result.Iterations);
        Assert.Equal(["object"], run.Config.Classes.Select(c => c.Name)); // a mask folder names no class: the importer's one default class
    }

    [Fact]
    public void Cpu_training_from_architecture_defaults_samples_128_rois_per_image_unless_told()
    {
        ShapesDataset.Generate(temp.File("rois"), count: 2, seed: 3, imageSize: 64);
        var request = new TrainingRequest
        {
            Images = temp.File("rois", "images"), Annotations = temp.File("rois", "annotations.json"), Architecture = "r18-fpn", Output = temp.File("rois-default"),
            BatchSize = 1, Iterations = 1, CheckpointEvery = 0, Workers = 0,
        };
        var notes = new List<string>();
        using (var run = TrainingRun.Prepare(request, notes.Add))
            Assert.Equal(TrainingRequest.CpuRoisPerImage, run.Config.RoiHeads.BatchSizePerImage);
        Assert.Contains(notes, n => n.StartsWith("RoI sampling: 128 per image on a CPU (torchvision's 512", StringComparison.Ordinal));
        using (var run = TrainingRun.Prepare(request with { Output = temp.File("rois-given"), RoisPerImage = 64 }, null))
            Assert.Equal(64, run.Config.RoiHeads.BatchSizePerImage);
        // A written config is the user's choice: kept as it is.
        string config = temp.File("rois-config.json");
        File.WriteAllText(config, """{ "Backbone": { "Depth": 18, "Norm": "BatchNorm", "TrainableLayers": 5 }, "RoiHeads": { "BatchSizePerImage": 512 } }""");
        using (var run = TrainingRun.Prepare(request with { Output = temp.File("rois-config"), Architecture = null, ConfigPath = config }, null))
            Assert.Equal(512, run.Config.RoiHeads.BatchSizePerImage);
        Assert.Throws<InvalidTrainingRequestException>(() => (request with { RoisPerImage = 2 }).Validate());
    }

    [Fact]
    public void A_run_from_imagenet_weights_clips_gradients_at_10_unless_told()
    {
        var request = new TrainingRequest { Annotations = "a.json", Output = "o", BackboneWeights = "imagenet-r18" };
        Assert.Equal(TrainingRequest.ImageNetStartClipGradNorm, request.EffectiveClipGradNorm);
        Assert.Equal(5.0, (request with { ClipGradNorm = 5 }).EffectiveClipGradNorm);
        Assert.Null((request with { ClipGradNorm = 0 }).EffectiveClipGradNorm);
        Assert.Null((request with { BackboneWeights = null }).EffectiveClipGradNorm);
        Assert.Throws<InvalidTrainingRequestException>(() => (request with { ClipGradNorm = -1 }).Validate());
    }

    sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
