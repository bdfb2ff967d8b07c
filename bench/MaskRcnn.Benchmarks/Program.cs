using BenchmarkDotNet.Running;
using MaskRcnn.Benchmarks.Onnx;

namespace MaskRcnn.Benchmarks;

public static class Program
{
    /// <summary>
    /// <c>onnx ...</c> runs the end-to-end ONNX Runtime reference (a plain timing loop: one inference takes
    /// seconds, too long for BenchmarkDotNet's statistics to be worth their cost); anything else goes to
    /// BenchmarkDotNet's switcher.
    /// </summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "onnx")
        {
            try
            {
                return OnnxEndToEndBenchmark.Run(args[1..]);
            }
            catch (Exception e) when (e is ArgumentException or FileNotFoundException or InvalidDataException)
            {
                Console.Error.WriteLine($"onnx: {e.Message}");
                return 2;
            }
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
