using System.Text.Json.Nodes;
using MaskRcnn.Data;
using MaskRcnn.Data.Images;
using MaskRcnn.Evaluation;
using MaskRcnn.Inference;
using MaskRcnn.Modeling;
using MaskRcnn.Training;
using MaskRcnn.Visualization;

namespace MaskRcnn.Cli.Commands;

/// <summary>A validation of a training run: the COCO metrics and a few images drawn with predictions and ground truth.</summary>
sealed record ValidationOutcome(DatasetEvaluationResult Evaluation, IReadOnlyList<ComparisonRow> Comparisons)
{
    static readonly string[] StatNames = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"];

    /// <summary>Flat names for the metrics log: <c>bbox_AP</c>, <c>segm_AP50</c>, ...</summary>
    public Dictionary<string, double> FlatMetrics()
    {
        var flat = new Dictionary<string, double>();
        for (int i = 0; i < StatNames.Length; i++)
        {
            flat[$"bbox_{StatNames[i]}"] = Evaluation.Bbox.Stats[i];
            flat[$"segm_{StatNames[i]}"] = Evaluation.Segm.Stats[i];
        }
        return flat;
    }
}

/// <summary>Validation during training and the run's <c>report.html</c> (metrics, loss curve, comparison grids).</summary>
static class RunReport
{
    const int CellWidth = 400;

    /// <summary>COCO-evaluates the model on the data set and draws its first <paramref name="comparisons"/> images.</summary>
    public static ValidationOutcome Validate(MaskRcnnModel model, CocoDataset dataset, int comparisons)
    {
        var evaluation = DatasetEvaluation.Evaluate(model, dataset);
        var names = ModelNames(evaluation.Classes);
        using var predictor = new Predictor(model, new PredictorOptions { Classes = evaluation.Classes });
        var renderer = new OverlayRenderer();
        var rows = new List<ComparisonRow>();
        for (int i = 0; i < Math.Min(comparisons, dataset.Count); i++)
        {
            var image = ImageIo.Load(dataset.ImagePath(i));
            var predicted = predictor.Predict(image)
                .Where(p => p.Score >= 0.5f)
                .Select(p => new InstanceOverlay(p.ClassName, p.Score, new BoxXyxy(p.BoxXyxy[0], p.BoxXyxy[1], p.BoxXyxy[2], p.BoxXyxy[3]), p.Mask))
                .ToList();
            using var item = dataset.Load(i);
            // Drawn at the grid's cell width, so small images get legible captions.
            double scale = (double)CellWidth / image.Width;
            rows.Add(new ComparisonRow(
                renderer.Render(image, predicted, scale),
                renderer.Render(image, InstanceOverlays.FromTargets(item.Target, names), scale),
                dataset.ImageInfo(i).FileName));
        }
        return new ValidationOutcome(evaluation, rows);
    }

    static IReadOnlyList<string> ModelNames(ClassMap classes) => ["__background__", .. classes.Classes.Select(c => c.Name)];

    /// <summary>
    /// Writes <c>metrics.json</c>, the comparison grids and <c>report.html</c> (with the loss curve of the folder's
    /// <c>metrics.jsonl</c>) into <paramref name="folder"/>; prints the pycocotools summaries to <paramref name="log"/>.
    /// </summary>
    public static void Write(string folder, ValidationOutcome outcome, string title, IReadOnlyList<KeyValuePair<string, string>> facts, TextWriter log)
    {
        Directory.CreateDirectory(folder);
        var results = new[] { ("bbox", outcome.Evaluation.Bbox), ("segm", outcome.Evaluation.Segm) };
        var json = new JsonObject();
        foreach (var (name, result) in results)
        {
            log.WriteLine($"IoU metric: {name}");
            log.Write(CocoEvaluator.Summarize(result));
            json[name] = new JsonArray(result.Stats.Select(s => (JsonNode)s).ToArray());
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
            ImageIo.SavePng(ComparisonGrid.Compose(outcome.Comparisons.Skip(start).Take(4).ToList(), CellWidth), png);
            comparisons.Add(new ReportImage(png, $"Images {start + 1}–{Math.Min(start + 4, outcome.Comparisons.Count)}: predictions (score ≥ 0.5) and ground truth"));
        }
        ReportWriter.Write(Path.Combine(folder, "report.html"), new ReportContent
        {
            Title = title,
            Facts = facts,
            CocoStats = results.ToDictionary(r => r.Item1, r => (IReadOnlyList<double>)r.Item2.Stats),
            LossCurve = lossCurve,
            Comparisons = comparisons,
        });
    }
}
