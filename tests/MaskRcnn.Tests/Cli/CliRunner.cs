using MaskRcnn.Cli;

namespace MaskRcnn.Tests.Cli;

/// <summary>Runs the CLI in-process and captures what it writes.</summary>
static class CliRunner
{
    public static (int ExitCode, string Out, string Err) Run(params string[] args)
    {
        var @out = new StringWriter();
        var err = new StringWriter();
        int code = Program.Run(args, @out, err);
        return (code, @out.ToString(), err.ToString());
    }

    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
