using System.CommandLine;
using System.Globalization;
using MaskRcnn.Data.Images;
using MaskRcnn.Inference;
using TorchSharp;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// <c>maskrcnn inspect --weights W --input IMG --output DIR</c>: pictures of what the model sees at each stage
/// (anchors at one location, RPN proposals before and after NMS, detections, raw and pasted masks) and
/// <c>inspect.json</c> with the counts.
/// </summary>
static class InspectCommand
{
    // The library's defaults, so the command and InspectionOptions cannot drift apart.
    static readonly InspectionOptions Defaults = new();

    public static Command Create(CliContext context)
    {
        var weights = CommonOptions.Weights(required: true);
        var input = new Option<FileInfo>("--input", "-i") { Description = "The image to inspect (PNG or JPEG)", Required = true };
        var output = CommonOptions.Output("inspect");
        output.Description = $"Folder for {string.Join(", ", new InspectionWriter("").Paths.Select(Path.GetFileName))}";
        var config = CommonOptions.ModelConfig();
        var numClasses = CommonOptions.NumClasses();
        var location = new Option<string?>("--location")
        {
            Description = "X,Y in image pixels where the anchors are shown (default: the image centre)",
        };
        var top = new Option<int>("--top")
        {
            Description = "Proposals drawn (the best by objectness), before and after NMS",
            DefaultValueFactory = _ => Defaults.TopProposals,
        };
        var masks = new Option<int>("--masks")
        {
            Description = "Detections (the best by score) whose raw and pasted masks are drawn",
            DefaultValueFactory = _ => Defaults.MaxMasks,
        };
        var scoreThreshold = new Option<float>("--score-threshold")
        {
            Description = "Keep detections scoring at least this in detections.png and masks.png",
            DefaultValueFactory = _ => 0.5f,
        };
        var force = CommonOptions.Force();
        var threads = CommonOptions.Threads();
        var command = new Command("inspect",
            "Draw what the model sees at each stage of one image: anchors.png (the anchors at one location, per level), " +
            "proposals_pre_nms.png and proposals_post_nms.png (the RPN's best proposals), detections.png, masks.png " +
            "(each detection's raw M×M mask probabilities next to its pasted mask), and inspect.json (the counts).")
        {
            weights, input, output, config, numClasses, location, top, masks, scoreThreshold, force, threads,
        };
        var settings = new InferenceSettingsOptions();
        settings.AddTo(command);
        command.SetAction(parse =>
        {
            if (parse.GetValue(top) < 1) throw new CliException("--top must be at least 1 (see 'maskrcnn inspect --help')", ExitCodes.Usage);
            if (parse.GetValue(masks) < 0) throw new CliException("--masks must not be negative (see 'maskrcnn inspect --help')", ExitCodes.Usage);
            if (parse.GetValue(scoreThreshold) is < 0 or > 1 or float.NaN)
                throw new CliException("--score-threshold must be between 0 and 1 (see 'maskrcnn inspect --help')", ExitCodes.Usage);
            var at = parse.GetValue(location) is { } text ? ParseLocation(text) : ((float X, float Y)?)null;
            ThreadSettings.Apply(parse.GetValue(threads));

            string imagePath = parse.GetValue(input)!.ToString();
            // The header is enough to check the location before the model loads; the pixels are read with the model's intensity mapping.
            var (width, height) = ImageIo.ReadSize(imagePath);
            if (at is var (x, y) && !(x >= 0 && x <= width && y >= 0 && y <= height))
                throw new CliException($"--location {x.ToString(CultureInfo.InvariantCulture)},{y.ToString(CultureInfo.InvariantCulture)} is outside the {width}×{height} image {imagePath}", ExitCodes.Usage);
            var writer = new InspectionWriter(parse.GetValue(output)!.ToString());
            CommonOptions.RefuseOverwrite(writer.ExistingOutputs(), parse.GetValue(force));

            using var predictor = Predictor.Load(parse.GetValue(weights)!.ToString(), parse.GetValue(config)?.ToString(), parse.GetValue(numClasses),
                new PredictorOptions { ScoreThreshold = parse.GetValue(scoreThreshold) }, adjustConfig: c => settings.ApplyTo(c, parse),
                device: CommonOptions.DeviceOf(parse));
            var image = predictor.LoadImage(imagePath);
            var result = ModelInspection.Run(predictor, image,
                new InspectionOptions { Location = at, TopProposals = parse.GetValue(top), MaxMasks = parse.GetValue(masks) });
            var written = writer.Write(image, result);

            var o = context.Out;
            o.WriteLine($"{imagePath}: {result.Anchors.Sum(a => a.Boxes.Length)} anchors per location in {result.Anchors.Count} level(s), " +
                        $"{result.ProposalsBeforeNms} proposals before NMS, {result.ProposalsAfterNms} after, " +
                        $"{result.DetectionCount} detections ({result.Detections.Count} scoring at least {parse.GetValue(scoreThreshold).ToString(CultureInfo.InvariantCulture)})");
            foreach (var file in written) o.WriteLine($"  wrote {file}");
            return ExitCodes.Success;
        });
        return command;
    }

    static (float X, float Y) ParseLocation(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && float.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out float x)
            && float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out float y))
            return (x, y);
        throw new CliException($"--location must be X,Y in pixels (e.g. 120,80), got '{text}'", ExitCodes.Usage);
    }
}
