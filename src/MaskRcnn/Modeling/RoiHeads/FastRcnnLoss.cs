using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.RoiHeads;

/// <summary>torchvision's <c>fastrcnn_loss</c>.</summary>
public static class FastRcnnLoss
{
    /// <summary>
    /// Cross-entropy over all sampled RoIs, and smooth-L1 (β = 1/9) on the ground-truth class's deltas of the
    /// positive RoIs, summed and divided by the number of sampled RoIs (not positives: torchvision's choice).
    /// </summary>
    public static (Tensor Classifier, Tensor BoxReg) Compute(
        Tensor classLogits, Tensor boxRegression, IReadOnlyList<Tensor> labels, IReadOnlyList<Tensor> regressionTargets)
    {
        using var scope = NewDisposeScope();
        var allLabels = cat(labels.ToList(), 0);
        var targets = cat(regressionTargets.ToList(), 0);
        var classification = nn.functional.cross_entropy(classLogits, allLabels);
        var positive = nonzero(allLabels > 0).flatten();
        var positiveLabels = allLabels[positive];
        long n = classLogits.shape[0];
        var perClass = boxRegression.reshape(n, boxRegression.shape[^1] / 4, 4);
        var boxLoss = nn.functional.smooth_l1_loss(perClass[positive, positiveLabels], targets[positive], reduction: nn.Reduction.Sum, beta: 1.0 / 9)
                      / allLabels.numel();
        return (classification.MoveToOuterDisposeScope(), boxLoss.MoveToOuterDisposeScope());
    }
}
