using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.RoiHeads;

/// <summary>
/// The mask head's FCN: 3×3 conv + ReLU layers (four of 256 in the paper). Children are named "0".."n-1",
/// each a Sequential(conv, ReLU), as torchvision 0.14's MaskRCNNHeads of Conv2dNormActivation
/// (<c>mask_head.0.0.weight</c>); pre-0.13 checkpoints' <c>mask_fcn{i}</c> names are mapped on load.
/// </summary>
public sealed class MaskRcnnHeads : nn.Module<Tensor, Tensor>
{
    readonly List<Sequential> _layers = [];

    public MaskRcnnHeads(long inChannels, IReadOnlyList<int> layers, int dilation) : base(nameof(MaskRcnnHeads))
    {
        long next = inChannels;
        for (int i = 0; i < layers.Count; i++)
        {
            var conv = nn.Conv2d(next, layers[i], kernel_size: 3, padding: dilation, dilation: dilation);
            using (no_grad())
            {
                nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                nn.init.zeros_(conv.bias!);
            }
            var block = nn.Sequential(conv, nn.ReLU(inplace: true));
            register_module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), block);
            _layers.Add(block);
            next = layers[i];
        }
    }

    public override Tensor forward(Tensor x)
    {
        // Each layer's output is freed once the next exists (autograd keeps what it saved): a dispose scope would hold
        // all of them until the end, 200 KB per RoI and layer at 256×14×14 — 800 MB for a crowded image's 1,000 detections.
        var current = x;
        foreach (var layer in _layers)
        {
            var next = layer.call(current);
            if (!ReferenceEquals(current, x)) current.Dispose();
            current = next;
        }
        return ReferenceEquals(current, x) ? x.alias() : current;
    }
}
