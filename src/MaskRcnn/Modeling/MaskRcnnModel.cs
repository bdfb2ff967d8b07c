using System.Diagnostics;
using MaskRcnn.Modeling.Backbone;
using MaskRcnn.Modeling.Builders;
using MaskRcnn.Modeling.Rpn;
using MaskRcnn.Modeling.Transform;
using MaskRcnn.Ops;
using MaskRcnn.Runtime;
using MaskRcnn.Structures;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling;

/// <summary>
/// Mask R-CNN (He et al., 2017) as torchvision 0.14's <c>GeneralizedRCNN(backbone, rpn, roi_heads, transform)</c>:
/// a composition of ready parts (transform → backbone → RPN → RoI heads → postprocess), built per architecture by
/// <see cref="FpnModelBuilder"/> or <see cref="C4ModelBuilder"/>. Submodule, parameter and buffer names equal
/// torchvision's state_dict keys (<c>backbone.body.layer1.0.conv1.weight</c>, <c>rpn.head.conv.0.0.weight</c>,
/// <c>roi_heads.mask_predictor.mask_fcn_logits.weight</c>, ...). Weight files: <c>Weights.ModelWeights</c>.
/// </summary>
public sealed class MaskRcnnModel : nn.Module
{
    /// <summary>Stage names reported to <see cref="IInferenceObserver.StageCompleted"/>.</summary>
    public static class Stages
    {
        public const string Transform = "transform", Backbone = "backbone", Fpn = "fpn", Rpn = "rpn",
            BoxHead = "box_head", MaskHead = "mask_head", Postprocess = "postprocess";
    }

    // Field names are torchvision's state-dict names (registered by RegisterComponents).
    readonly DetectionBackbone backbone;
    readonly RegionProposalNetwork rpn;
    readonly RoiHeads.RoiHeads roi_heads;
    readonly GeneralizedRcnnTransform _transform;

    /// <summary>The config the parts were built from (saved with the weights; its class list names the labels).</summary>
    public MaskRcnnConfig Config { get; }

    internal RoiHeads.RoiHeads RoiHeadsModule => roi_heads;

    internal RegionProposalNetwork RpnModule => rpn;

    /// <summary>The parts the config's architecture builder makes (<see cref="MaskRcnnBuilder"/>).</summary>
    public MaskRcnnModel(MaskRcnnConfig config) : this(MaskRcnnBuilder.Build(config)) { }

    /// <summary>A model of ready parts (from a builder, or with a caller's own backbone).</summary>
    public MaskRcnnModel(MaskRcnnParts parts) : base(nameof(MaskRcnnModel))
    {
        parts.Config.Validate();
        if (parts.Backbone.RoiLevels > parts.Config.Rpn.AnchorSizes.Count)
            throw new ArgumentException($"the backbone pools RoIs from {parts.Backbone.RoiLevels} levels but the RPN config has anchors for {parts.Config.Rpn.AnchorSizes.Count}");
        Config = parts.Config;
        backbone = parts.Backbone;
        rpn = parts.Rpn;
        roi_heads = parts.RoiHeads;
        _transform = parts.Transform;
        RegisterComponents();
    }

    /// <summary>
    /// Makes both fg/bg samplers take the first examples in index order instead of random ones, as the
    /// loss-parity fixture patches torchvision's sampler to do.
    /// </summary>
    internal void UseDeterministicSampling()
    {
        rpn.Sampler = new BalancedPositiveNegativeSampler(Config.Rpn.BatchSizePerImage, Config.Rpn.PositiveFraction, deterministic: true);
        roi_heads.Sampler = new BalancedPositiveNegativeSampler(Config.RoiHeads.BatchSizePerImage, Config.RoiHeads.PositiveFraction, deterministic: true);
    }

    /// <summary>
    /// Detects objects in [3,H,W] float images with values in 0..1. Runs in eval mode without autograd;
    /// every intermediate tensor is freed, the caller owns (and disposes) the returned detections, which are in each
    /// original image's frame. <paramref name="observer"/> is told each stage's time and sees the intermediates.
    /// </summary>
    public IReadOnlyList<Detections> Predict(IReadOnlyList<Tensor> images, IInferenceObserver? observer = null)
    {
        if (images.Count == 0) throw new ArgumentException("at least one image is needed", nameof(images));
        eval();
        // Every caller gets the finalizer-race guard (and the collection it starts with), not only the Predictor's.
        using var gcPause = GcPause.Begin();
        using var noGrad = inference_mode();
        using var scope = NewDisposeScope();
        var clock = new StageClock(observer);
        var originalSizes = images.Select(im => (im.shape[^2], im.shape[^1])).ToList();
        var (batch, _) = _transform.Forward(images, null, training: false);
        observer?.Batch(batch);
        clock.Completed(Stages.Transform);

        var body = backbone.Body(batch.Tensors);
        observer?.Body(body);
        clock.Completed(Stages.Backbone);
        var features = backbone.Neck(body);
        observer?.Features(features);
        if (backbone.HasNeck) clock.Completed(Stages.Fpn);

        var proposals = rpn.Forward(batch, features, null, null, keepPreNms: observer?.WantsPreNmsProposals ?? false, stages: null);
        observer?.Proposals(proposals);
        clock.Completed(Stages.Rpn);

        var roiFeatures = features.Take(backbone.RoiLevels).ToList();
        var boxes = roi_heads.DetectBoxes(roiFeatures, proposals.Proposals, batch.ImageSizes, observer);
        clock.Completed(Stages.BoxHead);
        var roiDetections = roi_heads.DetectMasks(roiFeatures, boxes, batch.ImageSizes);
        observer?.RoiDetections(roiDetections);
        clock.Completed(Stages.MaskHead);

        var detections = GeneralizedRcnnTransform.Postprocess(roiDetections, originalSizes);
        foreach (var d in detections) scope.MoveToOuter(d.Boxes, d.Scores, d.Labels);
        clock.Completed(Stages.Postprocess);
        return detections;
    }

    /// <summary><see cref="Predict"/> that keeps every intermediate and the detections in an <see cref="InferenceTrace"/>
    /// (parity tests, inspection); disposing the trace frees them all.</summary>
    internal InferenceTrace PredictWithTrace(IReadOnlyList<Tensor> images)
    {
        var trace = new InferenceTrace();
        try
        {
            trace.Detections = Predict(images, trace);
            return trace;
        }
        catch
        {
            trace.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The training losses of torchvision's Mask R-CNN for one batch (train mode, autograd on):
    /// <c>loss_objectness</c>, <c>loss_rpn_box_reg</c>, <c>loss_classifier</c>, <c>loss_box_reg</c>, <c>loss_mask</c>.
    /// Targets are in the images' pixels; <paramref name="generator"/> drives the fg/bg sampling and
    /// <paramref name="random"/> the choice among several <c>Transform.MinSize</c> values (pass the run's seeded one);
    /// <paramref name="stages"/>, if given, is told each of <see cref="StageTimer.TrainingStages"/> as the pass enters it.
    /// </summary>
    public Dictionary<string, Tensor> ComputeLosses(
        IReadOnlyList<Tensor> images, IReadOnlyList<TargetSet> targets, Generator? generator = null, Random? random = null, StageTimer? stages = null) =>
        TrainingForward(images, targets, generator, random, proposalsOverride: null, stages);

    /// <summary>
    /// Training pass whose RoI heads see <paramref name="proposals"/> (in resized-image pixels) instead of the RPN's;
    /// parity tests use it to compare the heads on torchvision's own proposals. Returns all five losses.
    /// </summary>
    internal Dictionary<string, Tensor> ComputeLossesWithProposals(
        IReadOnlyList<Tensor> images, IReadOnlyList<TargetSet> targets, IReadOnlyList<Tensor> proposals) =>
        TrainingForward(images, targets, null, null, proposals, null);

    Dictionary<string, Tensor> TrainingForward(
        IReadOnlyList<Tensor> images, IReadOnlyList<TargetSet> targets, Generator? generator, Random? random, IReadOnlyList<Tensor>? proposalsOverride,
        StageTimer? stages)
    {
        stages?.Enter(StageTimer.Transform);
        RefuseIfPreparedForInference("train");
        if (images.Count != targets.Count) throw new ArgumentException($"{images.Count} images but {targets.Count} targets");
        for (int i = 0; i < targets.Count; i++) ValidateTarget(targets[i], images[i], i);
        train();
        using var scope = NewDisposeScope();
        var (batch, resizedTargets) = _transform.Forward(images, targets, training: true, random);
        stages?.Enter(StageTimer.Backbone);
        var features = backbone.Forward(batch.Tensors);
        stages?.Enter(StageTimer.Rpn);
        var proposals = rpn.Forward(batch, features, resizedTargets, generator, keepPreNms: false, stages);
        stages?.Enter(StageTimer.RoiHeads);
        var roiLosses = roi_heads.ComputeLosses(features.Take(backbone.RoiLevels).ToList(), proposalsOverride ?? proposals.Proposals,
            batch.ImageSizes, resizedTargets!, generator, stages);
        stages?.Stop();
        var losses = new Dictionary<string, Tensor>();
        foreach (var (k, v) in roiLosses.Concat(proposals.Losses)) losses[k] = v.MoveToOuterDisposeScope();
        return losses;
    }

    static void ValidateTarget(TargetSet t, Tensor image, int i)
    {
        long n = t.Boxes.shape[0];
        if (t.Boxes.dim() != 2 || t.Boxes.shape[1] != 4) throw new ArgumentException($"target {i}: boxes must be [N,4], got [{string.Join(",", t.Boxes.shape)}]");
        if (t.Labels.shape[0] != n || t.Masks.shape[0] != n)
            throw new ArgumentException($"target {i}: {n} boxes, {t.Labels.shape[0]} labels and {t.Masks.shape[0]} masks must agree");
        if (t.Masks.dim() != 3 || t.Masks.shape[1] != image.shape[1] || t.Masks.shape[2] != image.shape[2])
            throw new ArgumentException($"target {i}: masks must be [N,{image.shape[1]},{image.shape[2]}] like the image, got [{string.Join(",", t.Masks.shape)}]");
        if (n > 0)
        {
            using var degenerate = (t.Boxes[.., 2..] <= t.Boxes[.., ..2]).any();
            if (degenerate.item<bool>()) throw new ArgumentException($"target {i}: every box needs x2 > x1 and y2 > y1");
        }
    }

    /// <summary>
    /// Set by <see cref="PrepareForInference"/>: the weights were rewritten (norms folded, bfloat16 layers), so the
    /// model predicts but neither trains nor saves — its state dict is no longer torchvision's.
    /// </summary>
    public bool IsPreparedForInference => FoldedBatchNorms > 0 || Bf16Layers > 0;

    /// <summary>
    /// One-way inference rewrites: frozen batch norms folded into their convolutions (<see cref="BatchNormFolding"/>)
    /// and, for <see cref="ComputePrecision.Bf16"/>, bfloat16 convolutions and linear layers (<see cref="Bf16LayerConversion"/>).
    /// </summary>
    public void PrepareForInference(bool foldBatchNorm, ComputePrecision precision)
    {
        if (foldBatchNorm) FoldedBatchNorms += BatchNormFolding.FoldFrozenBatchNorm(this);
        if (precision == ComputePrecision.Bf16) Bf16Layers += Bf16LayerConversion.Apply(this);
    }

    /// <summary>Frozen batch norms <see cref="PrepareForInference"/> folded into their convolutions.</summary>
    public int FoldedBatchNorms { get; private set; }

    /// <summary>Convolutions and linear layers <see cref="PrepareForInference"/> switched to bfloat16.</summary>
    public int Bf16Layers { get; private set; }

    /// <exception cref="InvalidOperationException">The model was prepared for inference.</exception>
    public void RefuseIfPreparedForInference(string action)
    {
        if (IsPreparedForInference)
            throw new InvalidOperationException($"this model was prepared for inference (folded norms or bfloat16 layers) and cannot {action}; load the weights into a new model");
    }

    /// <summary>Measures stages back to back and reports them to the observer.</summary>
    sealed class StageClock(IInferenceObserver? observer)
    {
        readonly Stopwatch _watch = Stopwatch.StartNew();

        public void Completed(string stage)
        {
            observer?.StageCompleted(stage, _watch.Elapsed);
            _watch.Restart();
        }
    }
}
