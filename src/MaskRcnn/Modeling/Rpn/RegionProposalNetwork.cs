using MaskRcnn.Ops;
using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.Rpn;

/// <summary>
/// What the RPN hands to the RoI heads, plus its two losses in training. <paramref name="PreNmsProposals"/> and
/// <paramref name="PreNmsScores"/> (the candidates that entered NMS, per image) are kept only when asked for (inspection).
/// </summary>
public sealed record RpnOutput(
    IReadOnlyList<Tensor> Proposals, IReadOnlyList<Tensor> Scores, IReadOnlyDictionary<string, Tensor> Losses,
    IReadOnlyList<Tensor>? PreNmsProposals = null, IReadOnlyList<Tensor>? PreNmsScores = null);

/// <summary>
/// Region Proposal Network (Ren et al., 2015) with torchvision 0.14's filtering and losses: per-level top-n
/// anchors by objectness, decode, clip, drop tiny boxes, per-level NMS, keep the best post-NMS top-n;
/// in training, anchors are labelled by IoU (0.7/0.3 with low-quality matches kept), 256 are sampled per image,
/// and the losses are BCE-with-logits on the sampled anchors and smooth-L1 (β = 1/9) on the positive ones.
/// </summary>
public sealed class RegionProposalNetwork : nn.Module
{
    // Field names are torchvision's state-dict names (registered by RegisterComponents).
    readonly RpnHead head;
    readonly RpnConfig _config;
    readonly AnchorGenerator _anchorGenerator;
    readonly BoxCoder _boxCoder = new(1.0, 1.0, 1.0, 1.0);
    readonly Matcher _matcher;

    /// <summary>The fg/bg sampler for the loss; settable so parity tests can make it deterministic.</summary>
    internal BalancedPositiveNegativeSampler Sampler { get; set; }

    public RegionProposalNetwork(RpnConfig config, long inChannels) : base(nameof(RegionProposalNetwork))
    {
        _config = config;
        _anchorGenerator = new AnchorGenerator(
            config.AnchorSizes.Select(s => s.ToArray()).ToList(), config.AspectRatios.Select(r => r.ToArray()).ToList());
        head = new RpnHead(inChannels, _anchorGenerator.NumAnchorsPerLocation[0]);
        _matcher = new Matcher(config.FgIouThresh, config.BgIouThresh, true);
        Sampler = new BalancedPositiveNegativeSampler(config.BatchSizePerImage, config.PositiveFraction);
        RegisterComponents();
    }

    internal AnchorGenerator Anchors => _anchorGenerator;

    int PreNmsTopN => training ? _config.PreNmsTopNTrain : _config.PreNmsTopNTest;
    int PostNmsTopN => training ? _config.PostNmsTopNTrain : _config.PostNmsTopNTest;

    /// <summary>
    /// Proposals per image (boxes [≤post_nms_top_n,4] in the resized image's pixels, sorted by objectness) and,
    /// in training mode with <paramref name="targets"/>, <c>loss_objectness</c> and <c>loss_rpn_box_reg</c>.
    /// </summary>
    public RpnOutput Forward(ImageList images, IReadOnlyList<Tensor> features, IReadOnlyList<TargetSet>? targets = null, Generator? generator = null) =>
        Forward(images, features, targets, generator, keepPreNms: false, stages: null);

    /// <summary><see cref="Forward(ImageList, IReadOnlyList{Tensor}, IReadOnlyList{TargetSet}?, Generator?)"/> that can also keep the pre-NMS candidates.</summary>
    /// The anchors' matching, target encoding and the losses are the <c>losses</c> stage of <paramref name="stages"/>.
    internal RpnOutput Forward(ImageList images, IReadOnlyList<Tensor> features, IReadOnlyList<TargetSet>? targets, Generator? generator, bool keepPreNms,
        StageTimer? stages)
    {
        using var scope = NewDisposeScope();
        var (objectnessPerLevel, deltasPerLevel) = head.Forward(features);
        var device = features[0].device;
        var featureSizes = features.Select(f => (f.shape[2], f.shape[3])).ToList();
        var padded = (images.Tensors.shape[2], images.Tensors.shape[3]);
        var anchors = _anchorGenerator.GridAnchors(featureSizes, padded, device);
        long numImages = images.Tensors.shape[0];
        var numAnchorsPerLevel = objectnessPerLevel.Select(o => o.shape[1] * o.shape[2] * o.shape[3]).ToArray();

        var (objectness, deltas) = ConcatBoxPredictionLayers(objectnessPerLevel, deltasPerLevel);
        var (boxes, scores, preNms) = FilterProposals(deltas.detach().view(numImages, -1, 4), anchors, objectness, images.ImageSizes, numAnchorsPerLevel);

        var losses = new Dictionary<string, Tensor>();
        if (training && targets is not null)
        {
            stages?.Enter(StageTimer.Losses);
            var (labels, matchedGtBoxes) = AssignTargetsToAnchors(anchors, targets);
            var regressionTargets = matchedGtBoxes.Select(g => _boxCoder.Encode(g, anchors)).ToList();
            var (lossObjectness, lossBoxReg) = ComputeLoss(objectness, deltas, labels, regressionTargets, generator);
            losses["loss_objectness"] = lossObjectness.MoveToOuterDisposeScope();
            losses["loss_rpn_box_reg"] = lossBoxReg.MoveToOuterDisposeScope();
        }
        scope.MoveToOuter(boxes);
        scope.MoveToOuter(scores);
        if (!keepPreNms) return new RpnOutput(boxes, scores, losses);
        var preNmsBoxes = preNms.Select(c => c.Boxes.MoveToOuterDisposeScope()).ToList();
        var preNmsScores = preNms.Select(c => c.Scores.MoveToOuterDisposeScope()).ToList();
        return new RpnOutput(boxes, scores, losses, preNmsBoxes, preNmsScores);
    }

    /// <summary>
    /// torchvision's <c>concat_box_prediction_layers</c>: [B,A·C,H,W] per level to [B·ΣHWA, C] in (level, y, x, anchor) order.
    /// </summary>
    internal static (Tensor Objectness, Tensor Deltas) ConcatBoxPredictionLayers(IReadOnlyList<Tensor> logits, IReadOnlyList<Tensor> deltas)
    {
        var flatLogits = new List<Tensor>();
        var flatDeltas = new List<Tensor>();
        for (int i = 0; i < logits.Count; i++)
        {
            long n = logits[i].shape[0], h = logits[i].shape[2], w = logits[i].shape[3];
            long a = deltas[i].shape[1] / 4;
            long c = logits[i].shape[1] / a;
            flatLogits.Add(PermuteAndFlatten(logits[i], n, a, c, h, w));
            flatDeltas.Add(PermuteAndFlatten(deltas[i], n, a, 4, h, w));
        }
        var objectness = cat(flatLogits, 1).flatten(0, -2);
        var boxDeltas = cat(flatDeltas, 1).reshape(-1, 4);
        return (objectness, boxDeltas);
    }

    static Tensor PermuteAndFlatten(Tensor layer, long n, long a, long c, long h, long w) =>
        layer.view(n, -1, c, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, c);

    /// <remarks>
    /// torchvision decodes every anchor's deltas and then keeps each level's top-n; decoding is per box, so decoding
    /// only the kept ones gives the same proposals for a fraction of the work (≈4.7k of ≈217k boxes at 800×1088).
    /// Every image of a padded batch has the same anchors.
    /// </remarks>
    (List<Tensor> Boxes, List<Tensor> Scores, List<(Tensor Boxes, Tensor Scores)> PreNms) FilterProposals(
        Tensor deltas, Tensor anchors, Tensor objectness, IReadOnlyList<(long Height, long Width)> imageSizes, long[] numAnchorsPerLevel)
    {
        long numImages = deltas.shape[0];
        var device = deltas.device;
        objectness = objectness.detach().reshape(numImages, -1);
        var levels = cat(numAnchorsPerLevel.Select((n, i) => full(n, i, ScalarType.Int64, device)).ToList(), 0)
            .reshape(1, -1).expand_as(objectness);

        // Top-n anchors of each level, independently (torchvision's _get_top_n_idx).
        var topIdx = new List<Tensor>();
        long offset = 0;
        var perLevel = objectness.split(numAnchorsPerLevel, 1);
        foreach (var ob in perLevel)
        {
            long k = Math.Min(PreNmsTopN, ob.shape[1]);
            topIdx.Add(ob.topk((int)k, dim: 1).indexes + offset);
            offset += ob.shape[1];
        }
        var idx = cat(topIdx, 1);
        var topObjectness = objectness.gather(1, idx);
        var topLevels = levels.gather(1, idx);
        var topDeltas = deltas.gather(1, idx.unsqueeze(-1).expand(-1, -1, 4));
        var topAnchors = anchors.index_select(0, idx.flatten());
        var topProposals = _boxCoder.Decode(topDeltas.reshape(-1, 4), topAnchors).view(numImages, -1, 4);
        var probabilities = topObjectness.sigmoid();

        var finalBoxes = new List<Tensor>();
        var finalScores = new List<Tensor>();
        var preNms = new List<(Tensor, Tensor)>();
        for (int i = 0; i < numImages; i++)
        {
            var (h, w) = imageSizes[i];
            var boxes = Ops.Boxes.ClipToImage(topProposals[i], h, w);
            var scores = probabilities[i];
            var lvl = topLevels[i];
            var keep = Ops.Boxes.RemoveSmall(boxes, _config.MinSize);
            (boxes, scores, lvl) = (boxes[keep], scores[keep], lvl[keep]);
            keep = nonzero(scores >= _config.ScoreThresh).flatten();
            (boxes, scores, lvl) = (boxes[keep], scores[keep], lvl[keep]);
            preNms.Add((boxes, scores));
            keep = NonMaxSuppression.BatchedNms(boxes, scores, lvl, _config.NmsThresh);
            if (keep.shape[0] > PostNmsTopN) keep = keep[..PostNmsTopN];
            finalBoxes.Add(boxes[keep]);
            finalScores.Add(scores[keep]);
        }
        return (finalBoxes, finalScores, preNms);
    }

    /// <summary>Anchor labels 1 / 0 / -1 (ignored) and the ground-truth box each anchor regresses to.</summary>
    (List<Tensor> Labels, List<Tensor> MatchedGtBoxes) AssignTargetsToAnchors(Tensor anchors, IReadOnlyList<TargetSet> targets)
    {
        var labels = new List<Tensor>();
        var matched = new List<Tensor>();
        foreach (var target in targets)
        {
            var gt = target.Boxes;
            if (gt.numel() == 0)
            {
                matched.Add(zeros_like(anchors));
                labels.Add(zeros(anchors.shape[0], ScalarType.Float32, anchors.device));
                continue;
            }
            var quality = Ops.Boxes.Iou(gt, anchors);
            var matchedIdxs = _matcher.Match(quality);
            matched.Add(gt[matchedIdxs.clamp(min: 0)]);
            var l = (matchedIdxs >= 0).to_type(ScalarType.Float32);
            l[matchedIdxs == Matcher.BelowLowThreshold] = 0.0f;
            l[matchedIdxs == Matcher.BetweenThresholds] = -1.0f;
            labels.Add(l);
        }
        return (labels, matched);
    }

    (Tensor Objectness, Tensor BoxReg) ComputeLoss(
        Tensor objectness, Tensor deltas, List<Tensor> labels, List<Tensor> regressionTargets, Generator? generator)
    {
        var (pos, neg) = Sampler.Sample(labels, generator);
        var sampledPos = nonzero(cat(pos.ToList(), 0)).flatten();
        var sampledNeg = nonzero(cat(neg.ToList(), 0)).flatten();
        var sampled = cat([sampledPos, sampledNeg], 0);
        var flatObjectness = objectness.flatten();
        var allLabels = cat(labels, 0);
        var allTargets = cat(regressionTargets, 0);
        var boxLoss = nn.functional.smooth_l1_loss(deltas[sampledPos], allTargets[sampledPos], reduction: nn.Reduction.Sum, beta: 1.0 / 9)
                      / sampled.numel();
        var objectnessLoss = nn.functional.binary_cross_entropy_with_logits(flatObjectness[sampled], allLabels[sampled]);
        return (objectnessLoss, boxLoss);
    }
}
