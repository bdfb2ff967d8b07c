namespace MaskRcnn.Cli;

/// <summary>A failure to report as one line, without a stack trace: exit code 1, or 2 for a usage error.</summary>
public sealed class CliException(string message, int exitCode = ExitCodes.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
