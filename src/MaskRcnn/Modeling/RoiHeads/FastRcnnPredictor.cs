using MaskRcnn.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.RoiHeads;

/// <summary>torchvision's FastRCNNPredictor: class logits (K+1) and class-specific box deltas (4(K+1)).</summary>
public sealed class FastRcnnPredictor : nn.Module
{
    // Field names are torchvision's state-dict names (registered by RegisterComponents).
    readonly Linear cls_score;
    readonly Linear bbox_pred;

    public FastRcnnPredictor(long inChannels, long numClasses) : base(nameof(FastRcnnPredictor))
    {
        cls_score = nn.Linear(inChannels, numClasses);
        bbox_pred = nn.Linear(inChannels, numClasses * 4);
        RegisterComponents();
    }

    public (Tensor ClassLogits, Tensor BoxRegression) Forward(Tensor x)
    {
        using var flat = x.flatten(1);
        // Under bf16 autocast the scores and deltas are widened here: the losses, box decoding and NMS are float32.
        return (Autocast.Widen(cls_score.call(flat)), Autocast.Widen(bbox_pred.call(flat)));
    }
}
