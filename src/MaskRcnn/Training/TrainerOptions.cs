using System.Text.Json.Nodes;
using MaskRcnn.Runtime;
using MaskRcnn.Weights;

namespace MaskRcnn.Training;

/// <summary>How a <see cref="Trainer"/> runs.</summary>
public sealed record TrainerOptions
{
    /// <summary>The learning-rate schedule; its <see cref="LrSchedule.TotalIterations"/> is the run's length unless a time budget is set.</summary>
    public required LrSchedule Schedule { get; init; }

    /// <summary>Run folder for <c>metrics.jsonl</c>, checkpoints and TensorBoard events.</summary>
    public required RunDirectory Run { get; init; }

    public OptimizerSettings Optimizer { get; init; } = new();

    public LossWeights LossWeights { get; init; } = LossWeights.Uniform;

    /// <summary>
    /// Number format of the forward pass's convolutions and linear layers: <see cref="ComputePrecision.Bf16"/> runs the
    /// forward pass and the losses under libtorch's autocast (<see cref="Autocast"/>), with float32 master weights,
    /// gradients and optimizer state. Null: a resumed run's checkpointed precision, else float32.
    /// </summary>
    public ComputePrecision? Precision { get; init; }

    /// <summary>Write a metrics line every this many iterations (the last iteration is always logged).</summary>
    public int LogEvery { get; init; } = 20;

    /// <summary>Checkpoint every this many iterations (0: only at the end).</summary>
    public int CheckpointEvery { get; init; } = 0;

    /// <summary>Run the validation delegate every this many iterations (0: only at the end, if one is given).</summary>
    public int ValidateEvery { get; init; } = 0;

    /// <summary>
    /// Wall-clock budget; the run length (and so the schedule) is fixed after <see cref="SpeedProbeIterations"/>
    /// iterations, and the run also stops early, with a checkpoint and the final validation, if the machine slows
    /// down so much that the budget (less <see cref="BudgetReserve"/>) runs out first.
    /// </summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Iterations timed to measure the speed under a time budget (the first one, which warms caches, is excluded).</summary>
    public int SpeedProbeIterations { get; init; } = 5;

    /// <summary>Time kept free at the end of a budgeted run for the final checkpoint and validation.</summary>
    public TimeSpan BudgetReserve { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Also write TensorBoard event files into the run folder's <c>tensorboard/</c>.</summary>
    public bool TensorBoard { get; init; } = false;

    /// <summary>Stored in checkpoints so that a model can be rebuilt from them.</summary>
    public JsonNode? ModelConfig { get; init; }
}
