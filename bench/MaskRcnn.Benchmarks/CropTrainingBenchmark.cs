using System.Diagnostics;
using MaskRcnn.Data;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Data.Transforms;
using MaskRcnn.Modeling;
using MaskRcnn.Runtime;
using MaskRcnn.Training;
using TorchSharp;

namespace MaskRcnn.Benchmarks;

/// <summary>
/// <c>train-crop DIR [ITERATIONS] [SIZE] [CROP] [crop|full]</c>: seconds per training iteration of an R18-FPN from scratch (batch 2)
/// on SIZE×SIZE synthetic shapes images (default 1000), once on the full images and once on CROP×CROP random crops
/// (default 512; <c>--augment hflip,crop:512</c>), each with the model's transform set to the input's own short side so
/// that neither run is rescaled (the crop semantics of issue 12: objects keep their pixel size). Trainer and DataLoader
/// as <c>maskrcnn train</c> uses them; the first 2 iterations of each run (warm-up) are left out of the median, and every
/// iteration's time is printed as it ends.
/// </summary>
public static class CropTrainingBenchmark
{
    public const string Command = "train-crop";

    /// <param name="only">"crop" or "full" to time one case (e.g. both side by side in two processes); null for both.</param>
    public static void Run(string dir, int iterations, int size, int crop, string? only = null)
    {
        string data = Path.Combine(dir, "data");
        if (!File.Exists(Path.Combine(data, "annotations.json"))) ShapesDataset.Generate(data, 8, seed: 12, imageSize: size);
        var dataset = CocoDataset.Open(Path.Combine(data, "annotations.json"), Path.Combine(data, "images"),
            new CocoDatasetOptions(RemoveImagesWithoutAnnotations: true));
        Console.WriteLine($"{dataset.Count} images of {size}x{size}, {dataset.Instances.Annotations.Count} objects; {torch.get_num_threads()} threads");
        foreach (var (name, augment, side) in new[] { ($"crop {crop}", $"hflip,crop:{crop}", crop), ("full", "hflip", size) })
        {
            if (only is not null && !name.StartsWith(only, StringComparison.Ordinal)) continue;
            var times = Time(dataset, Path.Combine(dir, name.Replace(' ', '-')), AugmentationSpec.Parse(augment), side, iterations);
            var timed = times.Skip(2).Order().ToArray();
            Console.WriteLine($"{name,-9} --augment {augment,-16} model short side {side}: median {timed[timed.Length / 2]:F2} s/iteration " +
                $"(min {timed[0]:F2}, max {timed[^1]:F2}, {timed.Length} timed); peak RSS {ProcessMemory.PeakResidentMb():F0} MiB");
        }
    }

    static double[] Time(CocoDataset dataset, string output, ITransform transform, int side, int iterations)
    {
        var config = MaskRcnnConfig.ForArchitecture("r18-fpn", dataset.NumClasses, fromScratch: true) with
        {
            Transform = new TransformConfig { MinSize = [side], MaxSize = side },
        };
        torch.manual_seed(1);
        using var model = new MaskRcnnModel(config);
        var loader = new DataLoader(dataset, 2, shuffle: true, seed: 1, transform, workers: 2);
        using var batches = new DataLoaderBatchSource(loader);
        var options = new TrainerOptions
        {
            Schedule = LrSchedule.ScaledForBatch(2).ScaledToIterations(iterations),
            Run = new MaskRcnn.Weights.RunDirectory(output),
            LogEvery = 1000,
        };
        var clock = Stopwatch.StartNew();
        var times = new List<double>();
        double last = 0;
        var detector = new ModuleDetector(model, (images, targets) => model.ComputeLosses(images, targets));
        new Trainer(detector, batches, options)
        {
            Progress = new Sync(p =>
            {
                double now = clock.Elapsed.TotalSeconds;
                times.Add(now - last);
                last = now;
                Console.WriteLine($"  iteration {p.Iteration}: {times[^1]:F2} s, loss {p.TotalLoss:F3}");
            }),
        }.Run();
        return [.. times];
    }

    sealed class Sync(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
