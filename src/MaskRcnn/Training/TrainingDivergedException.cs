namespace MaskRcnn.Training;

/// <summary>
/// A loss became NaN or infinite at the (1-based) <see cref="Iteration"/>; the run stops and the last good
/// checkpoint stays as it was.
/// </summary>
public sealed class TrainingDivergedException(int iteration, string lossTerm, double value, string? lastGoodCheckpoint)
    : Exception($"training diverged at iteration {iteration}: {lossTerm} = {value}" +
                (lastGoodCheckpoint is null ? " (no checkpoint was written before)" : $"; last good checkpoint: {lastGoodCheckpoint}"))
{
    public int Iteration { get; } = iteration;
    public string LossTerm { get; } = lossTerm;
    public double Value { get; } = value;
    public string? LastGoodCheckpoint { get; } = lastGoodCheckpoint;
}
