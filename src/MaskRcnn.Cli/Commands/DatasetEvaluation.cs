using System.Text.Json.Nodes;
using MaskRcnn.Data;
using MaskRcnn.Data.Coco;
using MaskRcnn.Data.Images;
using MaskRcnn.Evaluation;
using MaskRcnn.Modeling;
using MaskRcnn.Training;
using MaskRcnn.Visualization;
using TorchSharp;

namespace MaskRcnn.Cli.Commands;

/// <summary>The COCO evaluation of a model on a dataset, with a few images drawn with predictions and ground truth.</summary>
sealed record EvaluationOutcome(IReadOnlyDictionary<IouType, CocoEvalResult> Results, IReadOnlyList<ComparisonRow> Comparisons)
{
    /// <summary>Flat names for metrics logs: <c>bbox_AP</c>, <c>segm_AP50</c>, ...</summary>
    public Dictionary<string, double> FlatMetrics()
    {
        string[] names = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"];
        var flat = new Dictionary<string, double>();
        foreach (var (type, result) in Results)
            for (int i = 0; i < names.Length; i++) flat[$"{type.ToString().ToLowerInvariant()}_{names[i]}"] = result.Stats[i];
        return flat;
    }
}

/// <summary>Runs a model over (the first images of) a COCO dataset and evaluates it as pycocotools would.</summary>
static class DatasetEvaluation
{
    const int ComparisonGridCellWidth = 400;

    public static EvaluationOutcome Run(MaskRcnnModel model, CocoDataset dataset, IReadOnlyList<IouType> iouTypes,
        int maxImages, int comparisons, IProgress<ProgressUpdate>? progress)
    {
        int count = maxImages > 0 ? Math.Min(maxImages, dataset.Count) : dataset.Count;
        var names = ModelSource.ClassNames(model.Config);
        var renderer = new OverlayRenderer();
        var results = new List<CocoResult>();
        var rows = new List<ComparisonRow>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            for (int i = 0; i < count; i++)
            {
                using var scope = torch.NewDisposeScope();
                using var item = dataset.Load(i);
                var detections = model.Predict([item.Image])[0];
                results.AddRange(CocoPredictions.From(detections, item.ImageId, dataset.LabelToCategoryId));
                if (i < comparisons)
                {
                    var image = ImageIo.Load(dataset.ImagePath(i));
                    // Drawn at the grid's cell width, so small images get legible captions.
                    double scale = (double)ComparisonGridCellWidth / image.Width;
                    rows.Add(new ComparisonRow(
                        renderer.Render(image, InstanceOverlays.FromDetections(detections, names), scale),
                        renderer.Render(image, InstanceOverlays.FromTargets(item.Target, names), scale),
                        dataset.ImageInfo(i).FileName));
                }
                progress?.Report(new ProgressUpdate(i + 1, count, clock.Elapsed, clock.Elapsed / (i + 1) * (count - i - 1), "images"));
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        var evaluated = dataset.Instances;
        if (count < dataset.Count)
        {
            var ids = Enumerable.Range(0, count).Select(i => dataset.ImageInfo(i).Id).ToHashSet();
            evaluated = evaluated with
            {
                Images = evaluated.Images.Where(im => ids.Contains(im.Id)).ToList(),
                Annotations = evaluated.Annotations.Where(a => ids.Contains(a.ImageId)).ToList(),
            };
        }
        var byType = iouTypes.ToDictionary(t => t, t => CocoEvaluator.Evaluate(evaluated, results, t));
        return new EvaluationOutcome(byType, rows);
    }

    /// <summary>
    /// Writes <c>metrics.json</c>, the comparison grid and <c>report.html</c> (with the loss curve when the folder
    /// has a <c>metrics.jsonl</c>) into <paramref name="folder"/>; prints the pycocotools summary to <paramref name="log"/>.
    /// </summary>
    public static void WriteReport(string folder, EvaluationOutcome outcome, string title, IReadOnlyList<KeyValuePair<string, string>> facts, TextWriter log)
    {
        Directory.CreateDirectory(folder);
        var json = new JsonObject();
        foreach (var (type, result) in outcome.Results)
        {
            log.WriteLine($"{type.ToString().ToLowerInvariant()}:");
            log.Write(CocoEvaluator.Summarize(result));
            json[type.ToString().ToLowerInvariant()] = new JsonArray(result.Stats.Select(s => (JsonNode)s).ToArray());
        }
        File.WriteAllText(Path.Combine(folder, "metrics.json"), json.ToJsonString(new() { WriteIndented = true }));

        ReportImage? lossCurve = null;
        string metricsLog = Path.Combine(folder, "metrics.jsonl");
        if (File.Exists(metricsLog) && MetricsLog.ReadTraining(metricsLog) is { Count: > 0 } entries)
        {
            string png = Path.Combine(folder, "loss.png");
            new LossCurvePlot { LogY = true }.Save(entries, png);
            lossCurve = new ReportImage(png, "Training losses (smoothed; faint: raw total)");
        }
        var comparisons = new List<ReportImage>();
        for (int start = 0; start < outcome.Comparisons.Count; start += 4)
        {
            string png = Path.Combine(folder, "comparisons", $"grid-{start / 4}.png");
            ImageIo.SavePng(ComparisonGrid.Compose(outcome.Comparisons.Skip(start).Take(4).ToList(), ComparisonGridCellWidth), png);
            comparisons.Add(new ReportImage(png, $"Images {start + 1}–{Math.Min(start + 4, outcome.Comparisons.Count)}: predictions (score ≥ 0.5) and ground truth"));
        }
        ReportWriter.Write(Path.Combine(folder, "report.html"), new ReportContent
        {
            Title = title,
            Facts = facts,
            CocoStats = outcome.Results.ToDictionary(kv => kv.Key.ToString().ToLowerInvariant(), kv => (IReadOnlyList<double>)kv.Value.Stats),
            LossCurve = lossCurve,
            Comparisons = comparisons,
        });
    }
}
