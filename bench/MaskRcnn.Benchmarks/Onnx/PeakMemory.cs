namespace MaskRcnn.Benchmarks.Onnx;

/// <summary>The process's peak resident set size, from Linux's /proc/self/status.</summary>
public static class PeakMemory
{
    /// <summary>VmHWM ("high water mark" of RSS) in MiB, or null where /proc is not available.</summary>
    public static double? PeakRssMb()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return null;
        foreach (var line in File.ReadLines(path))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
            // The kernel prints "VmHWM:   123456 kB".
            var kb = line["VmHWM:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
        }
        return null;
    }
}
