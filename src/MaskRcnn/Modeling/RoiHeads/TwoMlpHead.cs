using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.RoiHeads;

/// <summary>torchvision's TwoMLPHead: flatten the pooled RoI, then fc6 and fc7, each followed by ReLU.</summary>
public sealed class TwoMlpHead : nn.Module<Tensor, Tensor>
{
    // Field names are torchvision's state-dict names (registered by RegisterComponents).
    readonly Linear fc6;
    readonly Linear fc7;

    public TwoMlpHead(long inFeatures, long representationSize) : base(nameof(TwoMlpHead))
    {
        fc6 = nn.Linear(inFeatures, representationSize);
        fc7 = nn.Linear(representationSize, representationSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var flat = x.flatten(1);
        using var h = fc6.call(flat).relu_();
        return fc7.call(h).relu_();
    }
}
