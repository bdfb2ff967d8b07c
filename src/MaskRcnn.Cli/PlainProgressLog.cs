using System.Diagnostics;

namespace MaskRcnn.Cli;

/// <summary>
/// Progress as plain log lines for non-interactive output (CI logs, files): the first update, then at most
/// one line per interval, and always the last one.
/// </summary>
public sealed class PlainProgressLog(TextWriter writer, string description, TimeSpan interval) : IProgress<ProgressUpdate>
{
    readonly Stopwatch sinceLastLine = new();

    public void Report(ProgressUpdate u)
    {
        bool first = !sinceLastLine.IsRunning, last = u.Done >= u.Total;
        if (!first && !last && sinceLastLine.Elapsed < interval) return;
        sinceLastLine.Restart();
        double percent = u.Total > 0 ? 100.0 * u.Done / u.Total : 0;
        string eta = u.Eta is TimeSpan e ? $" eta {Clock(e)}" : "";
        writer.WriteLine($"[{Clock(u.Elapsed)}] {description} {u.Done}/{u.Total} ({percent:0}%){eta} {u.Detail}".TrimEnd());
    }

    static string Clock(TimeSpan t) => $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}";
}
