using MaskRcnn.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.RoiHeads;

/// <summary>
/// torchvision's MaskRCNNPredictor: a 2×2 stride-2 deconvolution (<c>conv5_mask</c>) + ReLU doubling the
/// resolution (14 → 28), then a 1×1 conv (<c>mask_fcn_logits</c>) to one mask logit map per class.
/// </summary>
public sealed class MaskRcnnPredictor : nn.Module<Tensor, Tensor>
{
    // Field names are torchvision's state-dict names (registered by RegisterComponents).
    readonly ConvTranspose2d conv5_mask;
    readonly Conv2d mask_fcn_logits;

    public MaskRcnnPredictor(long inChannels, long dimReduced, long numClasses) : base(nameof(MaskRcnnPredictor))
    {
        conv5_mask = nn.ConvTranspose2d(inChannels, dimReduced, kernel_size: 2, stride: 2);
        mask_fcn_logits = nn.Conv2d(dimReduced, numClasses, kernel_size: 1);
        RegisterComponents();
        using var _ = no_grad();
        nn.init.kaiming_normal_(conv5_mask.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
        nn.init.zeros_(conv5_mask.bias!);
        nn.init.kaiming_normal_(mask_fcn_logits.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
        nn.init.zeros_(mask_fcn_logits.bias!);
    }

    public override Tensor forward(Tensor x)
    {
        using var up = conv5_mask.call(x).relu_();
        // Under bf16 autocast the logits are widened here: the mask loss and the paste are float32.
        return Autocast.Widen(mask_fcn_logits.call(up));
    }
}
