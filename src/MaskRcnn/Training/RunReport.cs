using System.Text.Json.Nodes;
using MaskRcnn.Data;
using MaskRcnn.Data.Images;
using MaskRcnn.Evaluation;
using MaskRcnn.Inference;
using MaskRcnn.Modeling;
using MaskRcnn.Visualization;
using MaskRcnn.Weights;

namespace MaskRcnn.Training;

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
            var predicted = predictor.Predict(image).ToOverlays(minScore: 0.5f);
            using var item = dataset.Load(i);
            // Drawn at the grid's cell width, so small images get legible captions.
            double scale = (double)CellWidth / image.Width;
            rows.Add(new ComparisonRow(
                renderer.Render(image, predicted, scale),
                renderer.Render(image, GroundTruthOverlays.From(item.Target, names), scale),
                dataset.ImageInfo(i).FileName));
        }
        return new ValidationOutcome(evaluation, rows);
    }

    static IReadOnlyList<string> ModelNames(ClassMap classes) => ["__background__", .. classes.Classes.Select(c => c.Name)];

    /// <summary>Draws <c>loss.png</c> from the folder's <c>metrics.jsonl</c>; returns its path, or null without a log.</summary>
    /// <param name="run">The run folder.</param>
    public static string? WriteLossCurve(RunDirectory run)
    {
        if (!File.Exists(run.MetricsLog) || MetricsLog.ReadTraining(run.MetricsLog) is not { Count: > 0 } entries) return null;
        new LossCurvePlot { LogY = true }.Save(entries.Select(e => new LossPoint(e.Iteration, e.TotalLoss, e.Losses)).ToList(), run.LossCurve);
        return run.LossCurve;
    }

    /// <summary>
    /// Writes <c>metrics.json</c>, the comparison grids and <c>report.html</c> (with the loss curve of the run's
    /// <c>metrics.jsonl</c>) into <paramref name="run"/>; prints the pycocotools summaries to <paramref name="log"/>.
    /// </summary>
    /// <param name="run">The run folder.</param>
    /// <param name="outcome">The validation to report.</param>
    /// <param name="title">The report's title.</param>
    /// <param name="facts">Facts about the run, shown in order.</param>
    /// <param name="log">Receives the pycocotools-style summaries.</param>
    public static void Write(RunDirectory run, ValidationOutcome outcome, string title, IReadOnlyList<KeyValuePair<string, string>> facts, TextWriter log)
    {
        Directory.CreateDirectory(run.Path);
        var results = new[] { ("bbox", outcome.Evaluation.Bbox), ("segm", outcome.Evaluation.Segm) };
        var json = new JsonObject();
        foreach (var (name, result) in results)
        {
            log.WriteLine($"IoU metric: {name}");
            log.Write(CocoEvaluator.Summarize(result));
            json[name] = new JsonArray(result.Stats.Select(s => (JsonNode)s).ToArray());
        }
        File.WriteAllText(run.MetricsSummary, json.ToJsonString(new() { WriteIndented = true }));

        string? png = WriteLossCurve(run);
        ReportImage? lossCurve = png is null ? null : new ReportImage(png, "Training losses (smoothed; faint: raw total)");
        var comparisons = new List<ReportImage>();
        for (int start = 0; start < outcome.Comparisons.Count; start += 4)
        {
            string grid = Path.Combine(run.Comparisons, $"grid-{start / 4}.png");
            ImageIo.SavePng(ComparisonGrid.Compose(outcome.Comparisons.Skip(start).Take(4).ToList(), CellWidth), grid);
            comparisons.Add(new ReportImage(grid, $"Images {start + 1}–{Math.Min(start + 4, outcome.Comparisons.Count)}: predictions (score ≥ 0.5) and ground truth"));
        }
        ReportWriter.Write(run.Report, new ReportContent
        {
            Title = title,
            Facts = facts,
            CocoStats = results.ToDictionary(r => r.Item1, r => (IReadOnlyList<double>)r.Item2.Stats),
            PerClassAp = PerCategoryAp.Table(outcome.Evaluation.Classes.Classes.Select(c => (c.CategoryId, c.Name)), outcome.Evaluation.Bbox, outcome.Evaluation.Segm)
                .Select(r => new ReportClassAp(r.Name, r.Bbox, r.Segm)).ToList(),
            LossCurve = lossCurve,
            Comparisons = comparisons,
        });
    }
}
