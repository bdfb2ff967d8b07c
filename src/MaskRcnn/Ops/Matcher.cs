using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// Assigns each prediction (column) of an [M gt, N predictions] quality matrix the ground truth with which it has
/// the highest quality — torchvision 0.14's <c>Matcher</c>: qualities below <see cref="LowThreshold"/> become
/// <see cref="BelowLowThreshold"/>, those in [low, high) <see cref="BetweenThresholds"/>; with low-quality matches
/// allowed, every prediction that is the best (ties included) for some ground truth keeps its original match.
/// </summary>
public sealed class Matcher
{
    public const long BelowLowThreshold = -1;
    public const long BetweenThresholds = -2;

    public double HighThreshold { get; }
    public double LowThreshold { get; }
    public bool AllowLowQualityMatches { get; }

    public Matcher(double highThreshold, double lowThreshold, bool allowLowQualityMatches)
    {
        if (lowThreshold > highThreshold)
            throw new ArgumentException($"lowThreshold ({lowThreshold}) must be <= highThreshold ({highThreshold})");
        HighThreshold = highThreshold;
        LowThreshold = lowThreshold;
        AllowLowQualityMatches = allowLowQualityMatches;
    }

    /// <summary>int64 [N]: the matched gt index in [0, M) or a negative code.</summary>
    /// <exception cref="ArgumentException">When the matrix is empty (no ground truth or no predictions), as torchvision raises during training.</exception>
    public Tensor Match(Tensor matchQualityMatrix)
    {
        if (matchQualityMatrix.dim() != 2)
            throw new ArgumentException($"the match quality matrix must be [M gt, N predictions]; got [{string.Join(",", matchQualityMatrix.shape)}]");
        if (matchQualityMatrix.numel() == 0)
            throw new ArgumentException(matchQualityMatrix.shape[0] == 0
                ? "No ground-truth boxes available for one of the images during training"
                : "No proposal boxes available for one of the images during training");
        using var scope = NewDisposeScope();
        var (matchedVals, matches) = matchQualityMatrix.max(0);
        var allMatches = AllowLowQualityMatches ? matches.clone() : null;
        var belowLow = matchedVals.lt(LowThreshold);
        var between = matchedVals.ge(LowThreshold).logical_and_(matchedVals.lt(HighThreshold));
        matches.masked_fill_(belowLow, BelowLowThreshold);
        matches.masked_fill_(between, BetweenThresholds);
        if (allMatches is not null)
        {
            // For each gt, the predictions of its highest quality (all of them when tied) get their best gt back.
            var highestForEachGt = matchQualityMatrix.max(1).values;
            var predsToUpdate = matchQualityMatrix.eq(highestForEachGt[.., TensorIndex.None]).nonzero()[.., 1];
            matches.index_put_(allMatches.index_select(0, predsToUpdate), predsToUpdate);
        }
        return matches.MoveToOuterDisposeScope();
    }
}
