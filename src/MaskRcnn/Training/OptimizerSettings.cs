namespace MaskRcnn.Training;

/// <summary>
/// SGD settings of the paper and torchvision's references: momentum 0.9, weight decay 1e-4.
/// </summary>
/// <param name="Momentum">Classical (non-Nesterov) momentum.</param>
/// <param name="WeightDecay">L2 penalty added to the gradient of weights.</param>
/// <param name="NormAndBiasWeightDecay">
/// Decay for biases and normalisation weights (every parameter of at most one dimension); null means
/// <paramref name="WeightDecay"/>, as torchvision does unless <c>--norm-weight-decay</c> is given.
/// </param>
/// <param name="ClipGradNorm">Maximum global L2 norm of the gradients, or null for no clipping.</param>
public sealed record OptimizerSettings(
    double Momentum = 0.9,
    double WeightDecay = 1e-4,
    double? NormAndBiasWeightDecay = null,
    double? ClipGradNorm = null);
