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

    /// <summary>The ResNet stage outputs for a padded image batch [B,3,H,W], finest first.</summary>
    public abstract IReadOnlyList<Tensor> Body(Tensor images);

    /// <summary>Whether <see cref="Neck"/> computes anything (an FPN) or only selects body outputs (C4).</summary>
    public abstract bool HasNeck { get; }

    /// <summary>The feature levels the RPN and RoI heads see, from the body's outputs (which stay the caller's).</summary>
    public abstract IReadOnlyList<Tensor> Neck(IReadOnlyList<Tensor> stages);

    /// <summary>Feature maps for a padded image batch [B,3,H,W], finest first: <see cref="Neck"/> of <see cref="Body"/>.</summary>
    public IReadOnlyList<Tensor> Forward(Tensor images)
    {
        var stages = Body(images);
        try
        {
            return Neck(stages);
        }
        finally
        {
            foreach (var t in stages) t.Dispose();
        }
    }
}
