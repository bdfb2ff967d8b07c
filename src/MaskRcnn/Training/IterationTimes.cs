namespace MaskRcnn.Training;

/// <summary>
/// Where a training iteration's wall time went, in seconds: waiting for the batch (<see cref="Data"/>: what the
/// loader's workers did not hide behind the previous step), the forward pass with the losses, the backward pass
/// (with zeroing the gradients), and the rest of the step (gradient all-reduce, clipping, the SGD update).
/// Logged in <c>metrics.jsonl</c> as the mean over the iterations since the previous line.
/// </summary>
public readonly record struct IterationTimes(double Data, double Forward, double Backward, double Optimizer)
{
    public double Total => Data + Forward + Backward + Optimizer;

    public static IterationTimes operator +(IterationTimes a, IterationTimes b) =>
        new(a.Data + b.Data, a.Forward + b.Forward, a.Backward + b.Backward, a.Optimizer + b.Optimizer);

    public IterationTimes Over(int iterations) =>
        iterations <= 0 ? this : new(Data / iterations, Forward / iterations, Backward / iterations, Optimizer / iterations);
}
