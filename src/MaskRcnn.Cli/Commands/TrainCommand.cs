using System.CommandLine;
using MaskRcnn.Data.Import;
using MaskRcnn.Distributed;
using MaskRcnn.Runtime;
using MaskRcnn.Training;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// <c>maskrcnn train</c>: SGD training on a COCO-format dataset with the paper's schedule under the linear
/// scaling rule, or a schedule compressed into <c>--minutes</c>; resumable from checkpoints. Under <c>mpirun</c> or
/// <c>srun</c> each process is one rank of a data-parallel run (<c>--batch-size</c> per rank).
/// </summary>
static class TrainCommand
{
    /// <summary>The annotation layout of a data option: auto (detected, and said so) or one of the importers'.</summary>
    public static Option<string> DatasetFormatOption(string name, string what) => new Option<string>(name)
    {
        Description = $"Layout of {what}: auto (detect and say what was found), coco, masks (Data Science Bowl folders), labels (instance label images), via, labelme",
        DefaultValueFactory = _ => "auto",
    }.AcceptOnlyFromAmong([.. DatasetFormatNames.All]);

    public static Command Create(CliContext context)
    {
        var images = new Option<DirectoryInfo?>("--train-images") { Description = "Folder of training images (not needed where the annotation layout holds them: mask folders)" };
        var annotations = new Option<string>("--train-annotations") { Description = "Training annotations: a COCO, VIA or LabelMe JSON file, or a mask or label-image folder", Required = true };
        var trainFormat = DatasetFormatOption("--train-format", "the training annotations");
        var valImages = new Option<DirectoryInfo?>("--val-images") { Description = "Folder of validation images" };
        var valAnnotations = new Option<string?>("--val-annotations") { Description = "Validation annotations in any supported layout (enables evaluation)" };
        var valFormat = DatasetFormatOption("--val-format", "the validation annotations");
        var backboneWeights = new Option<string?>("--backbone-weights") { Description = "ImageNet weights for the backbone body: imagenet-r18 (ML.NET's ResNet-18, restored from NuGet), an ML.NET .onnx, or a torchvision ResNet classification .pth (the backbone's depth, blocks and normalisation follow the file)" };
        var output = CommonOptions.Output("runs/train");
        var config = CommonOptions.ModelConfig();
        config.Description = "Model config JSON (default: the one stored with the weights, else the named architecture)";
        var arch = new Option<string>("--arch") { Description = "Architecture when no config is given", DefaultValueFactory = _ => "r50-fpn" }
            .AcceptOnlyFromAmong([.. MaskRcnn.Modeling.MaskRcnnConfig.ArchitectureNames]);
        var weights = CommonOptions.Weights(required: false);
        weights.Description = "Initial weights to fine-tune: a whole Mask R-CNN state dict (.pth or .safetensors, e.g. torchvision's COCO checkpoint), or a checkpoint or run folder; class layers are re-initialised when the class count differs";
        var batchSize = new Option<int>("--batch-size", "-b") { Description = "Images per iteration", DefaultValueFactory = _ => 2 };
        var lr = new Option<double?>("--lr") { Description = "Base learning rate (default: 0.02 × batch size / 16)" };
        var iterations = new Option<int?>("--iterations") { Description = $"Run length in iterations (default: {TrainingRequest.DefaultEpochs} epochs; the planned length is printed at the start, the time estimate after the first iterations)" };
        var epochs = new Option<int?>("--epochs") { Description = $"Run length in passes over the training images (default {TrainingRequest.DefaultEpochs})" };
        var minutes = new Option<double?>("--minutes") { Description = "Time budget; fixes the run length after measuring the speed" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in the output folder from its latest checkpoint, bit for bit" };
        var roisPerImage = new Option<int?>("--rois-per-image") { Description = $"RoIs sampled per image for the box and mask losses, a quarter positive (default: a written config's, else torchvision's 512 on a GPU and {TrainingRequest.CpuRoisPerImage} on a CPU, where the mask head on every positive dominates crowded images)" };
        var imageSize = new Option<int?>("--image-size") { Description = "Short side in pixels for training and (stored in the config) prediction; the long-side cap scales with it (default: the training images' median short side, capped at 800, unless a config or the weights give sizes)" };
        var augment = new Option<string?>("--augment") { Description = "Training augmentation, e.g. hflip,vflip,rot90,scale:0.8-1.25,crop:512,color (images are brought to the training image size first; crops are not rescaled); default: the config's, else horizontal flips" };
        var force = CommonOptions.Force();
        force.Description = "Start over in a non-empty output folder (an earlier run's files there are replaced; nothing else is touched)";
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Iterations between checkpoints", DefaultValueFactory = _ => 500 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Iterations between validations (0: at the end only); the weights of the best segm AP so far are kept as model_best.safetensors", DefaultValueFactory = _ => 0 };
        var logEvery = new Option<int>("--log-every") { Description = "Iterations between metrics lines", DefaultValueFactory = _ => 20 };
        var normWeightDecay = new Option<double?>("--norm-weight-decay") { Description = "Weight decay of biases and norm weights (default: same as weights, 1e-4)" };
        var clipGradNorm = new Option<double?>("--clip-grad-norm") { Description = "Clip the gradients' global norm to this (0: off; default: off, except 10 when starting from --backbone-weights)" };
        var precision = new Option<ComputePrecision?>("--precision")
        {
            Description = "bf16: convolutions and linear layers in bfloat16 under libtorch's autocast, with fp32 weights, optimizer state, losses, box coding, RoIAlign and NMS (faster only on CPUs with AVX512-BF16/AMX; default: a resumed run's, else fp32)",
        }.AcceptOnlyFromAmong("fp32", "bf16");
        var profile = new Option<int?>("--profile") { Description = "Instead of training, time this many iterations (after 2 untimed) stage by stage — data wait, transform, backbone, RPN, RoI heads, losses, backward, optimizer — and print the table" };
        var tensorBoard = new Option<bool>("--tensorboard") { Description = "Also write TensorBoard event files" };
        var seed = CommonOptions.Seed();
        var workers = new Option<int>("--workers", "-j") { Description = "Data loading threads", DefaultValueFactory = _ => 2 };
        var threads = CommonOptions.Threads();
        var command = new Command("train", "Train Mask R-CNN on a COCO-format dataset (under mpirun or srun: one data-parallel rank per process, the batch size per rank)")
        {
            images, annotations, trainFormat, valImages, valAnnotations, valFormat, backboneWeights, output, config, arch, weights, batchSize, lr, iterations, epochs, minutes, imageSize, roisPerImage, augment, resume, force,
            checkpointEvery, evalEvery, logEvery, normWeightDecay, clipGradNorm, precision, profile, tensorBoard, seed, workers, threads,
        };
        var settings = new InferenceSettingsOptions();
        settings.AddTo(command);
        command.SetAction(parse =>
        {
            ThreadSettings.Apply(parse.GetValue(threads));
            if (parse.GetValue(valImages) is not null && parse.GetValue(valAnnotations) is null)
                throw new CliException("--val-images needs --val-annotations", ExitCodes.Usage);
            if (parse.GetValue(resume) && parse.GetValue(force))
                throw new CliException("--resume and --force exclude each other (continue the run, or start over)", ExitCodes.Usage);
            var request = new TrainingRequest
            {
                Images = parse.GetValue(images)?.FullName,
                Annotations = Path.GetFullPath(parse.GetValue(annotations)!),
                TrainFormat = DatasetFormatNames.Parse(parse.GetValue(trainFormat)!),
                ValImages = parse.GetValue(valImages)?.FullName,
                ValAnnotations = parse.GetValue(valAnnotations) is { } va ? Path.GetFullPath(va) : null,
                ValFormat = DatasetFormatNames.Parse(parse.GetValue(valFormat)!),
                BackboneWeights = parse.GetValue(backboneWeights),
                Output = parse.GetValue(output)!.FullName,
                Weights = parse.GetValue(weights)?.FullName,
                ConfigPath = parse.GetValue(config)?.FullName,
                Architecture = parse.GetValue(arch),
                Resume = parse.GetValue(resume),
                BatchSize = parse.GetValue(batchSize),
                LearningRate = parse.GetValue(lr),
                Iterations = parse.GetValue(iterations),
                Epochs = parse.GetValue(epochs),
                Minutes = parse.GetValue(minutes),
                CheckpointEvery = parse.GetValue(checkpointEvery),
                EvalEvery = parse.GetValue(evalEvery),
                LogEvery = parse.GetValue(logEvery),
                NormWeightDecay = parse.GetValue(normWeightDecay),
                ClipGradNorm = parse.GetValue(clipGradNorm),
                Precision = parse.GetValue(precision),
                TensorBoard = parse.GetValue(tensorBoard),
                Seed = parse.GetValue(seed),
                Workers = parse.GetValue(workers),
                InferenceSettings = settings.Read(parse),
                ImageSize = parse.GetValue(imageSize),
                RoisPerImage = parse.GetValue(roisPerImage),
                Augment = parse.GetValue(augment),
            };
            var device = CommonOptions.DeviceOf(parse);
            if (parse.GetValue(profile) is int profiled) return ProfileRun(request, profiled, parse.GetValue(force), device, context);
            using var communicator = MpiLaunch.Open();
            return AbortOnFailure.Run(communicator, () =>
                TrainingRunner.ExitCode(TrainingRunner.Run(request, context, overwrite: parse.GetValue(force), communicator, device)));
        });
        return command;
    }

    /// <summary>The untimed iterations before a profile: the first ones pick kernels and grow libtorch's caches.</summary>
    const int ProfileWarmup = 2;

    static int ProfileRun(TrainingRequest request, int iterations, bool force, TorchSharp.torch.Device? device, CliContext context)
    {
        if (iterations < 1) throw new CliException($"--profile must be at least 1, got {iterations}", ExitCodes.Usage);
        using var run = TrainingRun.Prepare(request, m => context.Err.WriteLine($"maskrcnn: {m}"), overwrite: force, device: device);
        context.Err.WriteLine($"profile: {ProfileWarmup} untimed + {iterations} timed iterations, batch {request.BatchSize}, " +
                              $"{TorchSharp.torch.get_num_threads()} threads, {request.Workers} loader workers");
        var p = run.Profile(ProfileWarmup, iterations, (i, ms) => context.Err.WriteLine($"  iteration {i + 1}{(i < ProfileWarmup ? " (untimed)" : "")}: {ms / 1000:F2} s"));
        var o = context.Out;
        o.WriteLine($"{"stage",-10} {"ms/iter",9} {"share",7} {"conv+linear",12} {"other",9}");
        foreach (var (stage, ms) in p.StageMs)
        {
            double layers = p.ConvLinearMsOf(stage);
            o.WriteLine($"{stage,-10} {ms,9:F1} {ms / p.TotalMs,7:P1} {layers,12:F1} {ms - layers,9:F1}");
        }
        o.WriteLine($"{"total",-10} {p.TotalMs,9:F1} {1,7:P1} {p.ConvLinearMs,12:F1} {p.TotalMs - p.ConvLinearMs,9:F1}  (not conv/linear: {p.OtherShare:P1})");
        o.WriteLine($"forward conv+linear work {p.ConvLinearGflop:F1} GFLOP per iteration; backward conv+linear replayed layer by layer");
        return ExitCodes.Success;
    }
}
