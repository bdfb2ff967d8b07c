using Spectre.Console;

namespace MaskRcnn.Cli;

/// <summary>
/// Runs long work with progress shown the right way for where output goes: a live Spectre.Console bar with
/// ETA in a terminal, plain periodic lines on stderr otherwise.
/// </summary>
public static class ProgressReporter
{
    public static TimeSpan LogInterval { get; } = TimeSpan.FromSeconds(10);

    public static T Run<T>(CliContext context, string description, Func<IProgress<ProgressUpdate>, T> work)
    {
        if (!context.Interactive) return work(new PlainProgressLog(context.Err, description, LogInterval));
        return AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => work(new SpectreProgress(ctx.AddTask(Markup.Escape(description)), description)));
    }

    sealed class SpectreProgress(ProgressTask task, string description) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate u)
        {
            task.MaxValue = Math.Max(1, u.Total ?? u.Done + 1);
            task.Value = u.Done;
            task.Description = Markup.Escape($"{description} {u.Done}/{(u.Total is long t ? t.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?")} {u.Detail}");
        }
    }
}
