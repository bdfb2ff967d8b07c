using System.CommandLine;
using MaskRcnn.Data.Shapes;
using MaskRcnn.Modeling;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// <c>maskrcnn demo</c>: the whole pipeline in minutes on CPU — generate a synthetic shapes dataset, train a
/// small Mask R-CNN on it within a time budget, evaluate it and write a report with overlays.
/// </summary>
static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var output = CommonOptions.Output("demo-run");
        var images = new Option<int>("--images") { Description = "Synthetic training images to generate", DefaultValueFactory = _ => 200 };
        var imageSize = new Option<int>("--image-size") { Description = "Side of the synthetic images in pixels", DefaultValueFactory = _ => 128 };
        var minutes = new Option<double>("--minutes") { Description = "Training time budget in minutes", DefaultValueFactory = _ => 5.0 };
        var seed = CommonOptions.Seed();
        var command = new Command("demo", "Generate a shapes dataset, train on it within a time budget, evaluate and write a report")
        {
            output, images, imageSize, minutes, seed,
        };
        command.SetAction(parse =>
        {
            string folder = parse.GetValue(output)!.FullName;
            int count = parse.GetValue(images), size = parse.GetValue(imageSize), seedValue = parse.GetValue(seed);
            if (count < 8) throw new CliException($"--images must be at least 8, got {count}", ExitCodes.Usage);
            if (size < 64) throw new CliException($"--image-size must be at least 64, got {size}", ExitCodes.Usage);
            string train = Path.Combine(folder, "data", "train"), val = Path.Combine(folder, "data", "val");
            context.Err.WriteLine($"maskrcnn: generating {count} training and {Math.Max(8, count / 4)} validation images in {Path.Combine(folder, "data")}");
            ShapesDataset.Generate(train, count, seedValue, size);
            ShapesDataset.Generate(val, Math.Max(8, count / 4), seedValue + 1, size);
            // Gradients are clipped: a from-scratch run of a few hundred iterations has little warm-up to protect it.
            var request = new TrainingRequest(
                Path.Combine(train, "images"), Path.Combine(train, "annotations.json"),
                Path.Combine(val, "images"), Path.Combine(val, "annotations.json"), folder,
                Weights: null, BatchSize: 4, LearningRate: null, Iterations: null, Minutes: parse.GetValue(minutes), Resume: null,
                CheckpointEvery: 200, EvalEvery: 0, LogEvery: 10, NormWeightDecay: null, ClipGradNorm: 10.0,
                TensorBoard: false, Seed: seedValue, Workers: 1, BaseConfig: SmallConfig(size));
            return TrainingSetup.Run(request, context);
        });
        return command;
    }

    /// <summary>
    /// A ResNet-18-FPN trained from scratch (hence trainable BatchNorm) at the images' own size: anchors scaled down to the shapes' sizes,
    /// half-width FPN and mask head, and fewer proposals, RoIs and detections than the COCO defaults (a shapes
    /// image holds a handful of objects), so that a CPU makes progress within minutes.
    /// </summary>
    static MaskRcnnConfig SmallConfig(int imageSize) => MaskRcnnConfig.ResNet18Fpn() with
    {
        Backbone = new BackboneConfig { Depth = 18, TrainableLayers = 5, Norm = NormKind.BatchNorm, FpnOutChannels = 128 },
        Transform = new TransformConfig { MinSize = [imageSize], MaxSize = imageSize },
        Rpn = new RpnConfig
        {
            AnchorSizes = [[8], [16], [32], [64], [128]],
            PreNmsTopNTrain = 600, PostNmsTopNTrain = 300, PreNmsTopNTest = 300, PostNmsTopNTest = 100,
        },
        RoiHeads = new RoiHeadsConfig
        {
            BatchSizePerImage = 128, RepresentationSize = 256, MaskLayers = [128, 128, 128, 128], MaskDimReduced = 128,
            DetectionsPerImage = 20,
        },
    };
}
