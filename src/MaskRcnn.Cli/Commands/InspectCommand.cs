using System.CommandLine;
using MaskRcnn.Training;
using MaskRcnn.Weights;
using TorchSharp;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// <c>maskrcnn inspect PATH</c>: what a weights file or checkpoint holds (tensor names, shapes, dtypes,
/// parameter count; a checkpoint's iteration, schedule and data position).
/// </summary>
static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        var path = new Argument<string>("path") { Description = "A .safetensors file, a checkpoint folder or a run folder" };
        var limit = new Option<int>("--limit")
        {
            Description = "Tensors to list (0: all)",
            DefaultValueFactory = _ => 40,
        };
        var command = new Command("inspect", "Show what a weights file, checkpoint or run folder holds") { path, limit };
        command.SetAction(parse =>
        {
            string target = parse.GetValue(path)!;
            int max = parse.GetValue(limit);
            if (Directory.Exists(target))
            {
                string checkpoint = Checkpoint.Resolve(target);
                DescribeCheckpoint(context.Out, checkpoint);
                DescribeTensors(context.Out, Path.Combine(checkpoint, Checkpoint.ModelFile), max);
            }
            else if (File.Exists(target))
                DescribeTensors(context.Out, target, max);
            else
                throw new CliException($"{target}: no such file or folder");
            return ExitCodes.Success;
        });
        return command;
    }

    static void DescribeCheckpoint(TextWriter o, string folder)
    {
        var state = Checkpoint.ReadState(folder);
        var s = state.Schedule;
        o.WriteLine($"checkpoint    {folder}");
        o.WriteLine($"iteration     {state.Iteration} of {s.TotalIterations}");
        o.WriteLine($"schedule      lr {s.BaseLearningRate:G4}, warm-up {s.WarmupIterations} (factor {s.WarmupFactor:G3}), ×{s.Gamma:G3} at [{string.Join(", ", s.Milestones)}]");
        o.WriteLine($"data          seed {state.Data.Seed}, epoch {state.Data.Epoch}, batch {state.Data.BatchIndex}");
        o.WriteLine($"torch seed    {state.TorchSeed}");
        if (state.ModelConfig is not null) o.WriteLine($"model config  {state.ModelConfig.ToJsonString()}");
    }

    static void DescribeTensors(TextWriter o, string file, int max)
    {
        var tensors = SafeTensors.Load(file);
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
}
