namespace MaskRcnn.Modeling;

/// <summary>
/// The test-time thresholds and counts a user changes without writing a config file (crowded scenes need more than
/// torchvision's 100 detections per image, a benchmark may match another runtime's export). Null keeps the config's.
/// </summary>
public sealed record InferenceSettings
{
    /// <summary>RoI heads: drop detections scoring below this (torchvision: 0.05).</summary>
    public double? BoxScoreThreshold { get; init; }

    /// <summary>RoI heads: per-class NMS IoU (torchvision: 0.5).</summary>
    public double? BoxNmsThreshold { get; init; }

    /// <summary>RoI heads: detections kept per image (torchvision: 100).</summary>
    public int? DetectionsPerImage { get; init; }

    /// <summary>RPN: drop proposals scoring below this (torchvision: 0).</summary>
    public double? RpnScoreThreshold { get; init; }

    /// <summary>RPN: NMS IoU (torchvision: 0.7).</summary>
    public double? RpnNmsThreshold { get; init; }

    /// <summary>RPN: proposals per level before NMS at test time (torchvision: 1000).</summary>
    public int? RpnPreNmsTopN { get; init; }

    /// <summary>RPN: proposals kept after NMS at test time (torchvision: 1000).</summary>
    public int? RpnPostNmsTopN { get; init; }

    /// <summary><paramref name="config"/> with the settings given here.</summary>
    /// <exception cref="ArgumentException">A threshold outside [0, 1] or a count below 1; names the setting.</exception>
    public MaskRcnnConfig ApplyTo(MaskRcnnConfig config)
    {
        Check(BoxScoreThreshold, nameof(BoxScoreThreshold));
        Check(BoxNmsThreshold, nameof(BoxNmsThreshold));
        Check(RpnScoreThreshold, nameof(RpnScoreThreshold));
        Check(RpnNmsThreshold, nameof(RpnNmsThreshold));
        foreach (var (value, name) in new[] { (DetectionsPerImage, nameof(DetectionsPerImage)), (RpnPreNmsTopN, nameof(RpnPreNmsTopN)), (RpnPostNmsTopN, nameof(RpnPostNmsTopN)) })
            if (value is < 1) throw new ArgumentException($"{name} must be at least 1, got {value}");
        var heads = config.RoiHeads with
        {
            ScoreThresh = BoxScoreThreshold ?? config.RoiHeads.ScoreThresh,
            NmsThresh = BoxNmsThreshold ?? config.RoiHeads.NmsThresh,
            DetectionsPerImage = DetectionsPerImage ?? config.RoiHeads.DetectionsPerImage,
        };
        var rpn = config.Rpn with
        {
            ScoreThresh = RpnScoreThreshold ?? config.Rpn.ScoreThresh,
            NmsThresh = RpnNmsThreshold ?? config.Rpn.NmsThresh,
            PreNmsTopNTest = RpnPreNmsTopN ?? config.Rpn.PreNmsTopNTest,
            PostNmsTopNTest = RpnPostNmsTopN ?? config.Rpn.PostNmsTopNTest,
        };
        return config with { RoiHeads = heads, Rpn = rpn };
    }

    static void Check(double? value, string name)
    {
        if (value is < 0 or > 1 || value is double v && double.IsNaN(v)) throw new ArgumentException($"{name} must be in [0, 1], got {value}");
    }
}
