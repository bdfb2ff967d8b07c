using MaskRcnn.Modeling.Rpn;
using MaskRcnn.Structures;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling;

/// <summary>
/// An <see cref="IInferenceObserver"/> that keeps what one inference pass saw, for parity tests against torchvision
/// and for inspection: the batch, the body and feature levels, the RPN's proposals (with the pre-NMS candidates),
/// the box predictor's raw outputs and the RoI heads' detections before pasting. It owns handles of its own to every
/// tensor it keeps; dispose it to free them.
/// </summary>
public sealed class InferenceTrace : IInferenceObserver, IDisposable
{
    readonly List<Tensor> _owned = [];

    public bool WantsPreNmsProposals => true;

    // Set as the pass reaches each stage; a trace is read after the pass, when all are set.
    public ImageList Images { get; private set; } = null!;
    public IReadOnlyList<Tensor> Body { get; private set; } = [];
    public IReadOnlyList<Tensor> Features { get; private set; } = [];
    public RpnOutput Rpn { get; private set; } = null!;
    public Tensor ClassLogits { get; private set; } = null!;
    public Tensor BoxRegression { get; private set; } = null!;

    /// <summary>The RoI heads' detections in the resized frame, [N,1,M,M] mask probabilities, in the final detections' order.</summary>
    public IReadOnlyList<RoiDetections> RoiDetections { get; private set; } = [];

    /// <summary>The RoI heads' [N,1,M,M] mask probabilities per image (of <see cref="RoiDetections"/>).</summary>
    public IReadOnlyList<Tensor> MaskProbabilities => RoiDetections.Select(d => d.MaskProbabilities).ToList();

    /// <summary>The pass's final detections when the trace was made by <c>PredictWithTrace</c> (then owned by the trace).</summary>
    public IReadOnlyList<Detections> Detections { get; internal set; } = [];

    Tensor Keep(Tensor t)
    {
        var own = t.alias().DetachFromDisposeScope();
        _owned.Add(own);
        return own;
    }

    List<Tensor> Keep(IEnumerable<Tensor> tensors) => tensors.Select(Keep).ToList();

    void IInferenceObserver.Batch(ImageList images) => Images = new ImageList(Keep(images.Tensors), images.ImageSizes);

    void IInferenceObserver.Body(IReadOnlyList<Tensor> stages) => Body = Keep(stages);

    void IInferenceObserver.Features(IReadOnlyList<Tensor> levels) => Features = Keep(levels);

    void IInferenceObserver.Proposals(RpnOutput rpn) => Rpn = new RpnOutput(Keep(rpn.Proposals), Keep(rpn.Scores),
        new Dictionary<string, Tensor>(), rpn.PreNmsProposals is null ? null : Keep(rpn.PreNmsProposals),
        rpn.PreNmsScores is null ? null : Keep(rpn.PreNmsScores));

    void IInferenceObserver.BoxPredictions(Tensor classLogits, Tensor boxRegression) =>
        (ClassLogits, BoxRegression) = (Keep(classLogits), Keep(boxRegression));

    // Not kept in _owned: each RoiDetections owns its own handles and is disposed below.
    void IInferenceObserver.RoiDetections(IReadOnlyList<RoiDetections> detections) =>
        RoiDetections = detections.Select(d => new RoiDetections(
            d.Boxes.alias().DetachFromDisposeScope(), d.Scores.alias().DetachFromDisposeScope(), d.Labels.alias().DetachFromDisposeScope(),
            d.MaskProbabilities.alias().DetachFromDisposeScope(), d.ImageSize)).ToList();

    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
        foreach (var d in RoiDetections) d.Dispose();
        foreach (var d in Detections) d.Dispose();
        RoiDetections = [];
        Detections = [];
    }
}
