using MaskRcnn.Distributed;
using MaskRcnn.Training;

namespace MaskRcnn.Cli.Commands;

/// <summary>
/// Runs a library <see cref="TrainingRun"/> for <c>train</c> and <c>demo</c>: notes on stderr, the progress display
/// around the training loop only (setup and the summary print outside a live bar), and the CLI's exit codes.
/// </summary>
static class TrainingRunner
{
    public static TrainingOutcome Run(TrainingRequest request, CliContext context, bool overwrite, ICommunicator? communicator = null,
        TorchSharp.torch.Device? device = null)
    {
        TrainingRun run;
        try
        {
            run = TrainingRun.Prepare(request, notice => context.Err.WriteLine($"maskrcnn: {notice}"), overwrite, communicator, device);
        }
        catch (InvalidTrainingRequestException e)
        {
            throw new CliException(e.Message, ExitCodes.Usage);
        }
        using (run)
        {
            var result = ProgressReporter.Run(context, "train",
                display => run.Train(ProgressUpdate.ForTraining(display), context.Cancellation));
            return run.Finish(result, context.Out);
        }
    }

    /// <summary>A stopped (cancelled) run fails, so that scripts do not take its weights for finished ones.</summary>
    public static int ExitCode(TrainingOutcome outcome) => outcome.Result.Cancelled ? ExitCodes.Failure : ExitCodes.Success;
}
