using MaskRcnn.Inference;
using MaskRcnn.Visualization;

namespace MaskRcnn.Training;

/// <summary>A validation of a training run: the COCO metrics and a few images drawn with predictions and ground truth.</summary>
public sealed record ValidationOutcome(DatasetEvaluationResult Evaluation, IReadOnlyList<ComparisonRow> Comparisons)
{
    static readonly string[] StatNames = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"];

    /// <summary>Flat names for the metrics log: <c>bbox_AP</c>, <c>segm_AP50</c>, ...</summary>
    public Dictionary<string, double> FlatMetrics()
    {
        var flat = new Dictionary<string, double>();
        for (int i = 0; i < StatNames.Length; i++)
        {
            flat[$"bbox_{StatNames[i]}"] = Evaluation.Bbox.Stats[i];
            flat[$"segm_{StatNames[i]}"] = Evaluation.Segm.Stats[i];
        }
        return flat;
    }
}
