using MaskRcnn.Visualization;

namespace MaskRcnn.Inference;

/// <summary>
/// The one conversion from predictions to what <see cref="OverlayRenderer"/> draws. The masks are the predictor's
/// (binarised once, by <see cref="PredictorOptions.MaskThreshold"/>: strictly above, as torchvision's references do).
/// </summary>
public static class PredictionOverlays
{
    public static InstanceOverlay ToOverlay(this InstancePrediction p) =>
        new(p.ClassName, p.Score, new BoxXyxy(p.BoxXyxy[0], p.BoxXyxy[1], p.BoxXyxy[2], p.BoxXyxy[3]), p.Crop);

    /// <summary>The predictions scoring at least <paramref name="minScore"/>, in their (score-descending) order.</summary>
    public static List<InstanceOverlay> ToOverlays(this IEnumerable<InstancePrediction> predictions, float minScore = 0f) =>
        predictions.Where(p => p.Score >= minScore).Select(ToOverlay).ToList();
}
