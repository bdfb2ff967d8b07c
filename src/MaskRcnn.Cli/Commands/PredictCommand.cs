using System.CommandLine;
using System.Diagnostics;
using MaskRcnn.Data.Images;
using MaskRcnn.Inference;
using TorchSharp;

namespace MaskRcnn.Cli.Commands;

/// <summary><c>maskrcnn predict --weights W --input PATH</c>: detections as COCO results JSON and overlay PNGs per image.</summary>
static class PredictCommand
{
    public static Command Create(CliContext context)
    {
        var weights = CommonOptions.Weights(required: true);
        var input = new Option<FileSystemInfo>("--input", "-i")
        {
            Description = "An image (PNG or JPEG), a folder of them (taken in name order) or a manifest .txt listing one image path per line",
            Required = true,
        };
        var numClasses = CommonOptions.NumClasses();
        var config = CommonOptions.ModelConfig();
        var output = CommonOptions.Output("predictions");
        output.Description = "Folder for <stem>.json (COCO results) and <stem>.png (overlay) per image";
        var scoreThreshold = new Option<float>("--score-threshold")
        {
            Description = "Keep detections scoring at least this, in the JSON and the overlay",
            DefaultValueFactory = _ => 0.5f,
        };
        var force = CommonOptions.Force();
        var batchSize = new Option<int>("--batch-size")
        {
            Description = "Images predicted together as one padded batch, as torchvision does for a list of images",
            DefaultValueFactory = _ => 1,
        };
        var tile = new Option<int?>("--tile")
        {
            Description = "Predict large images in overlapping S×S tiles and join the detections (objects cut by a tile edge are " +
                "taken whole from a tile that contains them; duplicates across tiles merged by mask IoU > 0.5)",
        };
        var tileOverlap = new Option<int>("--tile-overlap")
        {
            Description = "Pixels shared by neighbouring tiles (with --tile); objects up to this size minus 4 px are always seen whole",
            DefaultValueFactory = _ => 64,
        };
        var shard = new Option<string?>("--shard")
        {
            Description = "Predict only task K's share of N (K/N; auto/N takes K from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX): " +
                          "image i of the sorted inputs goes to task i mod N; images whose results exist are skipped, so a re-run resumes " +
                          "(join the tasks' results with 'maskrcnn merge')",
        };
        var threads = CommonOptions.Threads();
        var precision = CommonOptions.Precision();
        var noFolding = CommonOptions.NoBatchNormFolding();
        var command = new Command("predict",
            "Detect and segment objects in images. Writes <stem>.json, a COCO results array sorted by score " +
            "(image_id is the file stem when every stem is a number, else the image's 1-based position in name order), " +
            "and <stem>.png, the image with masks, boxes and 'class score' captions.")
        {
            weights, input, numClasses, config, output, scoreThreshold, batchSize, tile, tileOverlap, force, shard, threads, precision, noFolding,
        };
        var settings = new InferenceSettingsOptions();
        settings.AddTo(command);
        command.SetAction(parse =>
        {
            if (parse.GetValue(scoreThreshold) is < 0 or > 1 or float.NaN)
                throw new CliException("--score-threshold must be between 0 and 1 (see 'maskrcnn predict --help')", ExitCodes.Usage);
            if (parse.GetValue(batchSize) < 1)
                throw new CliException("--batch-size must be at least 1 (see 'maskrcnn predict --help')", ExitCodes.Usage);
            TilingOptions? tiling = null;
            if (parse.GetValue(tile) is int tileSize)
            {
                tiling = new TilingOptions { TileSize = tileSize, Overlap = parse.GetValue(tileOverlap) };
                try
                {
                    tiling.Validate();
                }
                catch (ArgumentException e)
                {
                    throw new CliException($"--tile {tileSize} --tile-overlap {tiling.Overlap}: {e.Message} (see 'maskrcnn predict --help')", ExitCodes.Usage);
                }
            }
            else if (parse.GetResult(tileOverlap) is { Implicit: false })
            {
                throw new CliException("--tile-overlap needs --tile (see 'maskrcnn predict --help')", ExitCodes.Usage);
            }
            ThreadSettings.Apply(parse.GetValue(threads));
            var device = CommonOptions.DeviceOf(parse);
            var inputs = ImageInput.Resolve(parse.GetValue(input)!.ToString());
            var writer = new PredictionWriter(parse.GetValue(output)!.ToString());
            if (parse.GetValue(shard) is string shardText)
            {
                Data.Shard part;
                try
                {
                    part = PredictionShard.Resolve(shardText);
                }
                catch (FormatException e)
                {
                    throw new CliException(e.Message, ExitCodes.Usage);
                }
                var mine = PredictionShard.Select(inputs, part);
                inputs = parse.GetValue(force) ? mine : mine.Where(i => !writer.IsDone(i)).ToList();
                context.Err.WriteLine($"maskrcnn: shard {part}: {mine.Count} images, {mine.Count - inputs.Count} already done");
                if (inputs.Count == 0) return ExitCodes.Success;
            }
            else
                CommonOptions.RefuseOverwrite(writer.ExistingOutputs(inputs), parse.GetValue(force));
            // Headers only: a missing or undecodable image stops the run before the model loads or anything is written.
            foreach (var image in inputs) ImageIo.ReadSize(image.Path);

            using var predictor = Predictor.Load(parse.GetValue(weights)!.ToString(), parse.GetValue(config)?.ToString(), parse.GetValue(numClasses),
                new PredictorOptions
                {
                    ScoreThreshold = parse.GetValue(scoreThreshold), Precision = parse.GetValue(precision), FoldBatchNorm = !parse.GetValue(noFolding),
                }, adjustConfig: c => settings.ApplyTo(c, parse), device: device);
            int size = parse.GetValue(batchSize);
            Func<RgbImage[], IReadOnlyList<IReadOnlyList<InstancePrediction>>> run = predictor.Predict;
            if (tiling is not null)
            {
                var tiler = new TiledPredictor(predictor, tiling);
                run = images => images.Select(tiler.Predict).ToArray();
            }
            var counts = inputs.Count == 1
                ? PredictBatch(run, predictor.LoadImage, writer, inputs)
                : ProgressReporter.Run(context, "predict", progress => PredictAll(run, predictor.LoadImage, writer, inputs, size, progress));
            for (int i = 0; i < inputs.Count; i++)
                context.Out.WriteLine($"{inputs[i].Path}: {counts[i]} instance(s) -> {writer.JsonPath(inputs[i])}, {writer.OverlayPath(inputs[i])}");
            return ExitCodes.Success;
        });
        return command;
    }

    static int[] PredictAll(Func<RgbImage[], IReadOnlyList<IReadOnlyList<InstancePrediction>>> predict, Func<string, RgbImage> load,
                            PredictionWriter writer, IReadOnlyList<ImageInput> inputs, int batchSize, IProgress<ProgressUpdate> progress)
    {
        var counts = new List<int>(inputs.Count);
        var clock = Stopwatch.StartNew();
        foreach (var batch in inputs.Chunk(batchSize))
        {
            counts.AddRange(PredictBatch(predict, load, writer, batch));
            progress.Report(ToUpdate(new InferenceProgress(counts.Count, inputs.Count, clock.Elapsed), batch[^1].Stem));
        }
        return [.. counts];
    }

    /// <summary>The shell's progress line for a pass over images (also used by <c>eval</c>).</summary>
    internal static ProgressUpdate ToUpdate(InferenceProgress p, string detail) => new(p.Done, p.Total, p.Elapsed, p.Eta, detail);

    /// <summary>One padded batch through the model (torchvision's list-of-images call; tiled: image by image); results are written per image.</summary>
    static int[] PredictBatch(Func<RgbImage[], IReadOnlyList<IReadOnlyList<InstancePrediction>>> predict, Func<string, RgbImage> load,
        PredictionWriter writer, IReadOnlyList<ImageInput> batch)
    {
        var images = batch.Select(input => load(input.Path)).ToArray();
        var predictions = predict(images);
        for (int i = 0; i < batch.Count; i++) writer.Write(batch[i], images[i], predictions[i]);
        return [.. predictions.Select(p => p.Count)];
    }
}
