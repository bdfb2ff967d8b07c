using MaskRcnn.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.Rpn;

/// <summary>
/// torchvision's RPNHead, shared by every feature level: a 3×3 conv + ReLU (<c>conv.0.0</c>, the
/// Conv2dNormActivation layout of torchvision ≥ 0.13), then 1×1 convs for A objectness logits and 4A box deltas.
/// </summary>
public sealed class RpnHead : nn.Module
{
    // Field names are torchvision's state-dict names (registered by RegisterComponents).
    readonly Sequential conv;
    readonly Conv2d cls_logits;
    readonly Conv2d bbox_pred;

    public RpnHead(long inChannels, long numAnchors) : base(nameof(RpnHead))
    {
        conv = nn.Sequential(nn.Sequential(nn.Conv2d(inChannels, inChannels, kernel_size: 3, padding: 1), nn.ReLU(inplace: true)));
        cls_logits = nn.Conv2d(inChannels, numAnchors, kernel_size: 1);
        bbox_pred = nn.Conv2d(inChannels, numAnchors * 4, kernel_size: 1);
        RegisterComponents();
        using var _ = no_grad();
        foreach (var (_, m) in named_modules())
            if (m is Conv2d c)
            {
                nn.init.normal_(c.weight, std: 0.01);
                nn.init.zeros_(c.bias!);
            }
    }

    /// <summary>Per level: objectness [B,A,H,W] and box deltas [B,4A,H,W].</summary>
    public (List<Tensor> Objectness, List<Tensor> Deltas) Forward(IReadOnlyList<Tensor> features)
    {
        var logits = new List<Tensor>(features.Count);
        var deltas = new List<Tensor>(features.Count);
        foreach (var f in features)
        {
            using var t = conv.call(f);
            // Under bf16 autocast the objectness and deltas are widened here: decoding, top-n, NMS and the losses are float32.
            logits.Add(Autocast.Widen(cls_logits.call(t)));
            deltas.Add(Autocast.Widen(bbox_pred.call(t)));
        }
        return (logits, deltas);
    }
}
