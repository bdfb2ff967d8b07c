using System.Diagnostics;
using static TorchSharp.torch;

namespace MaskRcnn.Runtime;

/// <summary>
/// The machine's practical ceiling for convolution and linear work: the GFLOP/s of one plain matrix product of a
/// convolution's size, timed in the calling process with its thread settings, so that a model's achieved rate can be
/// read as a fraction of what this CPU, today, does at best.
/// </summary>
/// <remarks>
/// The default shape is a 3×3 convolution of ResNet's third stage at a COCO-sized input as im2col sees it:
/// [M×K]·[K×N] with M = 4096 output pixels, K = 2304 (256 channels × 3 × 3) and N = 256 output channels —
/// 4.8 GFLOP, big enough for the GEMM's blocking to reach its peak and small enough to time in a second.
/// </remarks>
public static class GemmCeiling
{
    /// <summary>Median GFLOP/s of <paramref name="runs"/> products (after one untimed) in <paramref name="dtype"/>; a first
    /// product slower than a second (bfloat16 emulated on a CPU without AVX512-BF16: 0.7 GFLOP/s measured here, 40×
    /// below float32) is the measurement itself.</summary>
    public static double Gflops(ScalarType dtype, int m = 4096, int k = 2304, int n = 256, int runs = 3)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(m, k).to_type(dtype);
        var b = randn(k, n).to_type(dtype);
        var first = Stopwatch.StartNew();
        mm(a, b).Dispose();
        if (first.Elapsed.TotalSeconds > 1) return 2.0 * m * k * n / first.Elapsed.TotalSeconds / 1e9;
        var seconds = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            mm(a, b).Dispose();
            seconds[i] = sw.Elapsed.TotalSeconds;
        }
        Array.Sort(seconds);
        return 2.0 * m * k * n / seconds[runs / 2] / 1e9;
    }
}
