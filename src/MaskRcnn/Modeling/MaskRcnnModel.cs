using System.Diagnostics;
using MaskRcnn.Modeling.Backbone;
using MaskRcnn.Modeling.RoiHeads;
using MaskRcnn.Modeling.Rpn;
using MaskRcnn.Modeling.Transform;
using MaskRcnn.Ops;
using MaskRcnn.Runtime;
using MaskRcnn.Structures;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling;

/// <summary>
/// Intermediate results of one inference pass, for parity tests against torchvision and for inspection. The RPN
/// output includes the pre-NMS candidates; <paramref name="MaskProbabilities"/> are the RoI heads' [N,1,M,M] masks
/// (the predicted class's sigmoid) before pasting, in the order of <paramref name="Detections"/>.
/// </summary>
internal sealed record ModelTrace(
    ImageList Images, IReadOnlyList<Tensor> Body, IReadOnlyList<Tensor> Features, RpnOutput Rpn,
    Tensor ClassLogits, Tensor BoxRegression, IReadOnlyList<Detections> Detections, IReadOnlyList<Tensor> MaskProbabilities) : IDisposable
{
    public void Dispose()
    {
        Images.Dispose();
        foreach (var t in Body.Concat(Features).Concat(RpnTensors(Rpn)).Concat(MaskProbabilities)) t.Dispose();
        ClassLogits.Dispose();
        BoxRegression.Dispose();
        foreach (var d in Detections) d.Dispose();
    }

    internal static IEnumerable<Tensor> RpnTensors(RpnOutput rpn) =>
        rpn.Proposals.Concat(rpn.Scores).Concat(rpn.PreNmsProposals ?? []).Concat(rpn.PreNmsScores ?? []);
}

/// <summary>
/// Mask R-CNN (He et al., 2017) as torchvision 0.14's GeneralizedRCNN/MaskRCNN: transform → backbone → RPN →
/// RoI heads → postprocess. Submodule, parameter and buffer names equal torchvision's state_dict keys
/// (<c>backbone.body.layer1.0.conv1.weight</c>, <c>rpn.head.conv.0.0.weight</c>, <c>roi_heads.mask_predictor.mask_fcn_logits.weight</c>, ...).
/// </summary>
public sealed class MaskRcnnModel : nn.Module
{
    /// <summary>Stage names reported to <see cref="StageTimed"/>.</summary>
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

    public MaskRcnnConfig Config { get; }

    internal RoiHeads.RoiHeads RoiHeadsModule => roi_heads;

    internal RegionProposalNetwork RpnModule => rpn;

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
    /// Called after each inference stage with its wall time, in order: transform, backbone, fpn (FPN models),
    /// rpn, box_head (including box postprocessing and NMS), mask_head, postprocess (box rescaling, mask pasting).
    /// </summary>
    public Action<string, TimeSpan>? StageTimed { get; set; }

    public MaskRcnnModel(MaskRcnnConfig config) : base(nameof(MaskRcnnModel))
    {
        config.Validate();
        Config = config;
        _transform = new GeneralizedRcnnTransform(config.Transform);
        var heads = config.RoiHeads;
        if (config.Backbone.Architecture == Architecture.Fpn)
        {
            backbone = new BackboneWithFpn(config.Backbone);
            long c = backbone.OutChannels;
            var boxHead = new TwoMlpHead(c * heads.BoxRoiSize * heads.BoxRoiSize, heads.RepresentationSize);
            var maskHead = new MaskRcnnHeads(c, heads.MaskLayers, heads.MaskDilation);
            roi_heads = new RoiHeads.RoiHeads(heads, boxHead, new FastRcnnPredictor(heads.RepresentationSize, config.NumClasses),
                maskHead, new MaskRcnnPredictor(heads.MaskLayers[^1], heads.MaskDimReduced, config.NumClasses), null,
                heads.BoxRoiSize, heads.MaskRoiSize, 2 * heads.MaskRoiSize);
        }
        else
        {
            backbone = new ResNetC4Backbone(config.Backbone);
            var res5 = new Res5Head(config.Backbone);
            // Detectron pools 14×14 and lets a stride-2 res5 halve it; the simplification pools 7×7 at stride 1.
            int roi = config.Backbone.C4Res5Stride == 2 ? 2 * heads.BoxRoiSize : heads.BoxRoiSize;
            int res5Out = roi / config.Backbone.C4Res5Stride;
            roi_heads = new RoiHeads.RoiHeads(heads, res5, new FastRcnnPredictor(res5.OutChannels, config.NumClasses),
                null, new MaskRcnnPredictor(res5.OutChannels, heads.MaskDimReduced, config.NumClasses), res5.Res5,
                roi, roi, 2 * res5Out);
        }
        rpn = new RegionProposalNetwork(config.Rpn, backbone.OutChannels);
        RegisterComponents();
    }

    /// <summary>
    /// Detects objects in [3,H,W] float images with values in 0..1. Runs in eval mode without autograd;
    /// every intermediate tensor is freed, the caller owns (and disposes) the returned detections.
    /// </summary>
    public IReadOnlyList<Detections> Predict(IReadOnlyList<Tensor> images)
    {
        using var trace = Run(images, keepTrace: false);
        return trace.TakeDetections();
    }

    /// <summary><see cref="Predict"/> that also keeps the backbone, FPN, RPN and box-head outputs (parity tests).</summary>
    internal ModelTrace PredictWithTrace(IReadOnlyList<Tensor> images)
    {
        using var run = Run(images, keepTrace: true);
        return run.ToTrace();
    }

    /// <summary>
    /// The training losses of torchvision's Mask R-CNN for one batch (train mode, autograd on):
    /// <c>loss_objectness</c>, <c>loss_rpn_box_reg</c>, <c>loss_classifier</c>, <c>loss_box_reg</c>, <c>loss_mask</c>.
    /// Targets are in the images' pixels; <paramref name="generator"/> drives the fg/bg sampling.
    /// </summary>
    public Dictionary<string, Tensor> ComputeLosses(
        IReadOnlyList<Tensor> images, IReadOnlyList<TargetSet> targets, Generator? generator = null, Random? random = null) =>
        TrainingForward(images, targets, generator, random, proposalsOverride: null);

    /// <summary>
    /// Training pass whose RoI heads see <paramref name="proposals"/> (in resized-image pixels) instead of the RPN's;
    /// parity tests use it to compare the heads on torchvision's own proposals. Returns all five losses.
    /// </summary>
    internal Dictionary<string, Tensor> ComputeLossesWithProposals(
        IReadOnlyList<Tensor> images, IReadOnlyList<TargetSet> targets, IReadOnlyList<Tensor> proposals) =>
        TrainingForward(images, targets, null, null, proposals);

    Dictionary<string, Tensor> TrainingForward(
        IReadOnlyList<Tensor> images, IReadOnlyList<TargetSet> targets, Generator? generator, Random? random, IReadOnlyList<Tensor>? proposalsOverride)
    {
        RefuseIfPreparedForInference("train");
        if (images.Count != targets.Count) throw new ArgumentException($"{images.Count} images but {targets.Count} targets");
        for (int i = 0; i < targets.Count; i++) ValidateTarget(targets[i], images[i], i);
        train();
        using var scope = NewDisposeScope();
        var (batch, resizedTargets) = _transform.Forward(images, targets, training: true, random);
        var features = backbone.Forward(batch.Tensors);
        var proposals = rpn.Forward(batch, features, resizedTargets, generator);
        var roi = roi_heads.Forward(features.Take(backbone.RoiLevels).ToList(), proposalsOverride ?? proposals.Proposals,
            batch.ImageSizes, resizedTargets, generator);
        var losses = new Dictionary<string, Tensor>();
        foreach (var (k, v) in roi.Losses.Concat(proposals.Losses)) losses[k] = v.MoveToOuterDisposeScope();
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

    /// <summary>Names of the parameters that depend on the number of classes (dropped when fine-tuning to a new class count).</summary>
    public static IReadOnlyList<string> ClassSpecificKeys { get; } =
    [
        "roi_heads.box_predictor.cls_score.weight", "roi_heads.box_predictor.cls_score.bias",
        "roi_heads.box_predictor.bbox_pred.weight", "roi_heads.box_predictor.bbox_pred.bias",
        "roi_heads.mask_predictor.mask_fcn_logits.weight", "roi_heads.mask_predictor.mask_fcn_logits.bias",
    ];

    /// <summary>Metadata key under which <see cref="SaveWeights"/> stores the config JSON.</summary>
    public const string ConfigMetadataKey = "maskrcnn.config";

    /// <summary>
    /// Loads a torchvision-named state dict (<c>.safetensors</c> or <c>.pth</c>, legacy names mapped) strictly.
    /// With <paramref name="allowClassCountChange"/>, predictor layers whose class count differs keep their fresh
    /// initialisation (fine-tuning a COCO checkpoint to a new dataset); returns the keys so skipped.
    /// </summary>
    public IReadOnlyList<string> LoadWeights(string path, bool allowClassCountChange = false)
    {
        var state = StateDictFile.Read(path);
        try
        {
            return StateDictLoader.Load(this, state, path,
                new WeightLoadOptions { SkipIfShapeDiffers = allowClassCountChange ? ClassSpecificKeys.ToArray() : [] });
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>Saves the weights as safetensors with torchvision's names (loadable with strict=True), the config in the metadata.</summary>
    public void SaveWeights(string path)
    {
        RefuseIfPreparedForInference("save its weights");
        SafeTensors.Save(path, state_dict(), new Dictionary<string, string> { [ConfigMetadataKey] = Config.ToJson() });
    }

    /// <summary>
    /// Set by <see cref="PrepareForInference"/>: the weights were rewritten (norms folded, bfloat16 layers), so the
    /// model predicts but neither trains nor saves — its state dict is no longer torchvision's.
    /// </summary>
    public bool IsPreparedForInference => FoldedBatchNorms > 0 || Bf16Layers > 0;

    /// <summary>
    /// One-way inference rewrites: frozen batch norms folded into their convolutions (<see cref="BatchNormFolding"/>)
    /// and, for <see cref="InferencePrecision.Bf16"/>, bfloat16 convolutions and linear layers (<see cref="Bf16Autocast"/>).
    /// </summary>
    public void PrepareForInference(bool foldBatchNorm, InferencePrecision precision)
    {
        if (foldBatchNorm) FoldedBatchNorms += BatchNormFolding.FoldFrozenBatchNorm(this);
        if (precision == InferencePrecision.Bf16) Bf16Layers += Bf16Autocast.Apply(this);
    }

    /// <summary>Frozen batch norms <see cref="PrepareForInference"/> folded into their convolutions.</summary>
    public int FoldedBatchNorms { get; private set; }

    /// <summary>Convolutions and linear layers <see cref="PrepareForInference"/> switched to bfloat16.</summary>
    public int Bf16Layers { get; private set; }

    void RefuseIfPreparedForInference(string action)
    {
        if (IsPreparedForInference)
            throw new InvalidOperationException($"this model was prepared for inference (folded norms or bfloat16 layers) and cannot {action}; load the weights into a new model");
    }

    InferenceRun Run(IReadOnlyList<Tensor> images, bool keepTrace)
    {
        if (images.Count == 0) throw new ArgumentException("at least one image is needed", nameof(images));
        eval();
        // Every caller gets the finalizer-race guard (and the collection it starts with), not only the Predictor's.
        using var gcPause = GcPause.Begin();
        using var noGrad = inference_mode();
        var run = new InferenceRun();
        try
        {
            using var scope = NewDisposeScope();
            var sw = Stopwatch.StartNew();
            var originalSizes = images.Select(im => (im.shape[^2], im.shape[^1])).ToList();
            var (batch, _) = _transform.Forward(images, null, training: false);
            run.Images = batch;
            Report(Stages.Transform, sw);

            IReadOnlyList<Tensor> features;
            if (backbone is BackboneWithFpn fpnBackbone)
            {
                var body = fpnBackbone.Body(batch.Tensors);
                Report(Stages.Backbone, sw);
                features = fpnBackbone.Pyramid(body);
                Report(Stages.Fpn, sw);
                if (keepTrace) run.Body = body;
            }
            else
            {
                features = backbone.Forward(batch.Tensors);
                Report(Stages.Backbone, sw);
            }
            run.Features = features;
            var proposals = rpn.Forward(batch, features, null, null, keepPreNms: keepTrace);
            run.Rpn = proposals;
            Report(Stages.Rpn, sw);

            var roiFeatures = features.Take(backbone.RoiLevels).ToList();
            if (keepTrace)
            {
                (run.ClassLogits, run.BoxRegression) = roi_heads.BoxPredictions(roiFeatures, proposals.Proposals, batch.ImageSizes);
                sw.Restart();
            }
            var roi = roi_heads.Forward(roiFeatures, proposals.Proposals, batch.ImageSizes, boxesDone: () => Report(Stages.BoxHead, sw));
            Report(Stages.MaskHead, sw);
            // Aliases, because Postprocess disposes the RoI heads' detections once it has pasted their masks.
            if (keepTrace) run.MaskProbabilities = roi.Detections.Select(d => d.Masks.alias()).ToList();
            run.Detections = GeneralizedRcnnTransform.Postprocess(roi.Detections, batch.ImageSizes, originalSizes);
            Report(Stages.Postprocess, sw);

            run.MoveOut(scope, keepTrace);
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    void Report(string stage, Stopwatch sw)
    {
        if (StageTimed is { } callback) callback(stage, sw.Elapsed);
        sw.Restart();
    }

    /// <summary>Holds what one pass produced until the caller takes the part it wants.</summary>
    sealed class InferenceRun : IDisposable
    {
        public ImageList? Images;
        public IReadOnlyList<Tensor> Body = [];
        public IReadOnlyList<Tensor> Features = [];
        public RpnOutput? Rpn;
        public Tensor? ClassLogits, BoxRegression;
        public List<Detections> Detections = [];
        public IReadOnlyList<Tensor> MaskProbabilities = [];
        bool _traceKept;

        public void MoveOut(DisposeScope scope, bool keepTrace)
        {
            _traceKept = keepTrace;
            foreach (var d in Detections) scope.MoveToOuter(d.Boxes, d.Scores, d.Labels, d.Masks);
            if (!keepTrace) return;
            scope.MoveToOuter(Images!.Tensors);
            foreach (var t in Body.Concat(Features).Concat(ModelTrace.RpnTensors(Rpn!)).Concat(MaskProbabilities)) scope.MoveToOuter(t);
            scope.MoveToOuter(ClassLogits!, BoxRegression!);
        }

        public IReadOnlyList<Detections> TakeDetections()
        {
            var d = Detections;
            Detections = [];
            return d;
        }

        public ModelTrace ToTrace()
        {
            var trace = new ModelTrace(Images!, Body, Features, Rpn!, ClassLogits!, BoxRegression!, Detections, MaskProbabilities);
            Images = null;
            Body = Features = MaskProbabilities = [];
            Rpn = null;
            ClassLogits = BoxRegression = null;
            Detections = [];
            return trace;
        }

        public void Dispose()
        {
            foreach (var d in Detections) d.Dispose();
            if (!_traceKept) return;
            Images?.Dispose();
            foreach (var t in Body.Concat(Features).Concat(MaskProbabilities)) t.Dispose();
            if (Rpn is not null) foreach (var t in ModelTrace.RpnTensors(Rpn)) t.Dispose();
            ClassLogits?.Dispose();
            BoxRegression?.Dispose();
        }
    }
}
