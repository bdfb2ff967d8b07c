using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MaskRcnn.Data.Images;
using MaskRcnn.Data.Masks;
using MaskRcnn.Visualization;
using TorchSharp;

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
        command.SetAction(parse =>
        {
            ThreadSettings.Apply(parse.GetValue(threads));
            var files = parse.GetValue(images)!;
            foreach (var file in files)
                if (!file.Exists) throw new CliException($"{file.FullName}: image not found");
            using var model = ModelSource.Open(parse.GetValue(weights)!.FullName);
            var names = ModelSource.ClassNames(model.Config);
            string folder = parse.GetValue(output)!.FullName;
            Directory.CreateDirectory(folder);
            string what = parse.GetValue(format)!;
            var renderer = new OverlayRenderer();
            using var noGrad = torch.no_grad();
            ProgressReporter.Run(context, "predict", progress =>
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                for (int i = 0; i < files.Length; i++)
                {
                    using var scope = torch.NewDisposeScope();
                    var image = ImageIo.Load(files[i].FullName);
                    var detections = model.Predict([ImageIo.ToTensor(image)])[0];
                    var instances = InstanceOverlays.FromDetections(detections, names, parse.GetValue(scoreThreshold), parse.GetValue(maskThreshold))
                        .Take(parse.GetValue(maxDetections)).ToList();
                    string stem = Path.Combine(folder, Path.GetFileNameWithoutExtension(files[i].Name));
                    if (what is "png" or "both") ImageIo.SavePng(renderer.Render(image, instances), stem + ".png");
                    if (what is "json" or "both") WriteJson(stem + ".json", files[i].FullName, image, instances);
                    context.Out.WriteLine($"{files[i].Name}: {instances.Count} object(s)");
                    progress.Report(new ProgressUpdate(i + 1, files.Length, clock.Elapsed, clock.Elapsed / (i + 1) * (files.Length - i - 1), "images"));
                }
                return 0;
            });
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// One JSON file per image: the kept detections with boxes as [x1, y1, x2, y2] and masks as COCO compressed RLE
    /// (written unescaped: the RLE alphabet includes characters the default encoder would turn into \u escapes).
    /// </summary>
    static void WriteJson(string path, string imagePath, RgbImage image, IReadOnlyList<InstanceOverlay> instances)
    {
        var detections = new JsonArray();
        foreach (var instance in instances)
        {
            var item = new JsonObject
            {
                ["name"] = instance.Label,
                ["score"] = instance.Score,
                ["box"] = new JsonArray(instance.Box.X1, instance.Box.Y1, instance.Box.X2, instance.Box.Y2),
            };
            if (instance.Mask is byte[] mask)
                item["segmentation"] = new JsonObject
                {
                    ["size"] = new JsonArray(image.Height, image.Width),
                    ["counts"] = MaskApi.ToCompressedString(MaskApi.Encode(mask, image.Height, image.Width)),
                };
            detections.Add(item);
        }
        var json = new JsonObject { ["image"] = imagePath, ["width"] = image.Width, ["height"] = image.Height, ["detections"] = detections };
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }
}
