using System.CommandLine;
using System.Diagnostics;
using MaskRcnn.Data;
using MaskRcnn.Data.Coco;
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
        var annotations = new Option<FileInfo?>("--annotations")
        {
            Description = "Ground truth (COCO instances JSON) whose ids the results take: each input is the images[] entry with the same " +
                "file name (file_name's last component) and must have its size; labels become category ids as 'eval --weights' maps them",
        };
        var resultsFile = new Option<FileInfo?>("--results-file")
        {
            Description = "Also write every image's detections into this one COCO results JSON, ordered by image id " +
                "(for 'maskrcnn eval --gt GT.json --results R.json'; refused if it exists, unless --force)",
        };
        var threads = CommonOptions.Threads();
        var precision = CommonOptions.Precision();
        var noFolding = CommonOptions.NoBatchNormFolding();
        var command = new Command("predict",
            "Detect and segment objects in images. Writes <stem>.json, a COCO results array sorted by score " +
            "(image_id is the file stem when every stem is a number, else the image's 1-based position in name order), " +
            "and <stem>.png, the image with masks, boxes and 'class score' captions. Given the ground truth, image ids are its ids, " +
            "and one results file for 'maskrcnn eval' can join every image's detections (see the options).")
        {
            weights, input, numClasses, config, output, scoreThreshold, batchSize, tile, tileOverlap, annotations, resultsFile, force, shard, threads,
            precision, noFolding,
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
            string? combined = parse.GetValue(resultsFile)?.FullName;
            CocoInstances? truth = null;
            if (parse.GetValue(annotations) is { } gt)
            {
                truth = CocoJson.ReadInstances(gt.ToString());
                // Also reads every header: a missing image, one the ground truth lacks or of another size stops the run here.
                inputs = GroundTruthImages.AssignIds(inputs, truth, gt.ToString(), ImageIo.ReadSize);
            }
            if (parse.GetValue(shard) is string shardText)
            {
                if (combined is not null)
                    throw new CliException("--results-file takes every image; with --shard join the tasks' results with 'maskrcnn merge' (see 'maskrcnn predict --help')",
                        ExitCodes.Usage);
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
                CommonOptions.RefuseOverwrite([.. writer.ExistingOutputs(inputs), .. combined is not null && File.Exists(combined) ? [combined] : Array.Empty<string>()],
                    parse.GetValue(force));
            // Headers only: a missing or undecodable image stops the run before the model loads or anything is written.
            foreach (var image in inputs) ImageIo.ReadSize(image.Path);

            using var predictor = Predictor.Load(parse.GetValue(weights)!.ToString(), parse.GetValue(config)?.ToString(), parse.GetValue(numClasses),
                new PredictorOptions
                {
                    ScoreThreshold = parse.GetValue(scoreThreshold), Precision = parse.GetValue(precision), FoldBatchNorm = !parse.GetValue(noFolding),
                }, adjustConfig: c => settings.ApplyTo(c, parse), device: device);
            var named = predictor;
            if (truth is not null)
            {
                // The same label → category id rule as 'eval --weights', so that predict then eval --results scores the same.
                var (classes, mapping) = DatasetEvaluation.ChooseClasses(predictor.Model.Config, new CocoDataset(truth, "."));
                context.Err.WriteLine($"maskrcnn: image ids from {parse.GetValue(annotations)}; {mapping}");
                named = new Predictor(predictor.Model, predictor.Options with { Classes = classes });
            }
            int size = parse.GetValue(batchSize);
            Func<RgbImage[], IReadOnlyList<IReadOnlyList<InstancePrediction>>> run = named.Predict;
            if (tiling is not null)
            {
                var tiler = new TiledPredictor(named, tiling);
                run = images => images.Select(tiler.Predict).ToArray();
            }
            List<CocoResult>? all = combined is null ? null : [];
            var counts = inputs.Count == 1
                ? PredictBatch(run, predictor.LoadImage, writer, inputs, all)
                : ProgressReporter.Run(context, "predict", progress => PredictAll(run, predictor.LoadImage, writer, inputs, size, all, progress));
            for (int i = 0; i < inputs.Count; i++)
                context.Out.WriteLine($"{inputs[i].Path}: {counts[i]} instance(s) -> {writer.JsonPath(inputs[i])}, {writer.OverlayPath(inputs[i])}");
            if (combined is not null)
            {
                if (Path.GetDirectoryName(combined) is { } folder) Directory.CreateDirectory(folder);
                // Ordered by image id as 'maskrcnn merge' orders; each image keeps its score order (OrderBy is stable).
                AtomicFile.Write(combined, temp => CocoJson.WriteResults(temp, all!.OrderBy(r => r.ImageId)));
                context.Out.WriteLine($"{inputs.Count} image(s), {all!.Count} detection(s) -> {combined}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    static int[] PredictAll(Func<RgbImage[], IReadOnlyList<IReadOnlyList<InstancePrediction>>> predict, Func<string, RgbImage> load,
                            PredictionWriter writer, IReadOnlyList<ImageInput> inputs, int batchSize, List<CocoResult>? all, IProgress<ProgressUpdate> progress)
    {
        var counts = new List<int>(inputs.Count);
        var clock = Stopwatch.StartNew();
        foreach (var batch in inputs.Chunk(batchSize))
        {
            counts.AddRange(PredictBatch(predict, load, writer, batch, all));
            progress.Report(ToUpdate(new InferenceProgress(counts.Count, inputs.Count, clock.Elapsed), batch[^1].Stem));
        }
        return [.. counts];
    }

    /// <summary>The shell's progress line for a pass over images (also used by <c>eval</c>).</summary>
    internal static ProgressUpdate ToUpdate(InferenceProgress p, string detail) => new(p.Done, p.Total, p.Elapsed, p.Eta, detail);

    /// <summary>One padded batch through the model (torchvision's list-of-images call; tiled: image by image); results are
    /// written per image and, when <paramref name="all"/> is given, collected there for one results file.</summary>
    static int[] PredictBatch(Func<RgbImage[], IReadOnlyList<IReadOnlyList<InstancePrediction>>> predict, Func<string, RgbImage> load,
        PredictionWriter writer, IReadOnlyList<ImageInput> batch, List<CocoResult>? all)
    {
        var images = batch.Select(input => load(input.Path)).ToArray();
        var predictions = predict(images);
        for (int i = 0; i < batch.Count; i++)
        {
            writer.Write(batch[i], images[i], predictions[i]);
            all?.AddRange(predictions[i].Select(p => p.ToCocoResult(batch[i].ImageId)));
        }
        return [.. predictions.Select(p => p.Count)];
    }
}
