using System.Diagnostics;
using System.Text.Json;
using MaskRcnn.Data.Coco;
using MaskRcnn.Evaluation;

namespace MaskRcnn.Benchmarks;

/// <summary>
/// Writes <see cref="CocoEvalBenchmarks"/>' synthetic problem as COCO files so that pycocotools can be timed on
/// exactly the same data (bench/coco/time_pycocotools.py), and times <see cref="CocoEvaluator.Evaluate"/> the way
/// that script times pycocotools: wall clock of repeated runs on already-parsed objects, best and median.
/// </summary>
public static class CocoEvalDump
{
    public const string Command = "coco-eval-dump";

    /// <summary>Files written: ground_truth.json, results.json and ours.json (our 12 stats and run times per iouType).</summary>
    public static void Run(string directory, int repeats)
    {
        Directory.CreateDirectory(directory);
        var (gt, results) = CocoEvalBenchmarks.Generate(seed: 2017);
        CocoJson.WriteInstances(Path.Combine(directory, "ground_truth.json"), gt);
        CocoJson.WriteResults(Path.Combine(directory, "results.json"), results);
        Console.WriteLine($"{gt.Images.Count} images, {gt.Annotations.Count} ground-truth objects, {results.Count} detections -> {directory}");

        // The counterpart of pycocotools' COCO(gt file) + loadRes(results file), timed apart from evaluation.
        var load = Stopwatch.StartNew();
        var gtRead = CocoJson.ReadInstances(Path.Combine(directory, "ground_truth.json"));
        var resultsRead = CocoJson.ReadResults(Path.Combine(directory, "results.json"), gtRead);
        double loadSeconds = load.Elapsed.TotalSeconds;
        Console.WriteLine($"reading both files back: {loadSeconds:F3} s");

        var report = new Dictionary<string, object> { ["load_seconds"] = loadSeconds };
        foreach (var type in new[] { IouType.Bbox, IouType.Segm })
        {
            string name = type.ToString().ToLowerInvariant();
            CocoEvalResult evaluation = CocoEvaluator.Evaluate(gt, results, type); // warm-up (JIT), not timed
            var seconds = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                var watch = Stopwatch.StartNew();
                evaluation = CocoEvaluator.Evaluate(gt, results, type);
                seconds.Add(watch.Elapsed.TotalSeconds);
            }
            seconds.Sort();
            // The files must describe the same problem: evaluating what was read back gives the same stats.
            var fromFiles = CocoEvaluator.Evaluate(gtRead, resultsRead, type).Stats;
            if (!fromFiles.SequenceEqual(evaluation.Stats))
                throw new InvalidOperationException($"{name}: the written files evaluate to [{string.Join(", ", fromFiles)}], not [{string.Join(", ", evaluation.Stats)}]");
            Console.WriteLine($"{name}: best {seconds[0]:F3} s, median {seconds[seconds.Count / 2]:F3} s over {repeats} runs; AP {evaluation.Stats[0]:F6}");
            report[name] = new { stats = evaluation.Stats, seconds };
        }
        File.WriteAllText(Path.Combine(directory, "ours.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
    }
}
