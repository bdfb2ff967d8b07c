using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Modeling.Backbone;

/// <summary>The feature extractor in front of the RPN and RoI heads: images in, feature levels out.</summary>
public abstract class DetectionBackbone : nn.Module
{
    protected DetectionBackbone(string name) : base(name) { }

    /// <summary>Channels of every returned feature level.</summary>
    public abstract long OutChannels { get; }

    /// <summary>How many leading levels the RoI heads pool from (FPN: P2..P5, not the P6 "pool" level).</summary>
    public abstract int RoiLevels { get; }

    /// <summary>Feature maps for a padded image batch [B,3,H,W], finest first.</summary>
    public abstract IReadOnlyList<Tensor> Forward(Tensor images);
}
