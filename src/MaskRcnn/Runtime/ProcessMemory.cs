using System.Globalization;
using System.Runtime.InteropServices;

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

    /// <summary>
    /// Bytes glibc's malloc has handed out and not had back (mallinfo2's uordblks + hblkhd, all arenas), in MiB: the
    /// live native memory, libtorch's tensors included. Next to <see cref="ResidentMb"/> it separates a leak (this
    /// climbs) from heap growth by fragmentation (only RSS climbs). Null where glibc is not the allocator.
    /// </summary>
    public static double? HeapInUseMb()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var info = MallInfo2();
            return (info.uordblks + info.hblkhd) / (1024.0 * 1024.0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    // glibc ≥ 2.33's struct mallinfo2: ten size_t fields.
    [StructLayout(LayoutKind.Sequential)]
    struct MallocInfo
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    static extern MallocInfo MallInfo2();

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
