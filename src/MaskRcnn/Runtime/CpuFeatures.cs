namespace MaskRcnn.Runtime;

/// <summary>What the CPU offers bfloat16, read once from <c>/proc/cpuinfo</c> (Linux; elsewhere unknown).</summary>
public static class CpuFeatures
{
    static readonly Lazy<HashSet<string>?> Flags = new(ReadFlags);

    /// <summary>
    /// True with AVX512-BF16 or AMX-BF16, where oneDNN runs bfloat16 convolutions and GEMMs natively (about twice
    /// float32's speed); false where it emulates them, slower than float32; null when the flags cannot be read.
    /// </summary>
    public static bool? HasNativeBf16 => Flags.Value is { } flags ? flags.Contains("avx512_bf16") || flags.Contains("amx_bf16") : null;

    /// <summary>A note for a bf16 run on a CPU without native bfloat16, else null.</summary>
    public static string? Bf16Note(string what) => HasNativeBf16 == false
        ? $"this CPU has no AVX512-BF16 or AMX (no avx512_bf16/amx_bf16 in /proc/cpuinfo): oneDNN emulates bfloat16, so {what} in bf16 runs slower than in fp32 here"
        : null;

    static HashSet<string>? ReadFlags()
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return null;
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            return line is null ? null : line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
