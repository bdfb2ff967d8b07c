using System.Text.Json;
using System.Text.Json.Nodes;
using MaskRcnn.Data;
using MaskRcnn.Data.Transforms;
using MaskRcnn.Distributed;
using MaskRcnn.Modeling;
using MaskRcnn.Visualization;
using MaskRcnn.Weights;
using TorchSharp;

namespace MaskRcnn.Training;

/// <summary>
/// A whole training run as <c>maskrcnn train</c> and <c>demo</c> do it: dataset and loader (torchvision's horizontal
/// flip), the model (fine-tuned from weights with the class layers re-initialised when the class count differs), the
/// paper's schedule under the linear scaling rule, validation with COCO metrics, and the final weights, config and
/// report.
/// </summary>
/// <remarks>
/// Three steps (<see cref="Prepare"/>, <see cref="Train"/>, <see cref="Finish"/>) so that a caller can show a live
/// progress display around the training loop alone; <see cref="Run"/> does all three.
/// </remarks>
public sealed class TrainingRun : IDisposable
{
    /// <summary>The final weights' file name in the run folder.</summary>
    public const string FinalWeightsFile = "model_final.safetensors";

    /// <summary>The model config's file name in the run folder.</summary>
    public const string ConfigFile = "config.json";

    readonly TrainingRequest request;
    readonly MaskRcnnModel model;
    readonly DataLoaderBatchSource batches;
    readonly CocoDataset? validation;
    readonly TrainerOptions options;
    readonly ICommunicator communicator;
    ValidationOutcome? lastEvaluation;

    TrainingRun(TrainingRequest request, MaskRcnnConfig config, MaskRcnnModel model, DataLoaderBatchSource batches,
        CocoDataset? validation, TrainerOptions options, ICommunicator communicator)
    {
        this.communicator = communicator;
        this.request = request;
        Config = config;
        this.model = model;
        this.batches = batches;
        this.validation = validation;
        this.options = options;
    }

    /// <summary>The model config being trained: the chosen one with the training data's classes.</summary>
    public MaskRcnnConfig Config { get; }

    /// <summary>Trains, then writes the outputs: <see cref="Prepare"/>, <see cref="Train"/> and <see cref="Finish"/> in one call.</summary>
    /// <param name="request">What to train.</param>
    /// <param name="progress">Receives a snapshot after every iteration; null for none.</param>
    /// <param name="log">Receives the notes of <see cref="Prepare"/> and the run's summary (how it ended, the files
    /// written, the COCO summaries).</param>
    /// <param name="cancellation">Stops the run cleanly, after a checkpoint.</param>
    /// <param name="communicator">The data-parallel job this process is a rank of; null for a single process.</param>
    /// <param name="device">Where the model trains; null for the CPU.</param>
    public static TrainingOutcome Run(TrainingRequest request, IProgress<TrainingProgress>? progress, TextWriter log, CancellationToken cancellation = default,
        ICommunicator? communicator = null, torch.Device? device = null)
    {
        using var run = Prepare(request, log.WriteLine, communicator, device);
        return run.Finish(run.Train(progress, cancellation), log);
    }

    /// <summary>
    /// Seeds torch, opens the data, chooses the model config and builds the model (loading the initial weights).
    /// </summary>
    /// <param name="request">What to train.</param>
    /// <param name="notice">Receives one-line notes worth a user's attention while preparing (class-specific tensors
    /// of the initial weights re-initialised for a different class count), as they happen; null to drop them.</param>
    /// <exception cref="FileNotFoundException">The config file or the checkpoint to resume does not exist.</exception>
    /// <exception cref="InvalidDataException">The config file is not a model config, or the checkpoint carries none.</exception>
    /// <param name="communicator">The data-parallel job this process is a rank of (null: a single process): the
    /// request's batch size is then per rank, the loader reads this rank's shard and the schedule follows the global batch.</param>
    /// <param name="device">Where the model trains (null: the CPU); batches are moved there.</param>
    /// <exception cref="InvalidTrainingRequestException">The architecture name is unknown.</exception>
    /// <exception cref="NotSupportedException">A run of several processes with trainable BatchNorm.</exception>
    public static TrainingRun Prepare(TrainingRequest request, Action<string>? notice = null, ICommunicator? communicator = null,
        torch.Device? device = null)
    {
        var r = request;
        var comm = communicator ?? SingleProcessCommunicator.Instance;
        if (comm.Rank != 0) notice = null;
        torch.manual_seed(r.Seed);
        var dataset = CocoDataset.Open(r.Annotations, r.Images, new CocoDatasetOptions(RemoveImagesWithoutAnnotations: true));
        var config = ConfigFor(r, dataset);
        DistributedTraining.RequireSynchronisableNorm(config, comm.Size);
        var model = new MaskRcnnModel(config);
        try
        {
            if (r.Weights is not null && r.Resume is null)
            {
                var skipped = model.LoadWeights(r.Weights, allowClassCountChange: true);
                if (skipped.Count > 0) notice?.Invoke($"{skipped.Count} class-specific tensors re-initialised for {config.NumClasses} classes");
            }
            if (device is not null) model.to(device);
            var loader = new DataLoader(dataset, r.BatchSize, shuffle: true, r.Seed, new RandomHorizontalFlip(0.5), r.Workers,
                shard: new Shard(comm.Rank, comm.Size));
            var batches = new DataLoaderBatchSource(loader) { Device = device };
            try
            {
                // The linear scaling rule follows the global batch, N ranks × the per-rank batch.
                var schedule = LrSchedule.ScaledForBatch(r.BatchSize * comm.Size);
                if (r.LearningRate is double lr) schedule = schedule with { BaseLearningRate = lr };
                if (r.Iterations is int n) schedule = schedule.ScaledToIterations(n);
                var options = new TrainerOptions
                {
                    Schedule = schedule,
                    OutputDirectory = r.Output,
                    Optimizer = new OptimizerSettings(NormAndBiasWeightDecay: r.NormWeightDecay, ClipGradNorm: r.ClipGradNorm),
                    LogEvery = r.LogEvery,
                    CheckpointEvery = r.CheckpointEvery,
                    ValidateEvery = r.EvalEvery,
                    TimeBudget = r.Minutes is double m ? TimeSpan.FromMinutes(m) : null,
                    TensorBoard = r.TensorBoard,
                    ModelConfig = JsonNode.Parse(config.ToJson()),
                };
                var validation = r.ValImages is not null && r.ValAnnotations is not null ? CocoDataset.Open(r.ValAnnotations, r.ValImages) : null;
                return new TrainingRun(r, config, model, batches, validation, options, comm);
            }
            catch
            {
                batches.Dispose();
                throw;
            }
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Runs the training loop, from scratch or from the request's checkpoint, validating as asked.</summary>
    /// <param name="progress">Receives a snapshot after every iteration; null for none.</param>
    /// <param name="cancellation">Stops the run cleanly, after a checkpoint.</param>
    public TrainingResult Train(IProgress<TrainingProgress>? progress, CancellationToken cancellation = default)
    {
        var detector = new ModuleDetector(model, (images, targets) => model.ComputeLosses(images, targets));
        return new Trainer(detector, batches, options)
        {
            Communicator = communicator,
            Progress = progress,
            Validate = validation is null ? null : _ =>
            {
                using var noGrad = torch.no_grad();
                lastEvaluation = RunReport.Validate(model, validation, request.Comparisons);
                return lastEvaluation.FlatMetrics();
            },
        }.Run(request.Resume, cancellation);
    }

    /// <summary>
    /// Writes the final weights, the config, the loss curve and (after a validation) <c>metrics.json</c> and
    /// <c>report.html</c> into the run folder, and a summary of the run to <paramref name="log"/>.
    /// </summary>
    /// <param name="result">What <see cref="Train"/> returned.</param>
    /// <param name="log">Receives the run's summary (how it ended, the files written, the COCO summaries).</param>
    public TrainingOutcome Finish(TrainingResult result, TextWriter log)
    {
        var r = request;
        string weights = Path.Combine(r.Output, FinalWeightsFile);
        string configPath = Path.Combine(r.Output, ConfigFile);
        // Every rank holds the same weights; rank 0 writes them.
        if (communicator.Rank != 0) return new TrainingOutcome(result, weights, configPath, null);
        model.SaveWeights(weights);
        File.WriteAllText(configPath, Config.ToJson());
        string? lossCurve = RunReport.WriteLossCurve(r.Output);
        string ending = result.Cancelled ? "stopped"
            : result.Iterations < result.Schedule.TotalIterations ? "time budget used up" : "trained";
        log.WriteLine($"{ending} at iteration {result.Iterations} of {result.Schedule.TotalIterations} in {result.Elapsed:hh\\:mm\\:ss}");
        log.WriteLine($"checkpoint: {result.Checkpoint}");
        log.WriteLine($"weights: {weights}");
        log.WriteLine($"config: {configPath}");
        log.WriteLine($"metrics log: {Path.Combine(r.Output, "metrics.jsonl")}");
        if (lossCurve is not null) log.WriteLine($"loss curve: {lossCurve}");
        if (lastEvaluation is not null)
        {
            RunReport.Write(r.Output, lastEvaluation, "Mask R-CNN training report",
            [
                new("training data", r.Annotations), new("validation data", r.ValAnnotations!),
                new("iterations", $"{result.Iterations} of {result.Schedule.TotalIterations} (batch {r.BatchSize * communicator.Size}, base lr {result.Schedule.BaseLearningRate:G4})"),
                new("training time (this process)", result.Elapsed.ToString(@"hh\:mm\:ss")),
            ], log);
            log.WriteLine($"metrics: {Path.Combine(r.Output, "metrics.json")}");
            log.WriteLine($"report: {Path.Combine(r.Output, "report.html")}");
        }
        return new TrainingOutcome(result, weights, configPath, lastEvaluation);
    }

    /// <summary>Releases the model and stops the data loader's workers.</summary>
    public void Dispose()
    {
        batches.Dispose();
        model.Dispose();
    }

    static MaskRcnnConfig ConfigFor(TrainingRequest r, CocoDataset dataset)
    {
        if (r.Resume is not null)
        {
            var state = Checkpoint.ReadState(Checkpoint.Resolve(r.Resume));
            return state.ModelConfig is null
                ? throw new InvalidDataException($"{r.Resume}: the checkpoint has no model configuration")
                : MaskRcnnConfig.FromJson(state.ModelConfig.ToJsonString());
        }
        // The config comes from, in order: the config file, the config stored with the weights, the architecture
        // name (r50-fpn by default). Without weights the backbone trains from scratch, with BatchNorm2d as torchvision does.
        MaskRcnnConfig baseConfig;
        if (r.ConfigPath is not null)
        {
            if (!File.Exists(r.ConfigPath)) throw new FileNotFoundException($"{r.ConfigPath}: config file not found", r.ConfigPath);
            try
            {
                baseConfig = MaskRcnnConfig.FromJson(File.ReadAllText(r.ConfigPath));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{r.ConfigPath}: not a model config ({e.Message})", e);
            }
        }
        else if (r.BaseConfig is not null) baseConfig = r.BaseConfig;
        else if (r.Weights is not null && r.Weights.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            && SafeTensors.ReadMetadata(r.Weights).TryGetValue(MaskRcnnModel.ConfigMetadataKey, out var json))
            baseConfig = MaskRcnnConfig.FromJson(json);
        else
        {
            try
            {
                baseConfig = MaskRcnnConfig.ForArchitecture(r.Architecture ?? "r50-fpn", dataset.NumClasses, fromScratch: r.Weights is null);
            }
            catch (ArgumentException e)
            {
                throw new InvalidTrainingRequestException(e.Message, e);
            }
        }
        var classes = Enumerable.Range(1, dataset.NumClasses - 1)
            .Select(label => new ClassInfo(dataset.ClassNames[label], dataset.LabelToCategoryId(label))).ToList();
        return baseConfig with { NumClasses = dataset.NumClasses, Classes = classes };
    }
}
