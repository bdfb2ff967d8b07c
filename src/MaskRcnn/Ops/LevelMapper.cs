using static TorchSharp.torch;

namespace MaskRcnn.Ops;

/// <summary>
/// Assigns each box to an FPN level by eq. 1 of the FPN paper (Lin et al., 2017), as torchvision's
/// LevelMapper: k = floor(k0 + log2(sqrt(area) / s0) + eps), clamped to [kMin, kMax], returned as an
/// index from kMin. Computed in float32 tensor ops like torchvision so boundary boxes land alike.
/// </summary>
public sealed class LevelMapper(int kMin, int kMax, int canonicalScale = 224, int canonicalLevel = 4, double eps = 1e-6)
{
    public int KMin { get; } = kMin;
    public int KMax { get; } = kMax;

    /// <param name="boxes">[K,4] xyxy boxes (all images concatenated).</param>
    /// <returns>int64 [K] level indices in [0, kMax - kMin].</returns>
    public Tensor Map(Tensor boxes)
    {
        using var scope = NewDisposeScope();
        var b = boxes.to(ScalarType.Float32);
        var area = (b[.., 2] - b[.., 0]) * (b[.., 3] - b[.., 1]);
        var s = area.sqrt();
        var level = (canonicalLevel + (s / canonicalScale).log2() + (float)eps).floor().clamp(KMin, KMax);
        return scope.MoveToOuter(level.to(ScalarType.Int64) - KMin);
    }
}
