using MaskRcnn.Modeling;

namespace MaskRcnn.Training;

/// <summary>What a <see cref="TrainingRun"/> is asked to do: data, model, schedule and output.</summary>
/// <param name="Images">Folder of the training images.</param>
/// <param name="Annotations">COCO instances JSON of the training images.</param>
/// <param name="ValImages">Folder of the validation images; with <paramref name="ValAnnotations"/> it enables validation.</param>
/// <param name="ValAnnotations">COCO instances JSON of the validation images.</param>
/// <param name="Output">Run folder for checkpoints, metrics, the final weights and the report.</param>
/// <param name="Weights">Initial weights to fine-tune (class layers re-initialised when the class count differs); ignored on resume.</param>
/// <param name="BatchSize">Images per iteration; the learning rate and run length follow it under the linear scaling rule.</param>
/// <param name="LearningRate">Base learning rate instead of the scaled one.</param>
/// <param name="Iterations">Run length instead of the scaled one.</param>
/// <param name="Minutes">Time budget that fixes the run length after measuring the speed.</param>
/// <param name="Resume">A checkpoint or run folder to continue from; its stored model config is used.</param>
/// <param name="CheckpointEvery">Iterations between checkpoints (0: only at the end).</param>
/// <param name="EvalEvery">Iterations between validations (0: only at the end).</param>
/// <param name="LogEvery">Iterations between metrics lines.</param>
/// <param name="NormWeightDecay">Weight decay of biases and norm weights; null for that of the weights.</param>
/// <param name="ClipGradNorm">Clip the gradients' global norm to this; null for no clipping.</param>
/// <param name="TensorBoard">Also write TensorBoard event files.</param>
/// <param name="Seed">Seeds torch and the data order.</param>
/// <param name="Workers">Data loading threads.</param>
/// <param name="BaseConfig">Model config to train (its class count and names replaced by the data's), when no config file is given.</param>
/// <param name="ConfigPath">Model config JSON file; it wins over everything but a resumed checkpoint's config.</param>
/// <param name="Architecture">Architecture name (<see cref="MaskRcnnConfig.ArchitectureNames"/>) when nothing else gives a config; null for r50-fpn.</param>
/// <param name="Comparisons">Validation images drawn next to their ground truth in the report.</param>
public sealed record TrainingRequest(
    string Images, string Annotations, string? ValImages, string? ValAnnotations, string Output,
    string? Weights, int BatchSize, double? LearningRate, int? Iterations, double? Minutes, string? Resume,
    int CheckpointEvery, int EvalEvery, int LogEvery, double? NormWeightDecay, double? ClipGradNorm,
    bool TensorBoard, int Seed, int Workers, MaskRcnnConfig? BaseConfig = null, string? ConfigPath = null,
    string? Architecture = null, int Comparisons = 8);
