using System.Globalization;

namespace MaskRcnn.Runtime;

/// <summary>
/// This process's resident set from Linux's <c>/proc/self/status</c>: what the benchmarks and the training log
/// report, because libtorch's memory is native and invisible to the .NET GC's counters.
/// </summary>
public static class ProcessMemory
{
    /// <summary>VmRSS, the resident set now, in MiB; null without /proc.</summary>
    public static double? ResidentMb() => ReadKb("VmRSS:") / 1024.0;

    /// <summary>VmHWM, the kernel's record of the largest resident set so far, in MiB; null without /proc.</summary>
    public static double? PeakResidentMb() => ReadKb("VmHWM:") / 1024.0;

    static long? ReadKb(string field)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return null;
        foreach (var line in File.ReadLines(status))
        {
            // The kernel writes "VmHWM:\t  123456 kB".
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            var kb = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            return long.Parse(kb, CultureInfo.InvariantCulture);
        }
        return null;
    }
}
