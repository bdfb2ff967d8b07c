using MaskRcnn.Ops;
using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.RoiHeads;

/// <summary>
/// torchvision 0.14's RoIHeads for Mask R-CNN: box branch (RoIAlign → box head → class logits and
/// class-specific deltas, then <c>postprocess_detections</c>) and mask branch (RoIAlign on the detected
/// boxes → mask head → per-class 28×28 logits, the predicted class's sigmoid kept). In training it samples
/// 512 proposals per image (25% positive, IoU 0.5) and returns <c>loss_classifier</c>, <c>loss_box_reg</c>, <c>loss_mask</c>.
/// </summary>
public sealed class RoiHeads : nn.Module
{
    // Field names are torchvision's state-dict names (registered by RegisterComponents).
    readonly nn.Module<Tensor, Tensor> box_head;
    readonly FastRcnnPredictor box_predictor;
    readonly nn.Module<Tensor, Tensor>? mask_head;
    readonly MaskRcnnPredictor mask_predictor;
    readonly RoiHeadsConfig _config;
    readonly MultiScaleRoiAlign _boxRoiPool;
    readonly MultiScaleRoiAlign _maskRoiPool;
    readonly MaskFeatureSource _maskFeatures;
    readonly BoxCoder _boxCoder;
    readonly Matcher _matcher;
    readonly int _maskOutputSize;

    internal BalancedPositiveNegativeSampler Sampler { get; set; }

    /// <param name="config">Thresholds and counts.</param>
    /// <param name="boxHead">Pooled RoI → feature vector (TwoMlpHead, or res5 + average pooling for C4).</param>
    /// <param name="boxPredictor">Feature vector → class logits and box deltas.</param>
    /// <param name="maskFeatures">The mask branch's own head (FPN) or the box head's res5 (C4).</param>
    /// <param name="maskPredictor">Mask features → per-class mask logits.</param>
    /// <param name="sizes">RoI sizes of both branches and the predicted masks' side.</param>
    public RoiHeads(
        RoiHeadsConfig config, nn.Module<Tensor, Tensor> boxHead, FastRcnnPredictor boxPredictor,
        MaskFeatureSource maskFeatures, MaskRcnnPredictor maskPredictor, RoiPoolSizes sizes) : base(nameof(RoiHeads))
    {
        if (maskFeatures is MaskFeatureSource.SharedRes5 shared && !ReferenceEquals(shared.BoxHead, boxHead))
            throw new ArgumentException("a shared res5 mask branch must use the box head's own res5");
        _maskOutputSize = sizes.MaskOutputSize;
        _config = config;
        box_head = boxHead;
        box_predictor = boxPredictor;
        mask_head = (maskFeatures as MaskFeatureSource.OwnHead)?.Head;
        mask_predictor = maskPredictor;
        _maskFeatures = maskFeatures;
        _boxRoiPool = new MultiScaleRoiAlign((sizes.BoxRoiSize, sizes.BoxRoiSize), config.BoxSamplingRatio);
        _maskRoiPool = new MultiScaleRoiAlign((sizes.MaskRoiSize, sizes.MaskRoiSize), config.MaskSamplingRatio);
        var w = config.BboxRegWeights;
        _boxCoder = new BoxCoder(w[0], w[1], w[2], w[3]);
        _matcher = new Matcher(config.FgIouThresh, config.BgIouThresh, false);
        Sampler = new BalancedPositiveNegativeSampler(config.BatchSizePerImage, config.PositiveFraction);
        RegisterComponents();
    }

    /// <summary>Box branch up to the predictor, for the given proposals: class logits [ΣN,K+1], deltas [ΣN,4(K+1)].</summary>
    internal (Tensor ClassLogits, Tensor BoxRegression) BoxPredictions(
        IReadOnlyList<Tensor> features, IReadOnlyList<Tensor> proposals, IReadOnlyList<(long Height, long Width)> imageSizes)
    {
        using var pooled = _boxRoiPool.Forward(features, proposals, imageSizes);
        using var boxFeatures = box_head.call(pooled);
        return box_predictor.Forward(boxFeatures);
    }

    /// <summary>
    /// Inference, box branch: class scores and boxes for the proposals, then torchvision's
    /// <c>postprocess_detections</c>, per image in the resized frame. <paramref name="observer"/> sees the box
    /// predictor's raw outputs.
    /// </summary>
    public List<(Tensor Boxes, Tensor Scores, Tensor Labels)> DetectBoxes(
        IReadOnlyList<Tensor> features, IReadOnlyList<Tensor> proposals, IReadOnlyList<(long Height, long Width)> imageSizes,
        IInferenceObserver? observer = null)
    {
        using var scope = NewDisposeScope();
        var (classLogits, boxRegression) = BoxPredictions(features, proposals, imageSizes);
        observer?.BoxPredictions(classLogits, boxRegression);
        var detections = PostprocessDetections(classLogits, boxRegression, proposals, imageSizes);
        foreach (var d in detections) scope.MoveToOuter(d.Boxes, d.Scores, d.Labels);
        return detections;
    }

    /// <summary>
    /// Inference, mask branch: each detected box's M×M mask probabilities for its predicted class
    /// (torchvision's <c>maskrcnn_inference</c>). Takes ownership of the box detections' tensors.
    /// </summary>
    public List<RoiDetections> DetectMasks(
        IReadOnlyList<Tensor> features, IReadOnlyList<(Tensor Boxes, Tensor Scores, Tensor Labels)> boxes,
        IReadOnlyList<(long Height, long Width)> imageSizes)
    {
        using var scope = NewDisposeScope();
        var masks = PredictMasks(features, boxes.Select(d => d.Boxes).ToList(), boxes.Select(d => d.Labels).ToList(), imageSizes);
        var result = boxes.Select((d, i) => new RoiDetections(d.Boxes, d.Scores, d.Labels, masks[i], imageSizes[i])).ToList();
        foreach (var d in result) scope.MoveToOuter(d.Boxes, d.Scores, d.Labels, d.MaskProbabilities);
        return result;
    }

    /// <summary>torchvision's <c>postprocess_detections</c>: per class above the score threshold, drop boxes under 0.01 px, per-class NMS, top detections.</summary>
    List<(Tensor Boxes, Tensor Scores, Tensor Labels)> PostprocessDetections(
        Tensor classLogits, Tensor boxRegression, IReadOnlyList<Tensor> proposals, IReadOnlyList<(long Height, long Width)> imageSizes)
    {
        long numClasses = classLogits.shape[^1];
        var boxesPerImage = proposals.Select(p => p.shape[0]).ToArray();
        var predBoxes = _boxCoder.Decode(boxRegression, cat(proposals.ToList(), 0)).reshape(boxRegression.shape[0], -1, 4);
        var predScores = nn.functional.softmax(classLogits, -1);
        var boxesList = predBoxes.split(boxesPerImage, 0);
        var scoresList = predScores.split(boxesPerImage, 0);
        var results = new List<(Tensor, Tensor, Tensor)>();
        for (int i = 0; i < proposals.Count; i++)
        {
            var (h, w) = imageSizes[i];
            var boxes = Ops.Boxes.ClipToImage(boxesList[i].reshape(-1, 4), h, w).reshape(-1, numClasses, 4);
            var scores = scoresList[i];
            var labels = arange(numClasses, ScalarType.Int64, scores.device).view(1, -1).expand_as(scores);
            // Drop the background column, then treat every (proposal, class) pair as a candidate.
            boxes = boxes[.., 1..].reshape(-1, 4);
            scores = scores[.., 1..].reshape(-1);
            labels = labels[.., 1..].reshape(-1);
            var keep = nonzero(scores > _config.ScoreThresh).flatten();
            (boxes, scores, labels) = (boxes[keep], scores[keep], labels[keep]);
            keep = Ops.Boxes.RemoveSmall(boxes, 1e-2);
            (boxes, scores, labels) = (boxes[keep], scores[keep], labels[keep]);
            keep = NonMaxSuppression.BatchedNms(boxes, scores, labels, _config.NmsThresh);
            if (keep.shape[0] > _config.DetectionsPerImage) keep = keep[.._config.DetectionsPerImage];
            results.Add((boxes[keep], scores[keep], labels[keep]));
        }
        return results;
    }

    /// <summary>torchvision's <c>maskrcnn_inference</c>: the predicted class's mask logits through a sigmoid, [N,1,M,M] per image.</summary>
    List<Tensor> PredictMasks(
        IReadOnlyList<Tensor> features, IReadOnlyList<Tensor> boxes, IReadOnlyList<Tensor> labels, IReadOnlyList<(long Height, long Width)> imageSizes)
    {
        var counts = boxes.Select(b => b.shape[0]).ToArray();
        if (counts.Sum() == 0)
        {
            return counts.Select(_ => zeros([0, 1, _maskOutputSize, _maskOutputSize], ScalarType.Float32, features[0].device)).ToList();
        }
        var logits = MaskLogits(features, boxes, imageSizes);
        var allLabels = cat(labels.ToList(), 0);
        // The predicted class's logits first, then the sigmoid: torchvision's order (sigmoid of all K classes,
        // then select) gives the same values for K times the work.
        var probs = logits[arange(allLabels.shape[0], ScalarType.Int64, allLabels.device), allLabels].sigmoid().unsqueeze(1);
        return probs.split(counts, 0).ToList();
    }

    Tensor MaskLogits(IReadOnlyList<Tensor> features, IReadOnlyList<Tensor> boxes, IReadOnlyList<(long Height, long Width)> imageSizes)
    {
        using var pooled = _maskRoiPool.Forward(features, boxes, imageSizes);
        using var maskFeatures = _maskFeatures.Features(pooled);
        return mask_predictor.call(maskFeatures);
    }

    /// <summary>
    /// Training: samples 512 proposals per image (25 % positive), and returns <c>loss_classifier</c>,
    /// <c>loss_box_reg</c> and <c>loss_mask</c> (the mask loss on the true class only, positive RoIs only).
    /// </summary>
    public Dictionary<string, Tensor> ComputeLosses(
        IReadOnlyList<Tensor> features, IReadOnlyList<Tensor> proposals, IReadOnlyList<(long Height, long Width)> imageSizes,
        IReadOnlyList<TargetSet> targets, Generator? generator = null, StageTimer? stages = null)
    {
        using var scope = NewDisposeScope();
        // Sampling (proposal matching and box encoding) is part of the RoI heads' stage, as torchvision's roi_heads does it.
        var samples = SelectTrainingSamples(proposals, targets, generator);
        var (classLogits, boxRegression) = BoxPredictions(features, samples.Proposals, imageSizes);
        stages?.Enter(StageTimer.Losses);
        var (lossClassifier, lossBoxReg) = FastRcnnLoss.Compute(classLogits, boxRegression, samples.Labels, samples.RegressionTargets);
        stages?.Enter(StageTimer.RoiHeads);

        // The mask branch trains on the positive proposals only, against their matched ground truth.
        var positiveProposals = new List<Tensor>();
        var positiveMatched = new List<Tensor>();
        for (int i = 0; i < samples.Proposals.Count; i++)
        {
            var pos = nonzero(samples.Labels[i] > 0).flatten();
            positiveProposals.Add(samples.Proposals[i][pos]);
            positiveMatched.Add(samples.MatchedIdxs[i][pos]);
        }
        Tensor lossMask;
        if (positiveProposals.Sum(p => p.shape[0]) == 0)
        {
            // No positive RoI: a zero loss that still depends on the mask weights (torchvision does mask_logits.sum() * 0).
            lossMask = mask_predictor.parameters().Select(p => p.sum() * 0).Aggregate((a, b) => a + b);
        }
        else
        {
            var maskLogits = MaskLogits(features, positiveProposals, imageSizes);
            stages?.Enter(StageTimer.Losses);
            lossMask = MaskRcnnLoss.Compute(maskLogits, positiveProposals, targets.Select(t => t.Masks).ToList(),
                targets.Select(t => t.Labels).ToList(), positiveMatched);
        }
        var losses = new Dictionary<string, Tensor>
        {
            ["loss_classifier"] = lossClassifier.MoveToOuterDisposeScope(),
            ["loss_box_reg"] = lossBoxReg.MoveToOuterDisposeScope(),
            ["loss_mask"] = lossMask.MoveToOuterDisposeScope(),
        };
        return losses;
    }

    sealed record TrainingSamples(List<Tensor> Proposals, List<Tensor> MatchedIdxs, List<Tensor> Labels, List<Tensor> RegressionTargets);

    /// <summary>torchvision's <c>select_training_samples</c>: append the gt boxes, match at IoU 0.5, sample, encode targets.</summary>
    TrainingSamples SelectTrainingSamples(IReadOnlyList<Tensor> proposals, IReadOnlyList<TargetSet> targets, Generator? generator)
    {
        var withGt = proposals.Select((p, i) => cat([p, targets[i].Boxes.to_type(p.dtype)], 0)).ToList();
        var matchedIdxs = new List<Tensor>();
        var labels = new List<Tensor>();
        for (int i = 0; i < withGt.Count; i++)
        {
            var gt = targets[i].Boxes;
            long n = withGt[i].shape[0];
            if (gt.numel() == 0)
            {
                matchedIdxs.Add(zeros(n, ScalarType.Int64, gt.device));
                labels.Add(zeros(n, ScalarType.Int64, gt.device));
                continue;
            }
            var matched = _matcher.Match(Ops.Boxes.Iou(gt, withGt[i]));
            var clamped = matched.clamp(min: 0);
            var l = targets[i].Labels[clamped].to_type(ScalarType.Int64);
            l[matched == Matcher.BelowLowThreshold] = 0L;
            l[matched == Matcher.BetweenThresholds] = -1L;
            matchedIdxs.Add(clamped);
            labels.Add(l);
        }
        var (pos, neg) = Sampler.Sample(labels, generator);
        var sampledProposals = new List<Tensor>();
        var regressionTargets = new List<Tensor>();
        for (int i = 0; i < withGt.Count; i++)
        {
            var inds = nonzero(pos[i].logical_or(neg[i])).flatten();
            sampledProposals.Add(withGt[i][inds]);
            labels[i] = labels[i][inds];
            matchedIdxs[i] = matchedIdxs[i][inds];
            var gt = targets[i].Boxes.numel() == 0 ? zeros([1, 4], withGt[i].dtype, withGt[i].device) : targets[i].Boxes.to_type(withGt[i].dtype);
            regressionTargets.Add(_boxCoder.Encode(gt[matchedIdxs[i]], sampledProposals[i]));
        }
        return new TrainingSamples(sampledProposals, matchedIdxs, labels, regressionTargets);
    }
}
