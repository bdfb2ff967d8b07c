using System.Text.Json.Nodes;
using MaskRcnn.Data;
using MaskRcnn.Data.Transforms;
using MaskRcnn.Modeling;
using MaskRcnn.Training;
using MaskRcnn.Weights;
using TorchSharp;

namespace MaskRcnn.Cli.Commands;

/// <summary>What <c>train</c> and <c>demo</c> ask of a training run.</summary>
sealed record TrainingRequest(
    string Images, string Annotations, string? ValImages, string? ValAnnotations, string Output,
    string? Weights, int BatchSize, double? LearningRate, int? Iterations, double? Minutes, string? Resume,
    int CheckpointEvery, int EvalEvery, int LogEvery, double? NormWeightDecay, double? ClipGradNorm,
    bool TensorBoard, int Seed, int Workers, MaskRcnnConfig? BaseConfig = null);

/// <summary>
/// Wires the library for a training run: dataset and loader (torchvision's horizontal flip), the model
/// (fine-tuned from --weights with the class layers re-initialised when the class count differs), the
/// paper's schedule under the linear scaling rule, validation with COCO metrics, and the final report.
/// </summary>
static class TrainingSetup
{
    public static int Run(TrainingRequest r, CliContext context)
    {
        torch.manual_seed(r.Seed);
        var dataset = CocoDataset.Open(r.Annotations, r.Images, new CocoDatasetOptions(RemoveImagesWithoutAnnotations: true));
        var config = ConfigFor(r, dataset);
        using var model = new MaskRcnnModel(config);
        if (r.Weights is not null && r.Resume is null)
        {
            var skipped = model.LoadWeights(r.Weights, allowClassCountChange: true);
            if (skipped.Count > 0) context.Err.WriteLine($"maskrcnn: {skipped.Count} class-specific tensors re-initialised for {config.NumClasses} classes");
        }
        var loader = new DataLoader(dataset, r.BatchSize, shuffle: true, r.Seed, new RandomHorizontalFlip(0.5), r.Workers);
        using var batches = new DataLoaderBatchSource(loader);

        var schedule = LrSchedule.ScaledForBatch(r.BatchSize);
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
        ValidationOutcome? lastEvaluation = null;
        var detector = new ModuleDetector(model, (images, targets) => model.ComputeLosses(images, targets));
        var result = ProgressReporter.Run(context, "train", display => new Trainer(detector, batches, options)
        {
            Progress = ProgressUpdate.ForTraining(display),
            Validate = validation is null ? null : _ =>
            {
                using var noGrad = torch.no_grad();
                lastEvaluation = RunReport.Validate(model, validation, comparisons: 8);
                return lastEvaluation.FlatMetrics();
            },
        }.Run(r.Resume, context.Cancellation));

        string weights = Path.Combine(r.Output, "model.safetensors");
        model.SaveWeights(weights);
        string ending = result.Cancelled ? "stopped"
            : result.Iterations < result.Schedule.TotalIterations ? "time budget used up" : "trained";
        context.Out.WriteLine($"{ending} at iteration {result.Iterations} of {result.Schedule.TotalIterations} in {result.Elapsed:hh\\:mm\\:ss}");
        context.Out.WriteLine($"checkpoint: {result.Checkpoint}");
        context.Out.WriteLine($"weights: {weights}");
        if (lastEvaluation is not null)
        {
            RunReport.Write(r.Output, lastEvaluation, "Mask R-CNN training report",
            [
                new("training data", r.Annotations), new("validation data", r.ValAnnotations!),
                new("iterations", $"{result.Iterations} of {result.Schedule.TotalIterations} (batch {r.BatchSize}, base lr {result.Schedule.BaseLearningRate:G4})"),
                new("training time (this process)", result.Elapsed.ToString(@"hh\:mm\:ss")),
            ], context.Out);
            context.Out.WriteLine($"report: {Path.Combine(r.Output, "report.html")}");
        }
        return result.Cancelled ? ExitCodes.Failure : ExitCodes.Success;
    }

    static MaskRcnnConfig ConfigFor(TrainingRequest r, CocoDataset dataset)
    {
        if (r.Resume is not null)
        {
            var state = Checkpoint.ReadState(Checkpoint.Resolve(r.Resume));
            return state.ModelConfig is null
                ? throw new CliException($"{r.Resume}: the checkpoint has no model configuration")
                : MaskRcnnConfig.FromJson(state.ModelConfig.ToJsonString());
        }
        var baseConfig = r.BaseConfig ?? MaskRcnnConfig.ResNet50Fpn();
        if (r.Weights is not null && r.Weights.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            && SafeTensors.ReadMetadata(r.Weights).TryGetValue(MaskRcnnModel.ConfigMetadataKey, out var json))
            baseConfig = MaskRcnnConfig.FromJson(json);
        var classes = Enumerable.Range(1, dataset.NumClasses - 1)
            .Select(label => new ClassInfo(dataset.ClassNames[label], dataset.LabelToCategoryId(label))).ToList();
        return baseConfig with { NumClasses = dataset.NumClasses, Classes = classes };
    }
}
