using MaskRcnn.Modeling.Backbone;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.RoiHeads;

/// <summary>Where the mask branch gets its per-RoI features from: exactly one of two layouts.</summary>
public abstract record MaskFeatureSource
{
    MaskFeatureSource() { }

    /// <summary>Maps pooled mask RoIs to mask features.</summary>
    internal abstract Tensor Features(Tensor pooledRois);

    /// <summary>
    /// FPN: a mask head of its own (torchvision's <c>MaskRCNNHeads</c>, four 3×3 convs), registered as
    /// <c>roi_heads.mask_head</c>.
    /// </summary>
    public sealed record OwnHead(nn.Module<Tensor, Tensor> Head) : MaskFeatureSource
    {
        internal override Tensor Features(Tensor pooledRois) => Head.call(pooledRois);
    }

    /// <summary>
    /// The paper's C4: the box head's res5 map (before average pooling) feeds the mask predictor, so its weights
    /// exist once, under <c>roi_heads.box_head</c>, and there is no <c>mask_head</c>.
    /// </summary>
    public sealed record SharedRes5(Res5Head BoxHead) : MaskFeatureSource
    {
        internal override Tensor Features(Tensor pooledRois) => BoxHead.Res5(pooledRois);
    }
}

/// <summary>
/// The RoIAlign output sizes of the two branches and the side of the predicted masks. FPN: 7, 14, 28 (torchvision);
/// C4: both branches pool the same RoI (7, or 14 for a stride-2 res5) and masks are twice res5's output side.
/// </summary>
public sealed record RoiPoolSizes(int BoxRoiSize, int MaskRoiSize, int MaskOutputSize);
