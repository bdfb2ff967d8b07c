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
        string eta = u.Eta is TimeSpan e ? $" eta {Clock(e)}" : "";
        // An unknown total (a time budget still measuring the speed) shows as such, not as a placeholder count.
        string count = u.Total is long total ? $"{u.Done}/{total} ({(total > 0 ? 100.0 * u.Done / total : 0):0}%)" : $"{u.Done} (length not yet known)";
        writer.WriteLine($"[{Clock(u.Elapsed)}] {description} {count}{eta} {u.Detail}".TrimEnd());
    }

    static string Clock(TimeSpan t) => $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}";
}
