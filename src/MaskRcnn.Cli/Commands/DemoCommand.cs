using System.CommandLine;
using System.Diagnostics;
using MaskRcnn.Data.Images;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Inference;
using MaskRcnn.Modeling;
using MaskRcnn.Training;
using MaskRcnn.Visualization;
using MaskRcnn.Weights;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// <c>maskrcnn demo</c>, the embedded default: generate a synthetic shapes dataset, train a small Mask R-CNN on it
/// within a time budget, evaluate it with the COCO metrics, draw its predictions on held-out images and write a
/// one-page report — no data and no weights to bring. The backbone starts from ML.NET's ImageNet ResNet-18
/// (restored from NuGet on first use, ~20 s): the two demos run at the same time with the same 8½-minute budget gave
/// mask AP50 0.930 from ImageNet against 0.404 from scratch. Without the package (no feed) the demo says so and
/// trains from scratch.
/// </summary>
static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var output = CommonOptions.Output("maskrcnn-demo");
        var force = new Option<bool>("--force") { Description = "Write into a non-empty output folder (files of an earlier demo are replaced)" };
        var images = new Option<int>("--images") { Description = "Synthetic training images to generate", DefaultValueFactory = _ => 500 };
        var valImages = new Option<int>("--val-images") { Description = "Held-out validation images to generate", DefaultValueFactory = _ => 100 };
        var imageSize = new Option<int>("--image-size") { Description = "Side of the synthetic images in pixels", DefaultValueFactory = _ => 128 };
        var minutes = new Option<double>("--minutes") { Description = "Training time budget in minutes (data, evaluation and pictures add about a minute)", DefaultValueFactory = _ => 8.5 };
        var iterations = new Option<int?>("--iterations") { Description = "Train exactly this many iterations instead of filling the time budget (to compare runs at equal length)" };
        var precision = CommonOptions.Precision();
        precision.Description = "fp32, or bf16: convolutions and linear layers in bfloat16 under libtorch's autocast, fp32 weights (as train --precision)";
        var overlays = new Option<int>("--overlays") { Description = "Held-out images to draw predictions on (val_overlays/)", DefaultValueFactory = _ => 16 };
        var backbone = new Option<string>("--backbone-weights") { Description = "ImageNet weights the backbone starts from (as for train)", DefaultValueFactory = _ => PretrainedBackbone.ImageNetR18 };
        var fromScratch = new Option<bool>("--from-scratch") { Description = "Train the backbone from random weights instead (no package restore)" };
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        var command = new Command("demo", "Generate a shapes dataset, train on it within a time budget, evaluate and write a report")
        {
            output, force, images, valImages, imageSize, minutes, iterations, precision, overlays, backbone, fromScratch, seed, threads,
        };
        command.SetAction(parse =>
        {
            ThreadSettings.Apply(parse.GetValue(threads));
            var device = CommonOptions.DeviceOf(parse);
            string folder = parse.GetValue(output)!.FullName;
            int count = parse.GetValue(images), valCount = parse.GetValue(valImages), size = parse.GetValue(imageSize), seedValue = parse.GetValue(seed);
            if (count < 8) throw new CliException($"--images must be at least 8, got {count}", ExitCodes.Usage);
            if (valCount < 1) throw new CliException($"--val-images must be at least 1, got {valCount}", ExitCodes.Usage);
            if (size < 64) throw new CliException($"--image-size must be at least 64, got {size}", ExitCodes.Usage);
            if (parse.GetValue(minutes) <= 0) throw new CliException($"--minutes must be positive, got {parse.GetValue(minutes)}", ExitCodes.Usage);
            if (parse.GetValue(iterations) is < 1) throw new CliException($"--iterations must be at least 1, got {parse.GetValue(iterations)}", ExitCodes.Usage);
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any() && !parse.GetValue(force))
                throw new CliException($"{folder}: the output folder is not empty (use --force to write into it, or --output to choose another)");
            if (parse.GetValue(force)) RemoveEarlierDemo(folder);
            var clock = Stopwatch.StartNew();

            string train = Path.Combine(folder, DataFolder, "train"), val = Path.Combine(folder, DataFolder, "val");
            context.Err.WriteLine($"maskrcnn: generating {count} training and {valCount} validation images of {size}×{size} in {Path.Combine(folder, DataFolder)}");
            ShapesDataset.Generate(train, count, seedValue, size);
            ShapesDataset.Generate(val, valCount, seedValue + 1, size);
            string? backboneWeights = parse.GetValue(fromScratch) ? null : StartingPoint(parse.GetValue(backbone)!, context);
            // Gradients are clipped: a from-scratch run of a few hundred iterations has little warm-up to protect it.
            var request = new TrainingRequest
            {
                Images = Path.Combine(train, "images"), Annotations = Path.Combine(train, "annotations.json"),
                ValImages = Path.Combine(val, "images"), ValAnnotations = Path.Combine(val, "annotations.json"),
                Output = folder, BaseConfig = SmallConfig(size), BackboneWeights = backboneWeights,
                BatchSize = 4, LearningRate = 0.02, Precision = parse.GetValue(precision),
                Iterations = parse.GetValue(iterations), Minutes = parse.GetValue(iterations) is null ? parse.GetValue(minutes) : null,
                CheckpointEvery = 0, LogEvery = 10, ClipGradNorm = 10.0, Seed = seedValue, Workers = 1,
            };
            // The folder was checked above and now holds the generated data: the run may write beside it.
            var outcome = TrainingRunner.Run(request, context, overwrite: true, device: device);
            if (outcome.Result.Cancelled) return TrainingRunner.ExitCode(outcome);

            string overlayFolder = WriteOverlays(outcome, Path.Combine(val, "images"), Path.Combine(folder, OverlaysFolder), parse.GetValue(overlays));
            context.Out.WriteLine($"overlays: {overlayFolder}");
            if (outcome.Validation is { } v)
                context.Out.WriteLine($"mask AP50 {v.Evaluation.Segm.Stats[1]:F3}, mask AP {v.Evaluation.Segm.Stats[0]:F3}, box AP50 {v.Evaluation.Bbox.Stats[1]:F3} on {valCount} held-out images");
            // Hours shown once there are any: mm:ss alone printed a 90-minute bf16 demo as "29:58".
            string took = clock.Elapsed.ToString(clock.Elapsed.TotalHours >= 1 ? @"h\:mm\:ss" : @"mm\:ss", System.Globalization.CultureInfo.InvariantCulture);
            context.Out.WriteLine($"demo finished in {took}; everything is in {folder}");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// The backbone weights to start from: <paramref name="spec"/>, except that ML.NET's package, when it cannot be
    /// restored (offline, no feed), leaves the demo to train from scratch with a note rather than fail.
    /// </summary>
    static string? StartingPoint(string spec, CliContext context)
    {
        if (spec != PretrainedBackbone.ImageNetR18) return spec;
        try
        {
            MlNetResNet18Package.Locate(context.Err);
            return spec;
        }
        catch (InvalidOperationException e)
        {
            context.Err.WriteLine($"maskrcnn: {e.Message}; the demo trains from scratch instead");
            return null;
        }
    }

    /// <summary>
    /// With --force, removes only what a demo writes (an earlier demo's data, checkpoints and results), so a
    /// mistyped --output never loses anything else.
    /// </summary>
    // The demo's own folders beside the run's files (RunDirectory).
    const string DataFolder = "data", OverlaysFolder = "val_overlays";

    static void RemoveEarlierDemo(string folder)
    {
        if (!Directory.Exists(folder)) return;
        new RunDirectory(folder).RemoveOutputs();
        foreach (var dir in new[] { DataFolder, OverlaysFolder }.Select(d => Path.Combine(folder, d)))
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    /// <summary>Draws the trained model's predictions (score ≥ 0.5) on the first held-out images, enlarged for legible captions.</summary>
    static string WriteOverlays(TrainingOutcome outcome, string valImages, string folder, int count)
    {
        Directory.CreateDirectory(folder);
        using var predictor = Predictor.Load(outcome.WeightsPath, outcome.ConfigPath, options: new PredictorOptions { ScoreThreshold = 0.5f });
        var renderer = new OverlayRenderer();
        foreach (var input in ImageInput.Resolve(valImages).Take(count))
        {
            var image = ImageIo.Load(input.Path);
            var overlays = predictor.Predict(image).ToOverlays();
            ImageIo.SavePng(renderer.Render(image, overlays, 384.0 / image.Width), Path.Combine(folder, input.Stem + ".png"));
        }
        return folder;
    }

    /// <summary>
    /// A ResNet-18-FPN trained from scratch (hence trainable BatchNorm) at the images' own size: anchors scaled to
    /// the shapes' sizes, narrow FPN and heads, and fewer proposals and sampled RoIs than the COCO defaults (a shapes
    /// image holds a handful of objects), so that two CPU cores learn the task within minutes.
    /// </summary>
    public static MaskRcnnConfig SmallConfig(int imageSize) => MaskRcnnConfig.ResNet18Fpn() with
    {
        Backbone = new BackboneConfig { Depth = 18, TrainableLayers = 5, Norm = NormKind.BatchNorm, FpnOutChannels = 64 },
        Transform = new TransformConfig { MinSize = [imageSize], MaxSize = imageSize },
        Rpn = new RpnConfig
        {
            AnchorSizes = [[16], [32], [64], [128], [256]],
            PreNmsTopNTrain = 600, PostNmsTopNTrain = 300, PreNmsTopNTest = 300, PostNmsTopNTest = 100,
        },
        RoiHeads = new RoiHeadsConfig
        {
            BatchSizePerImage = 128, RepresentationSize = 256, MaskLayers = [64, 64, 64, 64], MaskDimReduced = 64,
        },
    };
}
