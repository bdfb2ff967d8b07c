using System.CommandLine;
using System.Text.Json;
using MaskRcnn.Data.Coco;
using MaskRcnn.Evaluation;
using MaskRcnn.Inference;
using TorchSharp;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// <c>maskrcnn eval</c>: COCO AP/AR as pycocotools prints it, of a results file (<c>--gt --results</c>) or of a
/// model run over an annotated image folder (<c>--weights --images --annotations</c>).
/// </summary>
static class EvalCommand
{
    public static Command Create(CliContext context)
    {
        var gt = new Option<FileInfo?>("--gt") { Description = "Ground truth: a COCO instances JSON (with a results file)" };
        var results = new Option<FileInfo?>("--results") { Description = "A COCO results JSON to evaluate against the ground truth" };
        var iouType = new Option<string>("--iou-type") { Description = "What to evaluate", DefaultValueFactory = _ => "both" }
            .AcceptOnlyFromAmong("bbox", "segm", "both");
        var json = new Option<FileInfo?>("--json") { Description = "Also write the stats as {\"bbox\": [12 numbers], \"segm\": [12 numbers]} to this file (replaced if it exists)" };
        var weights = CommonOptions.Weights(required: false);
        weights.Description = "Evaluate this model on an annotated image folder. " + weights.Description;
        var config = CommonOptions.ModelConfig();
        var numClasses = CommonOptions.NumClasses();
        var images = new Option<DirectoryInfo?>("--images") { Description = "Folder of the annotated images (model evaluation)" };
        var annotations = new Option<FileInfo?>("--annotations") { Description = "COCO instances JSON of the images (model evaluation)" };
        var maxDets = new Option<string?>("--max-dets")
        {
            Description = "COCOeval's params.maxDets, at least 3 comma-separated values (default 1,10,100); e.g. 1,100,1000 for crowded " +
                "images. As in pycocotools the AP rows use the third value, AR rows the first three, and the first AP row maxDets 100",
        };
        var threads = CommonOptions.Threads();
        var precision = CommonOptions.Precision();
        var noFolding = CommonOptions.NoBatchNormFolding();
        var command = new Command("eval",
            "COCO box and mask AP/AR, pycocotools' 12 numbers per IoU type: of a results file against its ground truth " +
            "(give gt and results), or of a model run over an annotated image folder (give weights, images and annotations)")
        {
            gt, results, iouType, json, maxDets, weights, config, numClasses, images, annotations, threads, precision, noFolding,
        };
        var settings = new InferenceSettingsOptions();
        settings.AddTo(command);
        command.SetAction(parse =>
        {
            ThreadSettings.Apply(parse.GetValue(threads));
            var types = parse.GetValue(iouType) switch
            {
                "bbox" => new[] { IouType.Bbox },
                "segm" => [IouType.Segm],
                _ => [IouType.Bbox, IouType.Segm],
            };
            CocoEvalParams parameters;
            try
            {
                parameters = parse.GetValue(maxDets) is { } list ? CocoEvalParams.ParseMaxDetections(list) : CocoEvalParams.Default;
            }
            catch (FormatException e)
            {
                throw Usage($"--max-dets: {e.Message}");
            }
            string? gtPath = parse.GetValue(gt)?.ToString(), resultsPath = parse.GetValue(results)?.ToString();
            string? weightsPath = parse.GetValue(weights)?.ToString();
            string? imagesPath = parse.GetValue(images)?.ToString(), annotationsPath = parse.GetValue(annotations)?.ToString();

            IReadOnlyList<CocoEvalResult> evaluated;
            IEnumerable<(long Id, string Name)> categories;
            if (resultsPath is not null || gtPath is not null)
            {
                if (resultsPath is null || gtPath is null) throw Usage("--gt and --results go together");
                if (weightsPath is not null || imagesPath is not null || annotationsPath is not null)
                    throw Usage("evaluate either a results file (--gt, --results) or a model (--weights, --images, --annotations), not both");
                var truth = CocoJson.ReadInstances(gtPath);
                var detections = CocoJson.ReadResults(resultsPath, truth);
                evaluated = types.Select(t => CocoEvaluator.Evaluate(truth, detections, t, parameters)).ToList();
                categories = truth.Categories.OrderBy(c => c.Id).Select(c => (c.Id, c.Name));
            }
            else
            {
                if (weightsPath is null || imagesPath is null || annotationsPath is null)
                    throw Usage("give --gt and --results, or --weights, --images and --annotations");
                using var predictor = Predictor.Load(weightsPath, parse.GetValue(config)?.ToString(), parse.GetValue(numClasses),
                    new PredictorOptions { Precision = parse.GetValue(precision), FoldBatchNorm = !parse.GetValue(noFolding) }, adjustConfig: c => settings.ApplyTo(c, parse),
                    device: CommonOptions.DeviceOf(parse));
                var outcome = ProgressReporter.Run(context, "eval", progress =>
                    DatasetEvaluation.Evaluate(predictor.Model, imagesPath, annotationsPath,
                        new SyncProgress(p => progress.Report(PredictCommand.ToUpdate(p, ""))), parameters));
                context.Err.WriteLine($"{outcome.Results.Count} detections; {outcome.ClassMapping}");
                evaluated = types.Select(t => t == IouType.Bbox ? outcome.Bbox : outcome.Segm).ToList();
                categories = outcome.Classes.Classes.Select(c => (c.CategoryId, c.Name));
            }

            foreach (var result in evaluated)
            {
                context.Out.WriteLine($"IoU metric: {Name(result.IouType)}");
                context.Out.Write(CocoEvaluator.Summarize(result));
            }
            context.Out.WriteLine("Per-class AP @[.50:.95]:");
            context.Out.Write(PerCategoryAp.Format(PerCategoryAp.Table(categories,
                evaluated.FirstOrDefault(r => r.IouType == IouType.Bbox), evaluated.FirstOrDefault(r => r.IouType == IouType.Segm))));
            if (parse.GetValue(json) is { } jsonFile) WriteStats(jsonFile.ToString(), evaluated);
            return ExitCodes.Success;
        });
        return command;
    }

    static CliException Usage(string message) => new($"{message} (see 'maskrcnn eval --help')", ExitCodes.Usage);

    static string Name(IouType type) => type == IouType.Bbox ? "bbox" : "segm";

    static void WriteStats(string path, IEnumerable<CocoEvalResult> results)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder) Directory.CreateDirectory(folder);
        using var stream = File.Create(path);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        foreach (var result in results)
        {
            writer.WriteStartArray(Name(result.IouType));
            foreach (double stat in result.Stats) writer.WriteNumberValue(stat);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    /// <summary>Reports synchronously on the calling thread (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    sealed class SyncProgress(Action<InferenceProgress> report) : IProgress<InferenceProgress>
    {
        public void Report(InferenceProgress value) => report(value);
    }
}
