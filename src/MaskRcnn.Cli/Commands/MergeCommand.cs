using System.CommandLine;
using MaskRcnn.Inference;

namespace MaskRcnn.Cli.Commands;

/// <summary><c>maskrcnn merge</c>: joins the per-image results of (sharded) <c>predict</c> tasks into one COCO results file.</summary>
static class MergeCommand
{
    public static Command Create(CliContext context)
    {
        var predictions = new Option<DirectoryInfo>("--predictions", "-p") { Description = "The folder the predict tasks wrote into (their --output)", Required = true };
        var input = new Option<FileSystemInfo?>("--input", "-i")
        {
            Description = "The tasks' --input (folder or manifest): every image must have results, exactly once (default: every results file in the folder)",
        };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The merged COCO results JSON", Required = true };
        var force = CommonOptions.Force();
        var command = new Command("merge", "Join the per-image COCO results of predict tasks (e.g. --shard K/N) into one results file, ordered by image id")
        {
            predictions, input, output, force,
        };
        command.SetAction(parse =>
        {
            string target = parse.GetValue(output)!.FullName;
            CommonOptions.RefuseOverwrite(File.Exists(target) ? [target] : [], parse.GetValue(force));
            var expected = parse.GetValue(input) is { } i ? ImageInput.Resolve(i.ToString()) : null;
            var summary = ResultsMerge.Merge(parse.GetValue(predictions)!.FullName, expected, target);
            context.Out.WriteLine($"{summary.Images} images, {summary.Detections} detections -> {summary.OutputPath}");
            return ExitCodes.Success;
        });
        return command;
    }
}
