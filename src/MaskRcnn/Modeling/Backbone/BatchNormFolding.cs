using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.Backbone;

/// <summary>A module whose convolutions each feed one normalisation layer (ResNet's stem and blocks).</summary>
public interface IConvNormPairs
{
    /// <summary>Each convolution with the norm applied to its output, in forward order.</summary>
    IEnumerable<(Conv2d Conv, nn.Module<Tensor, Tensor> Norm)> ConvNormPairs();
}

/// <summary>
/// Folds every <see cref="FrozenBatchNorm2d"/> of a model into the convolution in front of it, the standard
/// inference rewrite (w' = w·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε)): ResNet-50 has 53 such layers, each a full pass
/// over its feature map. Trainable <c>BatchNorm2d</c> layers (models trained from scratch) are left as they are.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>Folds the frozen norms under <paramref name="model"/>; returns how many were folded.</summary>
    public static int FoldFrozenBatchNorm(nn.Module model)
    {
        int folded = 0;
        foreach (var module in model.modules().Prepend(model))
        {
            if (module is not IConvNormPairs owner) continue;
            foreach (var (conv, norm) in owner.ConvNormPairs())
            {
                if (norm is not FrozenBatchNorm2d frozen || frozen.IsFolded) continue;
                frozen.FoldInto(conv);
                folded++;
            }
        }
        return folded;
    }
}
