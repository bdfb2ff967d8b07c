using System.CommandLine;
using MaskRcnn.Modeling;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// The test-time thresholds and counts (<see cref="InferenceSettings"/>) as options, the same on predict, eval,
/// inspect, benchmark and train (which stores them in the run's config for prediction).
/// </summary>
sealed class InferenceSettingsOptions
{
    readonly Option<double?> boxScore = new("--box-score-threshold") { Description = "RoI heads: drop detections scoring below this; unset: the config's (torchvision: 0.05)" };
    readonly Option<double?> boxNms = new("--box-nms-threshold") { Description = "RoI heads: per-class NMS IoU; unset: the config's (torchvision: 0.5)" };
    readonly Option<int?> detections = new("--detections-per-image") { Description = "RoI heads: detections kept per image (crowded scenes need more); unset: the config's (torchvision: 100)" };
    readonly Option<double?> rpnScore = new("--rpn-score-threshold") { Description = "RPN: drop proposals scoring below this; unset: the config's (torchvision: 0)" };
    readonly Option<double?> rpnNms = new("--rpn-nms-threshold") { Description = "RPN: NMS IoU; unset: the config's (torchvision: 0.7)" };
    readonly Option<int?> rpnPre = new("--rpn-pre-nms-top-n") { Description = "RPN: proposals per level before NMS at test time; unset: the config's (torchvision: 1000)" };
    readonly Option<int?> rpnPost = new("--rpn-post-nms-top-n") { Description = "RPN: proposals kept after NMS at test time; unset: the config's (torchvision: 1000)" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { boxScore, boxNms, detections, rpnScore, rpnNms, rpnPre, rpnPost }) command.Options.Add(option);
    }

    public InferenceSettings Read(ParseResult parse) => new()
    {
        BoxScoreThreshold = parse.GetValue(boxScore),
        BoxNmsThreshold = parse.GetValue(boxNms),
        DetectionsPerImage = parse.GetValue(detections),
        RpnScoreThreshold = parse.GetValue(rpnScore),
        RpnNmsThreshold = parse.GetValue(rpnNms),
        RpnPreNmsTopN = parse.GetValue(rpnPre),
        RpnPostNmsTopN = parse.GetValue(rpnPost),
    };

    /// <summary>The settings applied to <paramref name="config"/>; a value out of range is a usage error.</summary>
    public MaskRcnnConfig ApplyTo(MaskRcnnConfig config, ParseResult parse)
    {
        try
        {
            return Read(parse).ApplyTo(config);
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message, ExitCodes.Usage);
        }
    }
}
