using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.Backbone;

/// <summary>
/// BatchNorm2d whose statistics and affine parameters are fixed buffers (torchvision.ops.FrozenBatchNorm2d):
/// detection batches are too small for batch statistics, so the ImageNet ones are kept. The buffers are
/// named as BatchNorm2d's so checkpoints of either kind load; <c>num_batches_tracked</c> is ignored by the loader.
/// </summary>
public sealed class FrozenBatchNorm2d : nn.Module<Tensor, Tensor>
{
    readonly double _eps;
    // Field names are torchvision's state-dict names.
    readonly Tensor weight;
    readonly Tensor bias;
    readonly Tensor running_mean;
    readonly Tensor running_var;

    public FrozenBatchNorm2d(long numFeatures, double eps) : base(nameof(FrozenBatchNorm2d))
    {
        _eps = eps;
        weight = ones(numFeatures);
        bias = zeros(numFeatures);
        running_mean = zeros(numFeatures);
        running_var = ones(numFeatures);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // Scale and shift as torchvision computes them, so that results agree to the last bit or two.
        var w = weight.reshape(1, -1, 1, 1);
        var b = bias.reshape(1, -1, 1, 1);
        var rv = running_var.reshape(1, -1, 1, 1);
        var rm = running_mean.reshape(1, -1, 1, 1);
        var scale = w * (rv + _eps).rsqrt();
        var shift = b - rm * scale;
        // One fused pass over x (x·scale + shift) instead of two full-size temporaries.
        return scope.MoveToOuter(addcmul(shift, x, scale, 1));
    }
}
