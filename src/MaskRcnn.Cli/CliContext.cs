namespace MaskRcnn.Cli;

/// <summary>Where a command writes: results to <see cref="Out"/>, diagnostics and progress lines to <see cref="Err"/>.</summary>
/// <param name="Interactive">True when a person watches a terminal (live progress bars instead of log lines).</param>
/// <param name="Cancellation">Signalled by Ctrl+C or SIGTERM: long commands stop cleanly (training checkpoints first).</param>
public sealed record CliContext(TextWriter Out, TextWriter Err, bool Interactive, CancellationToken Cancellation = default);
