using System.CommandLine;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// <c>maskrcnn train</c>: SGD training on a COCO-format dataset with the paper's schedule under the linear
/// scaling rule, or a schedule compressed into <c>--minutes</c>; resumable from checkpoints.
/// </summary>
static class TrainCommand
{
    public static Command Create(CliContext context)
    {
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder of training images", Required = true };
        var annotations = new Option<FileInfo>("--annotations") { Description = "COCO instances JSON of the training images", Required = true };
        var valImages = new Option<DirectoryInfo?>("--val-images") { Description = "Folder of validation images (enables evaluation)" };
        var valAnnotations = new Option<FileInfo?>("--val-annotations") { Description = "COCO instances JSON of the validation images" };
        var output = CommonOptions.Output("runs/train");
        var weights = CommonOptions.Weights(required: false);
        weights.Description = "Initial weights (e.g. torchvision's COCO or ImageNet-backbone weights as .safetensors)";
        var batchSize = new Option<int>("--batch-size", "-b") { Description = "Images per iteration", DefaultValueFactory = _ => 2 };
        var lr = new Option<double?>("--lr") { Description = "Base learning rate (default: 0.02 × batch size / 16)" };
        var iterations = new Option<int?>("--iterations") { Description = "Run length (default: the paper's 160k scaled by 16 / batch size)" };
        var minutes = new Option<double?>("--minutes") { Description = "Time budget; fixes the run length after measuring the speed" };
        var resume = new Option<DirectoryInfo?>("--resume") { Description = "Continue from a checkpoint or run folder" };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Iterations between checkpoints", DefaultValueFactory = _ => 500 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Iterations between validations (0: at the end only)", DefaultValueFactory = _ => 0 };
        var logEvery = new Option<int>("--log-every") { Description = "Iterations between metrics lines", DefaultValueFactory = _ => 20 };
        var normWeightDecay = new Option<double?>("--norm-weight-decay") { Description = "Weight decay of biases and norm weights (default: same as weights, 1e-4)" };
        var clipGradNorm = new Option<double?>("--clip-grad-norm") { Description = "Clip the gradients' global norm to this" };
        var tensorBoard = new Option<bool>("--tensorboard") { Description = "Also write TensorBoard event files" };
        var seed = CommonOptions.Seed();
        var workers = new Option<int>("--workers", "-j") { Description = "Data loading threads", DefaultValueFactory = _ => 2 };
        var threads = CommonOptions.Threads();
        var command = new Command("train", "Train Mask R-CNN on a COCO-format dataset")
        {
            images, annotations, valImages, valAnnotations, output, weights, batchSize, lr, iterations, minutes, resume,
            checkpointEvery, evalEvery, logEvery, normWeightDecay, clipGradNorm, tensorBoard, seed, workers, threads,
        };
        command.SetAction(parse =>
        {
            ThreadSettings.Apply(parse.GetValue(threads));
            if ((parse.GetValue(valImages) is null) != (parse.GetValue(valAnnotations) is null))
                throw new CliException("--val-images and --val-annotations go together", ExitCodes.Usage);
            var request = new TrainingRequest(
                parse.GetValue(images)!.FullName, parse.GetValue(annotations)!.FullName,
                parse.GetValue(valImages)?.FullName, parse.GetValue(valAnnotations)?.FullName, parse.GetValue(output)!.FullName,
                parse.GetValue(weights)?.FullName, parse.GetValue(batchSize), parse.GetValue(lr), parse.GetValue(iterations),
                parse.GetValue(minutes), parse.GetValue(resume)?.FullName, parse.GetValue(checkpointEvery), parse.GetValue(evalEvery),
                parse.GetValue(logEvery), parse.GetValue(normWeightDecay), parse.GetValue(clipGradNorm), parse.GetValue(tensorBoard),
                parse.GetValue(seed), parse.GetValue(workers));
            return TrainingSetup.Run(request, context);
        });
        return command;
    }
}
