using System.CommandLine;
using MaskRcnn.Modeling;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// The inference thresholds and counts (unset: the config's), so a run can match another runtime's export (e.g.
/// torchvision's <c>box_score_thresh</c> 0 of the ONNX benchmark) without writing a config file; used by
/// <c>benchmark</c> and <c>serve</c>.
/// </summary>
sealed class ThresholdOptions
{
    readonly Option<double?> boxScore = new("--box-score-threshold") { Description = "RoI heads: drop detections scoring below this; unset: the config's (torchvision: 0.05)" };
    readonly Option<double?> boxNms = new("--box-nms-threshold") { Description = "RoI heads: per-class NMS IoU; unset: the config's (torchvision: 0.5)" };
    readonly Option<int?> detections = new("--detections-per-image") { Description = "RoI heads: detections kept per image; unset: the config's (torchvision: 100)" };
    readonly Option<double?> rpnScore = new("--rpn-score-threshold") { Description = "RPN: drop proposals scoring below this; unset: the config's (torchvision: 0)" };
    readonly Option<double?> rpnNms = new("--rpn-nms-threshold") { Description = "RPN: NMS IoU; unset: the config's (torchvision: 0.7)" };
    readonly Option<int?> rpnPre = new("--rpn-pre-nms-top-n") { Description = "RPN: proposals per level before NMS at test time; unset: the config's (torchvision: 1000)" };
    readonly Option<int?> rpnPost = new("--rpn-post-nms-top-n") { Description = "RPN: proposals kept after NMS at test time; unset: the config's (torchvision: 1000)" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { boxScore, boxNms, detections, rpnScore, rpnNms, rpnPre, rpnPost }) command.Options.Add(option);
    }

    public MaskRcnnConfig ApplyTo(MaskRcnnConfig c, ParseResult parse)
    {
        var heads = c.RoiHeads;
        heads = heads with
        {
            ScoreThresh = parse.GetValue(boxScore) ?? heads.ScoreThresh,
            NmsThresh = parse.GetValue(boxNms) ?? heads.NmsThresh,
            DetectionsPerImage = parse.GetValue(detections) ?? heads.DetectionsPerImage,
        };
        var rpn = c.Rpn;
        rpn = rpn with
        {
            ScoreThresh = parse.GetValue(rpnScore) ?? rpn.ScoreThresh,
            NmsThresh = parse.GetValue(rpnNms) ?? rpn.NmsThresh,
            PreNmsTopNTest = parse.GetValue(rpnPre) ?? rpn.PreNmsTopNTest,
            PostNmsTopNTest = parse.GetValue(rpnPost) ?? rpn.PostNmsTopNTest,
        };
        return c with { RoiHeads = heads, Rpn = rpn };
    }
}
