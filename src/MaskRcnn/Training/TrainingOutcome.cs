
namespace MaskRcnn.Training;

/// <summary>What a finished <see cref="TrainingRun"/> left behind.</summary>
/// <param name="Result">How the training loop ended (cancelled, iterations, final checkpoint).</param>
/// <param name="WeightsPath">The final weights (<c>RunDirectory.FinalWeightsFile</c>, with the config in its metadata).</param>
/// <param name="ConfigPath">The model config written next to the weights (<c>RunDirectory.ConfigFile</c>).</param>
/// <param name="Validation">The last validation, or null when the run had no validation data.</param>
public sealed record TrainingOutcome(TrainingResult Result, string WeightsPath, string ConfigPath, ValidationOutcome? Validation);
