using System.Text.Json.Nodes;
using MaskRcnn.Data;
using MaskRcnn.Data.Images;
using MaskRcnn.Evaluation;
using MaskRcnn.Inference;
using MaskRcnn.Modeling;
using MaskRcnn.Training;

namespace MaskRcnn.Visualization;

/// <summary>Validation during training and the run's <c>report.html</c> (metrics, loss curve, comparison grids).</summary>
public static class RunReport
{
    const int CellWidth = 400;

    /// <summary>COCO-evaluates the model on the data set and draws its first <paramref name="comparisons"/> images.</summary>
    /// <param name="model">The model to evaluate (callers hold <c>torch.no_grad</c>: nothing here needs gradients).</param>
    /// <param name="dataset">The validation data with its ground truth.</param>
    /// <param name="comparisons">How many images to draw side by side with their ground truth.</param>
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

    /// <summary>Draws <c>loss.png</c> from the folder's <c>metrics.jsonl</c>; returns its path, or null without a log.</summary>
    /// <param name="folder">The run folder.</param>
    public static string? WriteLossCurve(string folder)
    {
        string metricsLog = Path.Combine(folder, "metrics.jsonl");
        if (!File.Exists(metricsLog) || MetricsLog.ReadTraining(metricsLog) is not { Count: > 0 } entries) return null;
        string png = Path.Combine(folder, "loss.png");
        new LossCurvePlot { LogY = true }.Save(entries, png);
        return png;
    }

    /// <summary>
    /// Writes <c>metrics.json</c>, the comparison grids and <c>report.html</c> (with the loss curve of the folder's
    /// <c>metrics.jsonl</c>) into <paramref name="folder"/>; prints the pycocotools summaries to <paramref name="log"/>.
    /// </summary>
    /// <param name="folder">The run folder.</param>
    /// <param name="outcome">The validation to report.</param>
    /// <param name="title">The report's title.</param>
    /// <param name="facts">Facts about the run, shown in order.</param>
    /// <param name="log">Receives the pycocotools-style summaries.</param>
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

        string? png = WriteLossCurve(folder);
        ReportImage? lossCurve = png is null ? null : new ReportImage(png, "Training losses (smoothed; faint: raw total)");
        var comparisons = new List<ReportImage>();
        for (int start = 0; start < outcome.Comparisons.Count; start += 4)
        {
            string grid = Path.Combine(folder, "comparisons", $"grid-{start / 4}.png");
            ImageIo.SavePng(ComparisonGrid.Compose(outcome.Comparisons.Skip(start).Take(4).ToList(), CellWidth), grid);
            comparisons.Add(new ReportImage(grid, $"Images {start + 1}–{Math.Min(start + 4, outcome.Comparisons.Count)}: predictions (score ≥ 0.5) and ground truth"));
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
