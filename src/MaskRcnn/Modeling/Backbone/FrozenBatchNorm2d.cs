using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.Backbone;

/// <summary>
/// BatchNorm2d whose statistics and affine parameters are fixed buffers (torchvision.ops.FrozenBatchNorm2d):
/// detection batches are too small for batch statistics, so the ImageNet ones are kept. The buffers are
/// named as BatchNorm2d's so checkpoints of either kind load; <c>num_batches_tracked</c> is ignored by the loader.
/// For inference the map can be folded into the convolution in front of it (<see cref="FoldInto"/>), after
/// which this layer passes its input through.
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

    /// <summary>True once <see cref="FoldInto"/> has moved the map into a convolution.</summary>
    public bool IsFolded { get; private set; }

    public override Tensor forward(Tensor x)
    {
        // A second handle on the same storage, not x itself: Sequential (the shortcut's conv + norm) disposes the
        // intermediate it passed in.
        if (IsFolded) return x.alias();
        using var scope = NewDisposeScope();
        var (scale, shift) = ScaleAndShift();
        // One fused pass over x (x·scale + shift) instead of two full-size temporaries.
        return scope.MoveToOuter(addcmul(shift.reshape(1, -1, 1, 1), x, scale.reshape(1, -1, 1, 1), 1));
    }

    /// <summary>
    /// Rewrites <paramref name="conv"/> (whose output this layer normalises) to conv(x)·scale + shift, giving it a
    /// bias if it had none, and turns this layer into the identity: one memory pass less per layer, and oneDNN adds
    /// the bias inside the convolution. Inference only — the conv no longer has torchvision's weights.
    /// </summary>
    public void FoldInto(Conv2d conv)
    {
        if (IsFolded) throw new InvalidOperationException("this FrozenBatchNorm2d is already folded into a convolution");
        if (conv.weight is null || conv.weight.shape[0] != weight.shape[0])
            throw new ArgumentException($"the convolution has {conv.weight?.shape[0]} output channels, the norm {weight.shape[0]}", nameof(conv));
        using var noGrad = no_grad();
        Tensor newBias;
        using (var scope = NewDisposeScope())
        {
            var (scale, shift) = ScaleAndShift();
            conv.weight.mul_(scale.reshape(-1, 1, 1, 1));
            newBias = conv.bias is { } existing ? existing * scale + shift : shift;
            newBias.MoveToOuterDisposeScope();
        }
        // Outside the scope: the module owns the new parameter, no dispose scope may free it.
        conv.bias = new Parameter(newBias, requires_grad: false);
        IsFolded = true;
    }

    // Scale and shift as torchvision computes them, so that results agree to the last bit or two.
    (Tensor Scale, Tensor Shift) ScaleAndShift()
    {
        var scale = weight * (running_var + _eps).rsqrt();
        return (scale, bias - running_mean * scale);
    }
}
