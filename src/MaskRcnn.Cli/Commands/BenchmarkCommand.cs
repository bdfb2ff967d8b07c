using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MaskRcnn.Data.Images;
using MaskRcnn.Inference;
using MaskRcnn.Modeling;
using MaskRcnn.Runtime;
using MaskRcnn.Structures;
using MaskRcnn.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// <c>maskrcnn benchmark</c>: end-to-end inference latency on one image (decoding excluded; transform through pasted
/// masks included), split into the model's stages, with the process's peak memory.
/// </summary>
static class BenchmarkCommand
{
    public static Command Create(CliContext context)
    {
        var weights = CommonOptions.Weights(required: true);
        var numClasses = CommonOptions.NumClasses();
        var config = CommonOptions.ModelConfig();
        var input = new Option<string>("--input", "-i")
        {
            Description = "Image to run on (JPEG or PNG), or a folder of images: timed run i takes image i modulo their count",
            Required = true,
        };
        var warmup = new Option<int>("--warmup") { Description = "Untimed passes first", DefaultValueFactory = _ => 2 };
        var runs = new Option<int>("--runs", "-n") { Description = "Timed passes", DefaultValueFactory = _ => 5 };
        var precision = CommonOptions.Precision();
        var noFolding = CommonOptions.NoBatchNormFolding();
        var threads = CommonOptions.Threads();
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file" };
        var detectionsOut = new Option<FileInfo?>("--save-detections")
        {
            Description = "Write the last run's detections (boxes, scores, labels, masks) and the input image tensor as safetensors",
        };
        var thresholds = new InferenceSettingsOptions();
        var command = new Command("benchmark", "Time end-to-end inference on one image, stage by stage")
        {
            weights, numClasses, config, input, warmup, runs, precision, noFolding, threads, json, detectionsOut,
        };
        thresholds.AddTo(command);
        command.SetAction(parse =>
        {
            if (parse.GetValue(warmup) < 0) throw new CliException("--warmup cannot be negative", ExitCodes.Usage);
            if (parse.GetValue(runs) < 1) throw new CliException("--runs must be at least 1", ExitCodes.Usage);
            ThreadSettings.Apply(parse.GetValue(threads));
            var device = CommonOptions.DeviceOf(parse);

            var options = new PredictorOptions { Precision = parse.GetValue(precision), FoldBatchNorm = !parse.GetValue(noFolding) };
            using var predictor = Predictor.Load(parse.GetValue(weights)!.FullName, parse.GetValue(config)?.FullName, parse.GetValue(numClasses),
                options, c => thresholds.ApplyTo(c, parse), device);

            var inputs = ImageInput.Resolve(parse.GetValue(input)!);
            var pixels = new List<Tensor>();
            try
            {
                foreach (var file in inputs) pixels.Add(ImageIo.ToTensor(ImageIo.Load(file.Path)).to(device));
                string what = inputs.Count == 1 ? $"{Path.GetFileName(inputs[0].Path)} {pixels[0].shape[2]}x{pixels[0].shape[1]}" : $"{inputs.Count} images";
                context.Err.WriteLine($"benchmark: {what}, {options.Precision.Name()}, " +
                    $"{predictor.Model.FoldedBatchNorms} batch norms folded, {get_num_threads()} threads, " +
                    $"malloc tuning {(MallocTuning.Applied ? "on" : "off")}, {parse.GetValue(warmup)} warm-up + {parse.GetValue(runs)} timed runs");

                var saveTo = parse.GetValue(detectionsOut);
                var report = LatencyBenchmark.Measure(predictor.Model, pixels, parse.GetValue(warmup), parse.GetValue(runs),
                    lastDetections: saveTo is null ? null : d => SaveDetections(d, pixels[(parse.GetValue(runs) - 1) % pixels.Count], saveTo.FullName),
                    progress: (r, ms) => context.Err.WriteLine($"  run {r + 1}: {ms:F1} ms"));

                // The ceiling after the runs, in the same process and threads: what a plain GEMM of a convolution's size does here.
                var ceiling = new GemmRates(GemmCeiling.Gflops(ScalarType.Float32), GemmCeiling.Gflops(ScalarType.BFloat16));
                PrintTable(context.Out, report, ceiling);
                if (parse.GetValue(json) is { } jsonFile)
                    File.WriteAllText(jsonFile.FullName, ToJson(report, options, predictor.Model.FoldedBatchNorms, get_num_threads(), parse.GetValue(warmup), ceiling));
                return ExitCodes.Success;
            }
            finally
            {
                foreach (var t in pixels) t.Dispose();
            }
        });
        return command;
    }
    static void SaveDetections(Detections d, Tensor image, string path)
    {
        using (d)
        using (var masks = d.Masks.ToTensor()) // torchvision's [N,1,H,W], as the comparison scripts read it
            SafeTensors.Save(path, new Dictionary<string, Tensor>
            {
                ["boxes"] = d.Boxes, ["scores"] = d.Scores, ["labels"] = d.Labels, ["masks"] = masks, ["image"] = image,
            });
    }

    /// <summary>GFLOP/s of <see cref="GemmCeiling"/>'s product in float32 and in bfloat16.</summary>
    readonly record struct GemmRates(double Fp32, double Bf16);

    static void PrintTable(TextWriter o, LatencyReport r, GemmRates ceiling)
    {
        double stageSum = r.StageMedianMs.Sum(s => s.Value);
        var convLinear = r.ConvLinearMedianMs.ToDictionary();
        o.WriteLine($"{"stage",-12} {"median ms",10} {"share",7} {"conv+linear ms",15} {"other ms",9}");
        foreach (var (stage, ms) in r.StageMedianMs)
            o.WriteLine($"{stage,-12} {ms,10:F1} {ms / stageSum,7:P1} {convLinear[stage],15:F1} {ms - convLinear[stage],9:F1}");
        double layers = convLinear.Values.Sum();
        o.WriteLine($"{"all stages",-12} {stageSum,10:F1} {1,7:P1} {layers,15:F1} {stageSum - layers,9:F1}  (other: {(stageSum - layers) / stageSum:P1})");
        o.WriteLine($"{"total",-12} {r.MedianMs,10:F1}   (min {r.MinMs:F1}, max {r.MaxMs:F1}, {r.RunsMs.Count} runs)");
        o.WriteLine($"detections   {r.Detections}");
        o.WriteLine($"conv+linear  {r.ConvLinearGflopMedian:F1} GFLOP per run at {r.ConvLinearGflops:F1} GFLOP/s; a plain GEMM of a conv's size " +
                    $"(4096×2304·2304×256) here: fp32 {ceiling.Fp32:F1}, bf16 {ceiling.Bf16:F1} GFLOP/s");
        o.WriteLine($"peak RSS     {(r.PeakRssMb is { } mb ? $"{mb:F0} MiB" : "n/a")}");
        if (r.RunsRssMb.Count > 1)
            o.WriteLine($"RSS per run  first {r.RunsRssMb[0]:F0} MiB, third {r.RunsRssMb[Math.Min(2, r.RunsRssMb.Count - 1)]:F0} MiB, last {r.RunsRssMb[^1]:F0} MiB, max {r.RunsRssMb.Max():F0} MiB");
    }

    static string ToJson(LatencyReport r, PredictorOptions options, int foldedNorms, int threads, int warmup, GemmRates ceiling)
    {
        var stages = new JsonObject();
        foreach (var (stage, ms) in r.StageMedianMs) stages[stage] = Round(ms);
        var convLinear = new JsonObject();
        foreach (var (stage, ms) in r.ConvLinearMedianMs) convLinear[stage] = Round(ms);
        var root = new JsonObject
        {
            ["median_ms"] = Round(r.MedianMs),
            ["min_ms"] = Round(r.MinMs),
            ["max_ms"] = Round(r.MaxMs),
            ["runs"] = r.RunsMs.Count,
            ["peak_rss_mb"] = r.PeakRssMb is { } mb ? Round(mb) : null,
            ["detections"] = r.Detections,
            ["stages"] = stages,
            ["conv_linear_ms"] = convLinear,
            ["conv_linear_gflop"] = Round(r.ConvLinearGflopMedian),
            ["conv_linear_gflops"] = Round(r.ConvLinearGflops),
            ["gemm_ceiling_gflops"] = new JsonObject { ["fp32"] = Round(ceiling.Fp32), ["bf16"] = Round(ceiling.Bf16) },
            ["runs_ms"] = new JsonArray(r.RunsMs.Select(ms => (JsonNode?)Round(ms)).ToArray()),
            ["runs_rss_mb"] = new JsonArray(r.RunsRssMb.Select(mb => (JsonNode?)Round(mb)).ToArray()),
            ["runs_heap_in_use_mb"] = new JsonArray(r.RunsHeapInUseMb.Select(mb => (JsonNode?)Round(mb)).ToArray()),
            ["warmup"] = warmup,
            ["precision"] = options.Precision.Name(),
            ["batch_norms_folded"] = foldedNorms,
            ["threads"] = threads,
            ["malloc_tuning"] = MallocTuning.Applied,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    static double Round(double ms) => Math.Round(ms, 2);
}
