using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// Picks per image at most <see cref="BatchSizePerImage"/> training examples with at most
/// <see cref="PositiveFraction"/> positives, topping up with negatives — torchvision 0.14's
/// <c>BalancedPositiveNegativeSampler</c>. It is called on per-image labels: values &gt;= 1 are positive, 0 negative,
/// -1 (and other negatives) ignored.
/// </summary>
/// <remarks>
/// With <see cref="Deterministic"/> the first positives and first negatives in index order are taken instead of
/// random permutations (<c>torch.randperm</c>). Training-parity runs patch torchvision's sampler in Python the same
/// way (replacing <c>randperm(n)[:k]</c> by <c>arange(n)[:k]</c>) so both sides select identical examples.
/// </remarks>
public sealed class BalancedPositiveNegativeSampler
{
    public int BatchSizePerImage { get; }
    public double PositiveFraction { get; }

    /// <summary>Take the first k candidates in index order rather than a random k.</summary>
    public bool Deterministic { get; }

    public BalancedPositiveNegativeSampler(int batchSizePerImage, double positiveFraction, bool deterministic = false)
    {
        if (batchSizePerImage <= 0) throw new ArgumentOutOfRangeException(nameof(batchSizePerImage), batchSizePerImage, "must be positive");
        if (positiveFraction is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(positiveFraction), positiveFraction, "must be in [0, 1]");
        BatchSizePerImage = batchSizePerImage;
        PositiveFraction = positiveFraction;
        Deterministic = deterministic;
    }

    /// <summary>
    /// Per image, uint8 masks (shaped and placed like the labels) of the selected positives and negatives.
    /// The random choice draws from <paramref name="generator"/> (or torch's default generator).
    /// </summary>
    public (IReadOnlyList<Tensor> Positive, IReadOnlyList<Tensor> Negative) Sample(IReadOnlyList<Tensor> matchedIdxs, Generator? generator = null)
    {
        var positives = new List<Tensor>(matchedIdxs.Count);
        var negatives = new List<Tensor>(matchedIdxs.Count);
        foreach (var labels in matchedIdxs)
        {
            using var scope = NewDisposeScope();
            var positive = labels.ge(1).nonzero().view(-1);
            var negative = labels.eq(0).nonzero().view(-1);
            // Python's int() truncation of batch * fraction.
            long numPos = Math.Min(positive.numel(), (long)(BatchSizePerImage * PositiveFraction));
            long numNeg = Math.Min(negative.numel(), BatchSizePerImage - numPos);
            var posMask = zeros_like(labels, ScalarType.Byte);
            var negMask = zeros_like(labels, ScalarType.Byte);
            posMask.index_put_(tensor((byte)1), Choose(positive, numPos, generator));
            negMask.index_put_(tensor((byte)1), Choose(negative, numNeg, generator));
            positives.Add(posMask.MoveToOuterDisposeScope());
            negatives.Add(negMask.MoveToOuterDisposeScope());
        }
        return (positives, negatives);
    }

    Tensor Choose(Tensor candidates, long count, Generator? generator)
    {
        if (Deterministic) return candidates[..(int)count];
        var perm = randperm(candidates.numel(), ScalarType.Int64, candidates.device, generator: generator);
        return candidates.index_select(0, perm[..(int)count]);
    }
}
