namespace MaskRcnn.Training;

/// <summary>
/// Multipliers of the loss terms in the total loss that is back-propagated. torchvision's references sum
/// the five Mask R-CNN terms unweighted, hence the default of 1 for a term not listed.
/// </summary>
public sealed record LossWeights(IReadOnlyDictionary<string, double> Weights)
{
    public static LossWeights Uniform { get; } = new(new Dictionary<string, double>());

    public double WeightOf(string term) => Weights.TryGetValue(term, out var w) ? w : 1.0;
}
