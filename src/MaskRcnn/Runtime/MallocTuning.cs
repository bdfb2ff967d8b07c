using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MaskRcnn.Runtime;

/// <summary>
/// glibc returns large blocks (mmap'ed above M_MMAP_THRESHOLD) to the kernel on free, so every forward
/// pass re-faults every big tensor's pages; in a VM a fresh 4 KiB page costs ~12 µs and libtorch runs
/// 1.7–3.3× slower. Keeping freed memory in the heap removes that tax for some extra peak RSS.
/// Applied once when the library loads, on Linux with glibc; set MASKRCNN_MALLOC_TUNING=0 to opt out.
/// </summary>
public static class MallocTuning
{
    const int M_TRIM_THRESHOLD = -1;
    const int M_MMAP_MAX = -4;

    /// <summary>True when the tuning was applied in this process.</summary>
    public static bool Applied { get; private set; }

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int Mallopt(int param, int value);

#pragma warning disable CA2255 // deliberate: the tuning must precede the first libtorch allocation
    [ModuleInitializer]
    internal static void ApplyOnLoad()
    {
        if (Environment.GetEnvironmentVariable("MASKRCNN_MALLOC_TUNING") == "0") return;
        Apply();
    }
#pragma warning restore CA2255

    /// <summary>Applies the glibc settings; returns false where glibc is not the allocator.</summary>
    public static bool Apply()
    {
        if (Applied) return true;
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            Applied = Mallopt(M_MMAP_MAX, 0) == 1 & Mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Applied = false; // musl or another libc without mallopt
        }
        return Applied;
    }
}
