namespace MaskRcnn.Training;

/// <summary>A snapshot of a running training, reported after every iteration.</summary>
/// <param name="Iteration">Iterations completed.</param>
/// <param name="TotalIterations">The run's length; null while a time budget's speed probe has not fixed it yet.</param>
/// <param name="Elapsed">Wall time since this process started training.</param>
/// <param name="Eta">Estimated time to finish, from the mean speed of this process's iterations.</param>
/// <param name="LearningRate">The rate used for the iteration just completed.</param>
/// <param name="Losses">Each unweighted loss term of that iteration.</param>
/// <param name="TotalLoss">The weighted sum that was back-propagated.</param>
public sealed record TrainingProgress(
    int Iteration,
    int? TotalIterations,
    TimeSpan Elapsed,
    TimeSpan? Eta,
    double LearningRate,
    IReadOnlyDictionary<string, double> Losses,
    double TotalLoss);
