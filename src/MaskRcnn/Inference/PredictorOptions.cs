using MaskRcnn.Runtime;

namespace MaskRcnn.Inference;

/// <summary>What a <see cref="Predictor"/> keeps of the model's detections and how it names them.</summary>
public sealed record PredictorOptions
{
    /// <summary>
    /// Keep detections scoring at least this. 0 keeps everything the model returns (which already leaves out
    /// scores below its <c>RoiHeads.ScoreThresh</c>, 0.05 by default) — what COCO evaluation wants.
    /// </summary>
    public float ScoreThreshold { get; init; }

    /// <summary>A pixel is inside the mask when its pasted probability is above this (torchvision's references use 0.5).</summary>
    public float MaskThreshold { get; init; } = 0.5f;

    /// <summary>Names and category ids per label; null takes them from the model's config (<see cref="ClassMap.FromConfig"/>).</summary>
    public ClassMap? Classes { get; init; }

    /// <summary>Number format of convolutions and linear layers (<c>Predictor.Load</c> applies it to the model it builds).</summary>
    public ComputePrecision Precision { get; init; } = ComputePrecision.Fp32;

    /// <summary>
    /// Fold frozen batch norms into the convolutions before them (<c>Predictor.Load</c>): same outputs up to
    /// float rounding, one memory pass less per norm. Off reproduces torchvision's operation order exactly.
    /// </summary>
    public bool FoldBatchNorm { get; init; } = true;
}
