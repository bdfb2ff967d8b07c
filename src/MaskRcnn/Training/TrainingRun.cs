using System.Text.Json.Nodes;
using MaskRcnn.Data;
using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Images;
using MaskRcnn.Data.Import;
using MaskRcnn.Data.Transforms;
using MaskRcnn.Distributed;
using MaskRcnn.Modeling;
using MaskRcnn.Runtime;
using MaskRcnn.Weights;
using TorchSharp;

namespace MaskRcnn.Training;

/// <summary>
/// A whole training run as <c>maskrcnn train</c> and <c>demo</c> do it: dataset and loader (torchvision's horizontal
/// flip), the model (<see cref="ModelResolver"/> with the training policy: the data's classes, class layers of the
/// initial weights re-initialised when the count differs), the paper's schedule under the linear scaling rule
/// compressed to the run length, validation with COCO metrics, and the final weights, config and report.
/// </summary>
/// <remarks>
/// Three steps (<see cref="Prepare"/>, <see cref="Train"/>, <see cref="Finish"/>) so that a caller can show a live
/// progress display around the training loop alone; <see cref="Run"/> does all three.
/// </remarks>
public sealed class TrainingRun : IDisposable
{
    // Keys of the deterministic streams a run draws from besides the data loader's.
    const long StreamMultiScale = 3;

    readonly TrainingRequest request;
    readonly MaskRcnnModel model;
    readonly DataLoaderBatchSource batches;
    readonly CocoDataset? validation;
    readonly TrainerOptions options;
    readonly Action<string>? notice;
    readonly ICommunicator communicator;
    ValidationOutcome? lastEvaluation;
    double? bestSegmAp;

    TrainingRun(TrainingRequest request, MaskRcnnConfig config, MaskRcnnModel model, DataLoaderBatchSource batches,
        CocoDataset? validation, TrainerOptions options, Action<string>? notice, ICommunicator communicator)
    {
        this.communicator = communicator;
        this.request = request;
        Config = config;
        this.model = model;
        this.batches = batches;
        this.validation = validation;
        this.options = options;
        this.notice = notice;
        Folder = new RunDirectory(request.Output);
    }

    /// <summary>The model config being trained: the chosen one with the training data's classes.</summary>
    public MaskRcnnConfig Config { get; }

    /// <summary>The run folder's layout.</summary>
    public RunDirectory Folder { get; }

    /// <summary>Trains, then writes the outputs: <see cref="Prepare"/>, <see cref="Train"/> and <see cref="Finish"/> in one call.</summary>
    /// <param name="request">What to train.</param>
    /// <param name="progress">Receives a snapshot after every iteration; null for none.</param>
    /// <param name="log">Receives the notes of <see cref="Prepare"/> and the run's summary (how it ended, the files
    /// written, the COCO summaries).</param>
    /// <param name="cancellation">Stops the run cleanly, after a checkpoint.</param>
    /// <param name="overwrite">Start over in a run folder that already holds a run's files (deletes only those).</param>
    /// <param name="communicator">The data-parallel job this process is a rank of; null for a single process.</param>
    /// <param name="device">Where the model trains; null for the CPU.</param>
    public static TrainingOutcome Run(TrainingRequest request, IProgress<TrainingProgress>? progress, TextWriter log,
        CancellationToken cancellation = default, bool overwrite = false, ICommunicator? communicator = null, torch.Device? device = null)
    {
        using var run = Prepare(request, log.WriteLine, overwrite, communicator, device);
        return run.Finish(run.Train(progress, cancellation), log);
    }

    /// <summary>
    /// Checks the request and the run folder, seeds torch, opens the data, resolves the model config and builds the
    /// model (loading the initial weights), and plans the run length.
    /// </summary>
    /// <param name="request">What to train.</param>
    /// <param name="notice">Receives one-line notes worth a user's attention as they happen (the planned length, the
    /// time estimate once measured, re-initialised class layers); null to drop them.</param>
    /// <param name="overwrite">Start over in a non-empty run folder: an earlier run's files there are deleted first
    /// (nothing else is). Without it (and without <see cref="TrainingRequest.Resume"/>) a non-empty folder is refused.</param>
    /// <param name="communicator">The data-parallel job this process is a rank of (null: a single process): the
    /// request's batch size is then per rank, the loader reads this rank's shard, the schedule follows the global batch,
    /// and only rank 0 checks and clears the run folder and gives notices.</param>
    /// <param name="device">Where the model trains (null: the CPU); batches are moved there.</param>
    /// <exception cref="FileNotFoundException">A file named by the request does not exist, or there is no checkpoint to resume.</exception>
    /// <exception cref="InvalidDataException">A file is not what it should be (names it).</exception>
    /// <exception cref="InvalidTrainingRequestException">The request cannot be carried out as given.</exception>
    /// <exception cref="IOException">The run folder is not empty and neither resuming nor overwriting was asked for.</exception>
    /// <exception cref="NotSupportedException">A run of several processes with trainable BatchNorm.</exception>
    public static TrainingRun Prepare(TrainingRequest request, Action<string>? notice = null, bool overwrite = false,
        ICommunicator? communicator = null, torch.Device? device = null)
    {
        var r = request;
        r.Validate();
        var comm = communicator ?? SingleProcessCommunicator.Instance;
        if (comm.Rank != 0) notice = null;
        var run = new RunDirectory(r.Output);
        // The run folder is shared by the ranks: one of them decides and clears it (a failure there aborts the job).
        if (comm.Rank == 0) PrepareFolder(run, r.Resume, overwrite);
        torch.manual_seed(r.Seed);
        var (instances, imagesDirectory) = ImportedDataset.Read(r.Annotations, r.Images, r.TrainFormat, notice);
        // Labels 1..K by increasing category id, as CocoDataset numbers them.
        var classes = instances.Categories.OrderBy(c => c.Id).Select(c => new ClassInfo(c.Name, c.Id)).ToList();
        var model = CreateModel(r, run, instances, classes, notice, device, out var config);
        try
        {
            DistributedTraining.RequireSynchronisableNorm(config, comm.Size);
            if (device is not null) model.to(device);
            // Images are read as the model will see them at prediction: the config's 16-bit intensity mapping.
            var images = new ImageLoadOptions { Intensity = config.Transform.IntensityMapping };
            var dataset = new CocoDataset(instances, imagesDirectory, new CocoDatasetOptions(RemoveImagesWithoutAnnotations: true, Images: images));
            var loader = new DataLoader(dataset, r.BatchSize, shuffle: true, r.Seed, TrainingTransform(config), r.Workers,
                shard: new Shard(comm.Rank, comm.Size));
            var batches = new DataLoaderBatchSource(loader) { Device = device };
            try
            {
                var schedule = PlanSchedule(r, loader, comm.Size, notice);
                if (r.ClipGradNorm is null && r.EffectiveClipGradNorm is double clip)
                    notice?.Invoke($"gradient norm clipped at {clip} (the default from ImageNet weights; --clip-grad-norm 0 turns it off)");
                if (r.Precision == ComputePrecision.Bf16 && (device is null || device.type == TorchSharp.DeviceType.CPU))
                {
                    notice?.Invoke("bf16 mixed precision: convolutions and linear layers in bfloat16 under libtorch's autocast; weights, optimizer and checkpoints stay fp32");
                    if (CpuFeatures.Bf16Note("training") is { } note) notice?.Invoke(note);
                }
                var options = new TrainerOptions
                {
                    Schedule = schedule,
                    Run = run,
                    Optimizer = new OptimizerSettings(NormAndBiasWeightDecay: r.NormWeightDecay, ClipGradNorm: r.EffectiveClipGradNorm),
                    Precision = r.Precision,
                    LogEvery = r.LogEvery,
                    CheckpointEvery = r.CheckpointEvery,
                    ValidateEvery = r.EvalEvery,
                    TimeBudget = r.Minutes is double m ? TimeSpan.FromMinutes(m) : null,
                    TensorBoard = r.TensorBoard,
                    ModelConfig = JsonNode.Parse(config.ToJson()),
                };
                CocoDataset? validation = null;
                if (r.ValAnnotations is not null)
                {
                    var (valInstances, valImages) = ImportedDataset.Read(r.ValAnnotations, r.ValImages, r.ValFormat, notice);
                    validation = new CocoDataset(valInstances, valImages, new CocoDatasetOptions(Images: images));
                }
                return new TrainingRun(r, config, model, batches, validation, options, notice, comm);
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

    static void PrepareFolder(RunDirectory run, bool resume, bool overwrite)
    {
        if (resume)
        {
            if (run.LatestCheckpoint() is null)
                throw new FileNotFoundException($"{run.Path}: no checkpoint to resume from (train without --resume to start a run)", run.Path);
            return;
        }
        if (!Directory.Exists(run.Path) || !Directory.EnumerateFileSystemEntries(run.Path).Any()) return;
        if (!overwrite)
            throw new IOException(
                $"{run.Path}: the output folder is not empty; use --resume to continue its run, --force to start over (its run files are replaced), or choose another --output");
        run.RemoveOutputs();
    }

    static MaskRcnnModel CreateModel(TrainingRequest r, RunDirectory run, CocoInstances dataset, IReadOnlyList<ClassInfo> classes, Action<string>? notice,
        torch.Device? device, out MaskRcnnConfig config)
    {
        if (r.Resume)
        {
            // The checkpoint's own config, weights restored by the trainer with the optimizer state.
            using var resumed = ModelResolver.Resolve(new ModelRequest { Weights = run.Path });
            config = resumed.Config;
            if (config.NumClasses != classes.Count + 1)
                throw new InvalidTrainingRequestException(
                    $"{run.Path}: the checkpoint's model has {config.NumClasses - 1} classes but {r.Annotations} has {classes.Count}; resume with the same data");
            return resumed.CreateModel(loadWeights: false);
        }
        ResolvedModel resolved;
        try
        {
            resolved = ModelResolver.Resolve(new ModelRequest
            {
                Weights = r.Weights, ConfigPath = r.ConfigPath, BaseConfig = r.BaseConfig, Architecture = r.Architecture, DatasetClasses = classes,
            });
        }
        catch (ArgumentException e) when (e is not InvalidTrainingRequestException)
        {
            throw new InvalidTrainingRequestException(e.Message, e);
        }
        using (resolved)
        {
            using var pretrained = r.BackboneWeights is null ? null : PretrainedBackbone.Resolve(r.BackboneWeights);
            try
            {
                config = pretrained is null ? resolved.Config : pretrained.Configure(resolved.Config);
                config = r.InferenceSettings.ApplyTo(WithImageSize(config, resolved.ConfigSource, r.ImageSize, dataset, notice));
                config = WithRoiSampling(config, resolved.ConfigSource, r.RoisPerImage, device, notice);
                if (r.Augment is not null)
                    config = config with { Transform = config.Transform with { Augmentation = AugmentationConfig.Parse(r.Augment).Steps } };
                config.Validate();
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                throw new InvalidTrainingRequestException(e.Message, e);
            }
            notice?.Invoke($"model: {DescribeArchitecture(config)} with {classes.Count} classes (config: {resolved.ConfigOrigin})");
            var settled = config;
            var model = resolved.CreateModel(_ => settled);
            if (resolved.ReinitialisedKeys.Count > 0)
                notice?.Invoke($"{resolved.ReinitialisedKeys.Count} class-specific tensors re-initialised for {config.NumClasses} classes");
            if (pretrained is not null)
            {
                pretrained.LoadInto(model);
                notice?.Invoke($"backbone body: ImageNet weights from {r.BackboneWeights} (FPN and heads freshly initialised, {config.Backbone.TrainableLayers} trainable backbone stages)");
            }
            return model;
        }
    }

    /// <summary>
    /// The data pipeline's transform: torchvision's horizontal flip when the config names no augmentation, else the
    /// config's steps at its training scale (the model's transform then leaves the images as they come).
    /// </summary>
    static ITransform TrainingTransform(MaskRcnnConfig config) =>
        config.Transform.Augmentation is { } steps
            ? AugmentationConfig.Parse(string.Join(",", steps)).Build(config.Transform.MinSize[^1], config.Transform.MaxSize)
            : new RandomHorizontalFlip(0.5);

    /// <summary>torchvision's long-side cap relative to the short side (1333 / 800).</summary>
    const double MaxSizeRatio = 1333.0 / 800.0;

    /// <summary>The largest short side the data-driven default picks (COCO's; more only when asked for).</summary>
    const int MaxDefaultImageSize = 800;

    /// <summary>The training scale: <paramref name="imageSize"/> when given; for architecture defaults the training
    /// images' median short side capped at 800; otherwise the written config's own sizes.</summary>
    static MaskRcnnConfig WithImageSize(MaskRcnnConfig config, ModelResolver.ConfigSource source, int? imageSize, CocoInstances dataset, Action<string>? notice)
    {
        int size;
        if (imageSize is int given) size = given;
        else if (source is ModelResolver.ConfigSource.Architecture or ModelResolver.ConfigSource.ClassCount && dataset.Images.Count > 0)
        {
            var sides = dataset.Images.Select(i => Math.Min(i.Width, i.Height)).Order().ToList();
            int median = sides[sides.Count / 2];
            size = Math.Min(median, MaxDefaultImageSize);
            notice?.Invoke($"image size: {size} px short side (the training images' median {median}{(median > MaxDefaultImageSize ? $", capped at {MaxDefaultImageSize}" : "")}); set --image-size to choose");
        }
        else return config;
        return config with { Transform = config.Transform with { MinSize = [size], MaxSize = (int)Math.Round(size * MaxSizeRatio) } };
    }

    /// <summary>The RoIs sampled per image: <paramref name="roisPerImage"/> when given; for architecture defaults on a CPU
    /// <see cref="TrainingRequest.CpuRoisPerImage"/>; otherwise the config's own (torchvision's 512).</summary>
    static MaskRcnnConfig WithRoiSampling(MaskRcnnConfig config, ModelResolver.ConfigSource source, int? roisPerImage, torch.Device? device,
        Action<string>? notice)
    {
        int rois;
        if (roisPerImage is int given) rois = given;
        else if (source is ModelResolver.ConfigSource.Architecture or ModelResolver.ConfigSource.ClassCount
                 && (device is null || device.type == TorchSharp.DeviceType.CPU) && config.RoiHeads.BatchSizePerImage > TrainingRequest.CpuRoisPerImage)
        {
            rois = TrainingRequest.CpuRoisPerImage;
            notice?.Invoke($"RoI sampling: {rois} per image on a CPU (torchvision's {config.RoiHeads.BatchSizePerImage} costs far more per iteration in crowded images); set --rois-per-image to choose");
        }
        else return config;
        return config with { RoiHeads = config.RoiHeads with { BatchSizePerImage = rois } };
    }

    static string DescribeArchitecture(MaskRcnnConfig c) =>
        $"ResNet-{c.Backbone.Depth}-{(c.Backbone.Architecture == Architecture.Fpn ? "FPN" : "C4")}";

    /// <summary>
    /// The paper's schedule under the linear scaling rule, compressed to the run length: <c>Iterations</c>,
    /// <c>Epochs</c> × batches per epoch, a time budget (fixed after the speed probe), or by default
    /// <see cref="TrainingRequest.DefaultEpochs"/> epochs. With several <paramref name="ranks"/> the loader is one
    /// rank's shard: an iteration takes a batch on every rank, so an epoch is the shard's batch count.
    /// </summary>
    static LrSchedule PlanSchedule(TrainingRequest r, DataLoader loader, int ranks, Action<string>? notice)
    {
        // The linear scaling rule follows the global batch, N ranks × the per-rank batch.
        var schedule = LrSchedule.ScaledForBatch(r.BatchSize * ranks);
        if (r.LearningRate is double lr) schedule = schedule with { BaseLearningRate = lr };
        int perEpoch = Math.Max(1, loader.BatchesPerEpoch);
        string images = ranks > 1 ? $"{perEpoch} batches of {r.BatchSize} × {ranks} processes" : $"{perEpoch} batches of {r.BatchSize}";
        if (r.Minutes is double minutes)
        {
            notice?.Invoke($"planned: as many iterations as fit in {minutes:0.##} minutes (measured after the first iterations), {images} per epoch");
            return schedule;
        }
        int iterations = r.Iterations ?? (r.Epochs ?? TrainingRequest.DefaultEpochs) * perEpoch;
        string why = r.Iterations is not null ? "as asked"
            : r.Epochs is not null ? $"{r.Epochs} epochs of {images}"
            : $"the default {TrainingRequest.DefaultEpochs} epochs of {images}; set --iterations, --epochs or --minutes";
        notice?.Invoke($"planned: {iterations:N0} iterations ({why})");
        return schedule.ScaledToIterations(iterations);
    }

    /// <summary>Runs the training loop, from scratch or from the run folder's checkpoint, validating as asked.</summary>
    /// <param name="progress">Receives a snapshot after every iteration; null for none.</param>
    /// <param name="cancellation">Stops the run cleanly, after a checkpoint.</param>
    public TrainingResult Train(IProgress<TrainingProgress>? progress, CancellationToken cancellation = default)
    {
        // Several MinSize values: each iteration's size comes from a stream keyed by (seed, iteration), so a resumed
        // run draws what the uninterrupted one would have drawn.
        var detector = new ModuleDetector(model, (images, targets, iteration) => model.ComputeLosses(images, targets,
            random: new Random((int)DeterministicRandom.ForKey(request.Seed, StreamMultiScale, iteration).NextUInt64())));
        bestSegmAp = request.Resume ? MetricsLog.BestEvaluation(Folder.MetricsLog, BestMetric) : null;
        return new Trainer(detector, batches, options)
        {
            Communicator = communicator,
            Progress = progress,
            Notice = notice,
            Validate = validation is null ? null : iteration =>
            {
                using var noGrad = torch.no_grad();
                lastEvaluation = RunReport.Validate(model, validation, request.Comparisons);
                KeepIfBest(iteration, lastEvaluation.Evaluation.Segm.Stats[0]);
                return lastEvaluation.FlatMetrics();
            },
        }.Run(request.Resume ? Folder.Path : null, cancellation);
    }

    /// <summary>
    /// Profiles <paramref name="iterations"/> training iterations of this run's model, data and optimizer settings after
    /// <paramref name="warmup"/> untimed ones (<see cref="TrainingProfiler"/>); nothing is written and the weights end
    /// changed, so a profiled run is not trained further.
    /// </summary>
    public TrainingProfile Profile(int warmup, int iterations, Action<int, double>? progress = null)
    {
        using var optimizer = new DetectionOptimizer(model.named_parameters().Select(p => (p.name, p.parameter)), options.Optimizer,
            options.Schedule.LearningRate(0));
        return TrainingProfiler.Measure(model, batches, optimizer, options.Precision ?? ComputePrecision.Fp32, warmup, iterations, progress);
    }

    /// <summary>Metrics-log name of the validation number <c>model_best.safetensors</c> is kept by.</summary>
    const string BestMetric = "segm_AP";

    /// <summary>
    /// Keeps <c>model_best.safetensors</c>: the weights of the validation with the highest mask AP so far (a resumed
    /// run starts from the earlier best in the metrics log).
    /// </summary>
    void KeepIfBest(int iteration, double segmAp)
    {
        if (bestSegmAp is double b && segmAp <= b) return;
        bestSegmAp = segmAp;
        ModelWeights.Save(model, Folder.BestWeights);
        notice?.Invoke($"validation at iteration {iteration}: segm AP {segmAp:0.000}, the best so far -> {Folder.BestWeights}");
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
        // Every rank holds the same weights; rank 0 writes them.
        if (communicator.Rank != 0) return new TrainingOutcome(result, Folder.FinalWeights, Folder.Config, null);
        ModelWeights.Save(model, Folder.FinalWeights);
        File.WriteAllText(Folder.Config, Config.ToJson());
        string? lossCurve = RunReport.WriteLossCurve(Folder);
        string ending = result.Cancelled ? "stopped"
            : result.Iterations < result.Schedule.TotalIterations ? "time budget used up" : "trained";
        log.WriteLine($"{ending} at iteration {result.Iterations} of {result.Schedule.TotalIterations} in {result.Elapsed:hh\\:mm\\:ss}");
        log.WriteLine($"checkpoint: {result.Checkpoint}");
        log.WriteLine($"weights: {Folder.FinalWeights}");
        log.WriteLine($"config: {Folder.Config}");
        log.WriteLine($"metrics log: {Folder.MetricsLog}");
        if (lossCurve is not null) log.WriteLine($"loss curve: {lossCurve}");
        if (lastEvaluation is not null)
        {
            RunReport.Write(Folder, lastEvaluation, "Mask R-CNN training report",
            [
                new("training data", r.Annotations), new("validation data", r.ValAnnotations!),
                new("iterations", $"{result.Iterations} of {result.Schedule.TotalIterations} (batch {r.BatchSize * communicator.Size}, base lr {result.Schedule.BaseLearningRate:G4})"),
                new("training time (this process)", result.Elapsed.ToString(@"hh\:mm\:ss")),
            ], log);
            log.WriteLine($"metrics: {Folder.MetricsSummary}");
            log.WriteLine($"report: {Folder.Report}");
        }
        return new TrainingOutcome(result, Folder.FinalWeights, Folder.Config, lastEvaluation);
    }

    /// <summary>Releases the model and stops the data loader's workers.</summary>
    public void Dispose()
    {
        batches.Dispose();
        model.Dispose();
    }
}
