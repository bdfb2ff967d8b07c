namespace MaskRcnn.Training;

/// <summary>
/// Fixes a run's length from a wall-clock budget (<c>--minutes</c>) once the first iterations have shown the speed.
/// </summary>
public static class TimeBudget
{
    /// <summary>
    /// The total number of iterations that fit in <paramref name="budget"/>: those done plus as many more at
    /// <paramref name="perIteration"/> as fit in what is left after <paramref name="elapsed"/>, keeping
    /// <paramref name="reserve"/> free for the final checkpoint and evaluation. Never less than those done.
    /// </summary>
    public static int TotalIterations(TimeSpan budget, TimeSpan elapsed, TimeSpan perIteration, int iterationsDone, TimeSpan reserve)
    {
        if (perIteration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(perIteration), perIteration, "an iteration takes a positive time");
        double left = (budget - elapsed - reserve).TotalSeconds;
        if (left <= 0) return iterationsDone;
        return iterationsDone + (int)Math.Min(int.MaxValue - iterationsDone, Math.Floor(left / perIteration.TotalSeconds));
    }
}
