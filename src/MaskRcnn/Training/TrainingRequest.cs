using MaskRcnn.Data.Import;
using MaskRcnn.Modeling;
using MaskRcnn.Runtime;

namespace MaskRcnn.Training;

/// <summary>What a <see cref="TrainingRun"/> is asked to do: data, model, schedule and output.</summary>
public sealed record TrainingRequest
{
    /// <summary>The run length when none of <see cref="Iterations"/>, <see cref="Epochs"/> and <see cref="Minutes"/> is
    /// given: twelve passes over the data (Detectron2's "1×" schedule is about 12 COCO epochs). The paper's 160k
    /// iterations at batch 16 would take months on a laptop CPU.</summary>
    public const int DefaultEpochs = 12;

    /// <summary>Folder of the training images; null where the annotation layout holds them (mask folders).</summary>
    public string? Images { get; init; }

    /// <summary>The training annotations: a COCO, VIA or LabelMe JSON file, or a mask or label-image folder.</summary>
    public required string Annotations { get; init; }

    /// <summary>The layout of <see cref="Annotations"/> (<see cref="DatasetFormat.Auto"/>: detected, and said so).</summary>
    public DatasetFormat TrainFormat { get; init; } = DatasetFormat.Coco;

    /// <summary>Folder of the validation images.</summary>
    public string? ValImages { get; init; }

    /// <summary>The validation annotations (any layout <see cref="ValFormat"/> names); they enable validation.</summary>
    public string? ValAnnotations { get; init; }

    /// <summary>The layout of <see cref="ValAnnotations"/>.</summary>
    public DatasetFormat ValFormat { get; init; } = DatasetFormat.Coco;

    /// <summary>
    /// ImageNet weights for the backbone body (when not fine-tuning whole-model <see cref="Weights"/>):
    /// <c>imagenet-r18</c> (ML.NET's ResNet-18 from NuGet), an ML.NET-layout <c>.onnx</c>, or a torchvision ResNet
    /// classification checkpoint. The config's backbone follows the file (depth, blocks, FrozenBatchNorm, mean/std).
    /// </summary>
    public string? BackboneWeights { get; init; }

    /// <summary>Run folder for checkpoints, metrics, the final weights and the report (<c>Weights.RunDirectory</c>).</summary>
    public required string Output { get; init; }

    /// <summary>Initial weights to fine-tune (a file, checkpoint or run folder; class layers re-initialised when the
    /// class count differs); ignored on resume.</summary>
    public string? Weights { get; init; }

    /// <summary>Model config JSON file; it wins over everything but a resumed checkpoint's config.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Model config to train (its class count and names replaced by the data's), when no config file is given
    /// and the weights carry none.</summary>
    public MaskRcnnConfig? BaseConfig { get; init; }

    /// <summary>Architecture name (<see cref="MaskRcnnConfig.ArchitectureNames"/>) when nothing else gives a config; null for r50-fpn.</summary>
    public string? Architecture { get; init; }

    /// <summary>
    /// The short side images are trained and predicted at (stored in the config; the long-side cap scales with it as
    /// torchvision's 800/1333). Null: a config that was written keeps its sizes; architecture defaults take the training
    /// images' median short side, capped at 800 — never a blanket upsampling of small images to COCO's 800.
    /// </summary>
    public int? ImageSize { get; init; }

    /// <summary>
    /// RoIs sampled per image for the box and mask losses (<c>RoiHeads.BatchSizePerImage</c>, a quarter of them
    /// positive). Null: a written config keeps its own; architecture defaults take torchvision's 512 on a GPU and
    /// <see cref="CpuRoisPerImage"/> on a CPU.
    /// </summary>
    public int? RoisPerImage { get; init; }

    /// <summary>
    /// The CPU default of <see cref="RoisPerImage"/>: Detectron2's small-data setting (its balloon tutorial: "faster,
    /// and good enough for this toy dataset (default: 512)"). The mask head runs on every positive RoI, so in crowded
    /// images (dozens of objects: 128 positives per image at 512) it dominates: measured here with R18-FPN on two
    /// 384² images holding 80 objects each, the forward pass took 2.5× longer at 512 than at 128.
    /// </summary>
    public const int CpuRoisPerImage = 128;

    /// <summary>Training augmentation (<c>hflip,vflip,rot90,scale:0.8-1.25,crop:512,color</c>), stored in the config;
    /// null keeps the config's (torchvision's horizontal flip when it has none).</summary>
    public string? Augment { get; init; }

    /// <summary>Test-time thresholds and counts stored in the run's config (validation and later predictions use them).</summary>
    public InferenceSettings InferenceSettings { get; init; } = new();

    /// <summary>Continue the run in <see cref="Output"/> from its latest checkpoint, bit for bit.</summary>
    public bool Resume { get; init; }

    /// <summary>Images per iteration; the learning rate follows it under the linear scaling rule.</summary>
    public int BatchSize { get; init; } = 2;

    /// <summary>Base learning rate instead of the scaled one (0.02 × batch / 16).</summary>
    public double? LearningRate { get; init; }

    /// <summary>Run length in iterations.</summary>
    public int? Iterations { get; init; }

    /// <summary>Run length in passes over the training data.</summary>
    public int? Epochs { get; init; }

    /// <summary>Time budget that fixes the run length after measuring the speed.</summary>
    public double? Minutes { get; init; }

    /// <summary>Iterations between checkpoints (0: only at the end).</summary>
    public int CheckpointEvery { get; init; } = 500;

    /// <summary>Iterations between validations (0: only at the end).</summary>
    public int EvalEvery { get; init; }

    /// <summary>Iterations between metrics lines.</summary>
    public int LogEvery { get; init; } = 20;

    /// <summary>Weight decay of biases and norm weights; null for that of the weights.</summary>
    public double? NormWeightDecay { get; init; }

    /// <summary>Clip the gradients' global norm to this; null for no clipping, except from <see cref="BackboneWeights"/>
    /// (<see cref="EffectiveClipGradNorm"/>).</summary>
    public double? ClipGradNorm { get; init; }

    /// <summary>
    /// The clipping a run from ImageNet weights gets when none is given: its fresh FPN and heads start on ImageNet
    /// features with mask losses of 5–8 (torchvision's initialisation), and a short run's warm-up protects little — an
    /// unclipped 8-iteration run at 0.0025 diverged here (mask loss 150, then NaN). matterport clips at 5 by default;
    /// 10 is what every measured run of docs/training.md used. 0 turns clipping off.
    /// </summary>
    public const double ImageNetStartClipGradNorm = 10;

    /// <summary>The clip norm the optimizer uses: <see cref="ClipGradNorm"/> (0: none), else
    /// <see cref="ImageNetStartClipGradNorm"/> from ImageNet weights, else none.</summary>
    public double? EffectiveClipGradNorm =>
        ClipGradNorm is double given ? (given > 0 ? given : null) : BackboneWeights is not null ? ImageNetStartClipGradNorm : null;

    /// <summary>
    /// bf16: the forward pass's convolutions and linear layers in bfloat16 under libtorch's autocast, float32 master
    /// weights, optimizer state and checkpoints (<see cref="TrainerOptions.Precision"/>). Null: a resumed run's own,
    /// else fp32. Pays on CPUs with AVX512-BF16 or AMX (and GPUs); elsewhere oneDNN emulates bfloat16 and it is slower.
    /// </summary>
    public ComputePrecision? Precision { get; init; }

    /// <summary>Also write TensorBoard event files.</summary>
    public bool TensorBoard { get; init; }

    /// <summary>Seeds torch, the data order, the augmentations and the multi-scale size choice.</summary>
    public int Seed { get; init; }

    /// <summary>Data loading threads.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Validation images drawn next to their ground truth in the report.</summary>
    public int Comparisons { get; init; } = 8;

    /// <summary>Checks what does not need the files; one message per problem.</summary>
    /// <exception cref="InvalidTrainingRequestException">A value is out of range or two exclude each other.</exception>
    public void Validate()
    {
        if (BatchSize < 1) throw new InvalidTrainingRequestException($"the batch size must be at least 1, got {BatchSize}");
        if (Workers < 0) throw new InvalidTrainingRequestException($"the number of data loading workers must be 0 or more, got {Workers}");
        int lengths = (Iterations is null ? 0 : 1) + (Epochs is null ? 0 : 1) + (Minutes is null ? 0 : 1);
        if (lengths > 1) throw new InvalidTrainingRequestException("iterations, epochs and minutes exclude each other: give one run length");
        if (Iterations is < 1) throw new InvalidTrainingRequestException($"iterations must be at least 1, got {Iterations}");
        if (Epochs is < 1) throw new InvalidTrainingRequestException($"epochs must be at least 1, got {Epochs}");
        if (Minutes is <= 0) throw new InvalidTrainingRequestException($"minutes must be positive, got {Minutes}");
        if (LearningRate is <= 0) throw new InvalidTrainingRequestException($"the learning rate must be positive, got {LearningRate}");
        if (ClipGradNorm is < 0) throw new InvalidTrainingRequestException($"the gradient clip norm must be 0 (off) or positive, got {ClipGradNorm}");
        if (RoisPerImage is < 4) throw new InvalidTrainingRequestException($"the RoIs sampled per image must be at least 4, got {RoisPerImage}");
        if (ImageSize is < 32) throw new InvalidTrainingRequestException($"the image size must be at least 32 pixels, got {ImageSize}");
        if (LogEvery < 1) throw new InvalidTrainingRequestException($"log-every must be at least 1, got {LogEvery}");
        if (CheckpointEvery < 0 || EvalEvery < 0) throw new InvalidTrainingRequestException("checkpoint-every and eval-every must be 0 or more");
        if (ValImages is not null && ValAnnotations is null)
            throw new InvalidTrainingRequestException("validation images need validation annotations");
        if (BackboneWeights is not null && Weights is not null)
            throw new InvalidTrainingRequestException("backbone weights and whole-model weights exclude each other (the weights already hold a backbone)");
    }
}
