using MaskRcnn.Modeling.Rpn;
using MaskRcnn.Structures;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling;

/// <summary>
/// Notified by <see cref="MaskRcnnModel.Predict(IReadOnlyList{Tensor}, IInferenceObserver?)"/> as the inference pass
/// goes: stage times for benchmarks, intermediate tensors for parity traces and inspection. The pass itself is the
/// same with or without an observer (nothing runs twice).
/// </summary>
/// <remarks>
/// Every tensor handed to an observer belongs to the pass and is freed when it ends; an observer that keeps one takes
/// its own handle (<c>t.alias().DetachFromDisposeScope()</c>, as <see cref="InferenceTrace"/> does).
/// </remarks>
public interface IInferenceObserver
{
    /// <summary>Ask the RPN to also report its candidates before NMS (costs a copy of them).</summary>
    bool WantsPreNmsProposals => false;

    /// <summary>A stage finished: <see cref="MaskRcnnModel.Stages"/>, in order, with its wall time.</summary>
    void StageCompleted(string stage, TimeSpan elapsed) { }

    /// <summary>The normalised, resized and padded batch.</summary>
    void Batch(ImageList images) { }

    /// <summary>The ResNet stage outputs (C2..C5 for FPN, C2..C4 for C4).</summary>
    void Body(IReadOnlyList<Tensor> stages) { }

    /// <summary>The feature levels the RPN sees (P2..P6 for FPN, C4 for C4).</summary>
    void Features(IReadOnlyList<Tensor> levels) { }

    /// <summary>The RPN's proposals in the resized frame (with the pre-NMS candidates when asked for).</summary>
    void Proposals(RpnOutput rpn) { }

    /// <summary>The box predictor's raw outputs for all proposals: class logits [ΣN,K+1], deltas [ΣN,4(K+1)].</summary>
    void BoxPredictions(Tensor classLogits, Tensor boxRegression) { }

    /// <summary>The RoI heads' detections in the resized frame, masks not yet pasted.</summary>
    void RoiDetections(IReadOnlyList<RoiDetections> detections) { }
}
