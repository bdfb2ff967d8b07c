namespace MaskRcnn.Training;

/// <summary>How a training run ended.</summary>
/// <param name="Iterations">Iterations completed (including those of a resumed run).</param>
/// <param name="Schedule">The schedule the run followed (its length fixed by a time budget if one was set).</param>
/// <param name="Checkpoint">The folder of the final checkpoint.</param>
/// <param name="Elapsed">Wall time of this process's part of the run.</param>
/// <param name="Cancelled">True when the run stopped early on cancellation (after checkpointing).</param>
/// <param name="FinalMetrics">The last validation result, when a validation delegate was given.</param>
public sealed record TrainingResult(
    int Iterations,
    LrSchedule Schedule,
    string Checkpoint,
    TimeSpan Elapsed,
    bool Cancelled,
    IReadOnlyDictionary<string, double>? FinalMetrics);
