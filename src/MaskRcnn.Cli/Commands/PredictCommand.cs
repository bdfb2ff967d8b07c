using System.CommandLine;

namespace MaskRcnn.Cli.Commands;

/// <summary><c>maskrcnn predict IMAGES...</c>: detections as COCO-style JSON and overlay PNGs.</summary>
static class PredictCommand
{
    public static Command Create(CliContext context)
    {
        var images = new Argument<FileInfo[]>("images") { Description = "Image files (JPEG or PNG)", Arity = ArgumentArity.OneOrMore };
        var weights = CommonOptions.Weights(required: true);
        var output = CommonOptions.Output("predictions");
        var scoreThreshold = new Option<float>("--score-threshold") { Description = "Keep detections scoring at least this", DefaultValueFactory = _ => 0.5f };
        var maskThreshold = new Option<float>("--mask-threshold") { Description = "Mask probability that counts as inside", DefaultValueFactory = _ => 0.5f };
        var maxDetections = new Option<int>("--max-detections") { Description = "Detections per image at most", DefaultValueFactory = _ => 100 };
        var format = new Option<string>("--format") { Description = "What to write per image", DefaultValueFactory = _ => "both" }
            .AcceptOnlyFromAmong("json", "png", "both");
        var threads = CommonOptions.Threads();
        var command = new Command("predict", "Detect and segment objects in images; write JSON and overlay PNGs")
        {
            images, weights, output, scoreThreshold, maskThreshold, maxDetections, format, threads,
        };
        command.SetAction(_ => Unavailable.Fail("the Mask R-CNN model (Modeling/MaskRcnnModel) and image decoding (Data/ImageIo)"));
        return command;
    }
}
