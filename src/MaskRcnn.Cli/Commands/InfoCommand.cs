using System.CommandLine;
using System.Runtime.InteropServices;
using MaskRcnn.Runtime;
using TorchSharp;

namespace MaskRcnn.Cli.Commands;

/// <summary><c>maskrcnn info</c>: versions, the libtorch backend and the machine, for bug reports.</summary>
static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("info", "Show versions, the libtorch backend and the machine");
        command.SetAction(_ =>
        {
            var o = context.Out;
            o.WriteLine($"maskrcnn      {Program.Version}");
            o.WriteLine($"TorchSharp    {typeof(torch).Assembly.GetName().Version}");
            o.WriteLine($".NET          {RuntimeInformation.FrameworkDescription}");
            o.WriteLine($"OS            {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})");
            o.WriteLine($"CPU cores     {Environment.ProcessorCount}");
            o.WriteLine($"torch threads {torch.get_num_threads()}");
            o.WriteLine($"CUDA          {(torch.cuda.is_available() ? $"available, {torch.cuda.device_count()} device(s)" : "not available")}");
            o.WriteLine($"malloc tuning {(MallocTuning.Applied ? "applied" : "not applied")}");
            return ExitCodes.Success;
        });
        return command;
    }
}
