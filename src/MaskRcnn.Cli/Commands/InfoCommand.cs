using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using MaskRcnn.Inference;
using MaskRcnn.Modeling;
using MaskRcnn.Runtime;
using MaskRcnn.Training;
using MaskRcnn.Weights;
using TorchSharp;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// <c>maskrcnn info [--weights W [--tensors [--limit N]]]</c>: versions, the libtorch backend and the machine, for bug
/// reports; with <c>--weights</c>, also the model: architecture, parameters per part, classes, and where the weights
/// came from; with <c>--tensors</c>, instead of building the model, what the file holds (tensor names, shapes, dtypes;
/// a checkpoint's iteration, schedule and data position), which works for any safetensors file.
/// </summary>
static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        var weights = CommonOptions.Weights(required: false);
        weights.Description = "Also describe this model: " + weights.Description;
        var config = CommonOptions.ModelConfig();
        var numClasses = CommonOptions.NumClasses();
        var tensors = new Option<bool>("--tensors")
        {
            Description = "List the weights file's tensors (and a checkpoint's state) instead of describing the model",
        };
        var limit = new Option<int>("--limit")
        {
            Description = "How many tensors to list (0: all)",
            DefaultValueFactory = _ => 40,
        };
        var command = new Command("info", "Show versions, the libtorch backend and the machine; given weights, also the model or its tensors")
        {
            weights, config, numClasses, tensors, limit,
        };
        command.SetAction(parse =>
        {
            var o = context.Out;
            o.WriteLine($"maskrcnn      {Program.Version}");
            o.WriteLine($"TorchSharp    {typeof(torch).Assembly.GetName().Version}");
            o.WriteLine($".NET          {RuntimeInformation.FrameworkDescription}");
            o.WriteLine($"OS            {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})");
            o.WriteLine($"CPU cores     {Environment.ProcessorCount}");
            o.WriteLine($"CPU bf16      {CpuFeatures.HasNativeBf16 switch { true => "native (AVX512-BF16 or AMX): --precision bf16 pays", false => "emulated (no avx512_bf16/amx_bf16): --precision bf16 is slower than fp32 here", null => "unknown" }}");
            o.WriteLine($"torch threads {torch.get_num_threads()}");
            o.WriteLine($"CUDA          {(torch.cuda.is_available() ? $"available, {torch.cuda.device_count()} device(s)" : "not available")}");
            o.WriteLine($"malloc tuning {(MallocTuning.Applied ? "applied" : "not applied")}");
            if (parse.GetValue(tensors))
            {
                if (parse.GetValue(weights) is not { } target) throw new CliException("--tensors needs --weights (see 'maskrcnn info --help')", ExitCodes.Usage);
                var source = WeightsSource.Open(target.ToString());
                o.WriteLine();
                if (source.Checkpoint is { } checkpoint) DescribeCheckpoint(o, checkpoint.Path, Checkpoint.ReadState(checkpoint));
                DescribeTensors(o, source.Path, parse.GetValue(limit));
            }
            else if (parse.GetValue(weights) is { } file)
            {
                // Described as stored: folding the norms would add conv biases to the parameter counts.
                using var predictor = Predictor.Load(file.ToString(), parse.GetValue(config)?.ToString(), parse.GetValue(numClasses),
                    new PredictorOptions { FoldBatchNorm = false }, device: CommonOptions.DeviceOf(parse));
                o.WriteLine();
                DescribeWeights(o, predictor.Weights!);
                o.WriteLine($"config        {predictor.ConfigOrigin}");
                DescribeModel(o, ModelSummary.Of(predictor.Model));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    static void DescribeWeights(TextWriter o, WeightsSource w)
    {
        o.WriteLine($"weights       {w.Path}");
        string format = w.Format == WeightsFormat.SafeTensors ? "safetensors" : "torch.save zip (.pth)";
        o.WriteLine($"format        {format}, {w.SizeBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes");
        if (w.Checkpoint is { } checkpoint && Checkpoint.ReadState(checkpoint) is var state)
            o.WriteLine($"checkpoint    iteration {state.Iteration} of {state.Schedule.TotalIterations}");
        foreach (var (key, value) in w.Metadata)
        {
            // The stored config is long JSON, shown parsed below as "config"; other entries are shown as they are.
            string shown = key == ModelWeights.ConfigMetadataKey ? $"(model config, {value.Length} characters)" : value;
            o.WriteLine($"metadata      {key} = {shown}");
        }
    }

    static void DescribeCheckpoint(TextWriter o, string folder, CheckpointState state)
    {
        var s = state.Schedule;
        o.WriteLine($"checkpoint    {folder}");
        o.WriteLine($"iteration     {state.Iteration} of {s.TotalIterations}");
        o.WriteLine($"schedule      lr {s.BaseLearningRate:G4}, warm-up {s.WarmupIterations} (factor {s.WarmupFactor:G3}), ×{s.Gamma:G3} at [{string.Join(", ", s.Milestones)}]");
        o.WriteLine($"data          seed {state.Data.Seed}, epoch {state.Data.Epoch}, batch {state.Data.BatchIndex}");
        o.WriteLine($"torch seed    {state.TorchSeed}");
        o.WriteLine($"precision     {state.Precision.Name()} (processes: {state.WorldSize})");
        if (state.ModelConfig is not null) o.WriteLine($"model config  {state.ModelConfig.ToJsonString()}");
    }

    static void DescribeTensors(TextWriter o, string file, int max)
    {
        var tensors = StateDictFile.Read(file);
        try
        {
            long elements = tensors.Values.Sum(t => t.NumberOfElements);
            o.WriteLine($"file          {file}");
            o.WriteLine($"tensors       {tensors.Count}, {elements:N0} values");
            int width = tensors.Keys.DefaultIfEmpty("").Max(k => k.Length);
            foreach (var (name, t) in max > 0 ? tensors.Take(max) : tensors)
                o.WriteLine($"  {name.PadRight(width)}  {t.dtype,-8} [{string.Join(", ", t.shape)}]");
            if (max > 0 && tensors.Count > max) o.WriteLine($"  ... {tensors.Count - max} more (--limit 0 lists all)");
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    static void DescribeModel(TextWriter o, ModelSummary summary)
    {
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"architecture  {summary.Architecture}");
        o.WriteLine($"parameters    {summary.Parameters.ToString("N0", inv)} ({summary.Trainable.ToString("N0", inv)} trainable), buffers {summary.Buffers.ToString("N0", inv)}");
        int width = summary.Parts.Max(p => p.Name.Length);
        foreach (var part in summary.Parts)
            o.WriteLine($"  {part.Name.PadRight(width)}  {part.Parameters.ToString("N0", inv),12}  ({part.Trainable.ToString("N0", inv)} trainable)");
        var classes = summary.Classes.Classes;
        o.WriteLine($"classes       {classes.Count}: {string.Join(", ", classes.Select(c => c.Name == c.CategoryId.ToString(inv) ? c.Name : $"{c.Name} ({c.CategoryId})"))}");
    }
}
