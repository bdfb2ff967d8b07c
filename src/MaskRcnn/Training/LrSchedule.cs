namespace MaskRcnn.Training;

/// <summary>
/// Per-iteration learning rate: a linear warm-up followed by step decay, as in the Mask R-CNN paper
/// (lr 0.02 for a batch of 16, divided by 10 at 120k of 160k iterations) and torchvision's detection
/// references (warm-up factor 1/1000, linear over the warm-up iterations).
/// </summary>
/// <param name="BaseLearningRate">The rate after warm-up and before the first decay.</param>
/// <param name="TotalIterations">The length of the run the schedule was made for.</param>
/// <param name="WarmupIterations">Iterations over which the factor rises linearly from <paramref name="WarmupFactor"/> to 1.</param>
/// <param name="WarmupFactor">The factor at iteration 0.</param>
/// <param name="Milestones">Iterations at which the rate is multiplied by <paramref name="Gamma"/>.</param>
/// <param name="Gamma">The decay factor per milestone.</param>
public sealed record LrSchedule(
    double BaseLearningRate,
    int TotalIterations,
    int WarmupIterations,
    double WarmupFactor,
    IReadOnlyList<int> Milestones,
    double Gamma)
{
    /// <summary>The paper's batch size, to which <see cref="Paper"/>'s rate and iteration counts belong.</summary>
    public const int PaperBatchSize = 16;

    /// <summary>The paper's COCO schedule: lr 0.02 at batch 16, 160k iterations, ×0.1 at 120k, 1000 warm-up iterations.</summary>
    public static LrSchedule Paper { get; } = new(0.02, 160_000, 1000, 1.0 / 1000, [120_000], 0.1);

    /// <summary>
    /// The paper's schedule under the linear scaling rule (Goyal et al. 2017): the rate scales with the batch
    /// size and the iteration counts inversely, so the number of images seen stays the same. The warm-up
    /// keeps its length in iterations (torchvision uses min(1000, iterations per epoch - 1)), capped at the run length.
    /// </summary>
    public static LrSchedule ScaledForBatch(int batchSize, double baseLrFor16 = 0.02)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1");
        double scale = (double)PaperBatchSize / batchSize;
        int total = (int)Math.Round(Paper.TotalIterations * scale);
        return Paper with
        {
            BaseLearningRate = baseLrFor16 * batchSize / PaperBatchSize,
            TotalIterations = total,
            WarmupIterations = Math.Min(Paper.WarmupIterations, total),
            Milestones = Paper.Milestones.Select(m => (int)Math.Round(m * scale)).ToArray(),
        };
    }

    /// <summary>
    /// The same schedule compressed or stretched to <paramref name="totalIterations"/> (used when a time budget
    /// fixes the run length): milestones keep their fraction of the run. The warm-up keeps its fraction too but
    /// lasts at least <see cref="MinimumWarmupFraction"/> of the run (never longer than before): the paper's
    /// 1000 of 160k iterations would shrink to one or two iterations in a short run, which then diverges at full rate.
    /// </summary>
    public LrSchedule ScaledToIterations(int totalIterations)
    {
        if (totalIterations < 1) throw new ArgumentOutOfRangeException(nameof(totalIterations), totalIterations, "a run needs at least 1 iteration");
        double scale = (double)totalIterations / TotalIterations;
        int proportional = (int)Math.Round(WarmupIterations * scale);
        int warmup = WarmupIterations == 0 ? 0
            : Math.Max(1, Math.Min(WarmupIterations, Math.Max(proportional, (int)Math.Ceiling(MinimumWarmupFraction * totalIterations))));
        return this with
        {
            TotalIterations = totalIterations,
            WarmupIterations = warmup,
            Milestones = Milestones.Select(m => (int)Math.Round(m * scale)).ToArray(),
        };
    }

    /// <summary>The shortest warm-up, as a fraction of the run, that <see cref="ScaledToIterations"/> produces.</summary>
    public const double MinimumWarmupFraction = 0.05;

    /// <summary>The rate for the (0-based) iteration.</summary>
    public double LearningRate(int iteration)
    {
        if (iteration < 0) throw new ArgumentOutOfRangeException(nameof(iteration), iteration, "iterations count from 0");
        double factor = 1.0;
        if (iteration < WarmupIterations)
        {
            // torch.optim.lr_scheduler.LinearLR: start + (1 - start) * t / T.
            double alpha = (double)iteration / WarmupIterations;
            factor = WarmupFactor * (1 - alpha) + alpha;
        }
        int decays = Milestones.Count(m => iteration >= m);
        return BaseLearningRate * factor * Math.Pow(Gamma, decays);
    }

    public bool Equals(LrSchedule? other) =>
        other is not null && BaseLearningRate == other.BaseLearningRate && TotalIterations == other.TotalIterations
        && WarmupIterations == other.WarmupIterations && WarmupFactor == other.WarmupFactor
        && Milestones.SequenceEqual(other.Milestones) && Gamma == other.Gamma;

    public override int GetHashCode() => HashCode.Combine(BaseLearningRate, TotalIterations, WarmupIterations, WarmupFactor, Gamma, Milestones.Count);
}
