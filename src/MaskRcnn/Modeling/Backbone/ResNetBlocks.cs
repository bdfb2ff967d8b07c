using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.Backbone;

/// <summary>A residual block of torchvision's ResNet; the two kinds differ only in their convolutions.</summary>
public abstract class ResidualBlock : nn.Module<Tensor, Tensor>, IConvNormPairs
{
    protected ResidualBlock(string name) : base(name) { }

    public abstract IEnumerable<(Conv2d Conv, nn.Module<Tensor, Tensor> Norm)> ConvNormPairs();

    /// <summary>The projection shortcut's pair (torchvision's <c>downsample</c> = Sequential(conv1x1, norm)), if any.</summary>
    protected static IEnumerable<(Conv2d Conv, nn.Module<Tensor, Tensor> Norm)> DownsamplePair(nn.Module<Tensor, Tensor>? downsample) =>
        downsample is Sequential s ? [((Conv2d)s[0], (nn.Module<Tensor, Tensor>)s[1])] : [];

    internal static Conv2d Conv3x3(long inPlanes, long outPlanes, long stride = 1) =>
        nn.Conv2d(inPlanes, outPlanes, kernel_size: 3, stride: stride, padding: 1, bias: false);

    internal static Conv2d Conv1x1(long inPlanes, long outPlanes, long stride = 1) =>
        nn.Conv2d(inPlanes, outPlanes, kernel_size: 1, stride: stride, bias: false);
}

/// <summary>Two 3×3 convolutions (ResNet-18/34).</summary>
public sealed class BasicBlock : ResidualBlock
{
    public const int Expansion = 1;
    // Field names are torchvision's state-dict names (registered by RegisterComponents).
    readonly Conv2d conv1;
    readonly nn.Module<Tensor, Tensor> bn1;
    readonly Conv2d conv2;
    readonly nn.Module<Tensor, Tensor> bn2;
    readonly nn.Module<Tensor, Tensor>? downsample;

    public BasicBlock(long inPlanes, long planes, long stride, nn.Module<Tensor, Tensor>? downsample, Func<long, nn.Module<Tensor, Tensor>> norm)
        : base(nameof(BasicBlock))
    {
        conv1 = Conv3x3(inPlanes, planes, stride);
        bn1 = norm(planes);
        conv2 = Conv3x3(planes, planes);
        bn2 = norm(planes);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override IEnumerable<(Conv2d Conv, nn.Module<Tensor, Tensor> Norm)> ConvNormPairs() =>
        [(conv1, bn1), (conv2, bn2), .. DownsamplePair(downsample)];

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var identity = downsample is null ? x : downsample.call(x);
        var y = bn1.call(conv1.call(x)).relu_();
        y = bn2.call(conv2.call(y));
        return scope.MoveToOuter(y.add_(identity).relu_());
    }
}

/// <summary>1×1, 3×3, 1×1 convolutions with the stride on the 3×3 (torchvision's "ResNet V1.5"; ResNet-50/101).</summary>
public sealed class Bottleneck : ResidualBlock
{
    public const int Expansion = 4;
    // Field names are torchvision's state-dict names (registered by RegisterComponents).
    readonly Conv2d conv1;
    readonly nn.Module<Tensor, Tensor> bn1;
    readonly Conv2d conv2;
    readonly nn.Module<Tensor, Tensor> bn2;
    readonly Conv2d conv3;
    readonly nn.Module<Tensor, Tensor> bn3;
    readonly nn.Module<Tensor, Tensor>? downsample;

    public Bottleneck(long inPlanes, long planes, long stride, nn.Module<Tensor, Tensor>? downsample, Func<long, nn.Module<Tensor, Tensor>> norm)
        : base(nameof(Bottleneck))
    {
        conv1 = Conv1x1(inPlanes, planes);
        bn1 = norm(planes);
        conv2 = Conv3x3(planes, planes, stride);
        bn2 = norm(planes);
        conv3 = Conv1x1(planes, planes * Expansion);
        bn3 = norm(planes * Expansion);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override IEnumerable<(Conv2d Conv, nn.Module<Tensor, Tensor> Norm)> ConvNormPairs() =>
        [(conv1, bn1), (conv2, bn2), (conv3, bn3), .. DownsamplePair(downsample)];

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var identity = downsample is null ? x : downsample.call(x);
        var y = bn1.call(conv1.call(x)).relu_();
        y = bn2.call(conv2.call(y)).relu_();
        y = bn3.call(conv3.call(y));
        return scope.MoveToOuter(y.add_(identity).relu_());
    }
}
