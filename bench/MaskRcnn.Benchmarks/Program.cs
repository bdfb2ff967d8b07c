using BenchmarkDotNet.Running;
using MaskRcnn.Benchmarks.Onnx;

namespace MaskRcnn.Benchmarks;

public static class Program
{
    /// <summary>
    /// <c>onnx ...</c> runs the end-to-end ONNX Runtime reference (a plain timing loop: one inference takes
    /// seconds, too long for BenchmarkDotNet's statistics to be worth their cost); <c>coco-eval-dump DIR [N]</c>
    /// writes the COCO-eval benchmark's problem as files for pycocotools and times ours; <c>train-crop DIR</c> times
    /// training on full images against random crops; anything else goes to
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
        if (args.Length > 0 && args[0] == CocoEvalDump.Command)
        {
            if (args.Length < 2)
            {
                Console.Error.WriteLine($"usage: {CocoEvalDump.Command} OUTPUT_DIR [REPEATS]");
                return 2;
            }
            CocoEvalDump.Run(args[1], args.Length > 2 ? int.Parse(args[2]) : 5);
            return 0;
        }
        if (args.Length > 0 && args[0] == CropTrainingBenchmark.Command)
        {
            if (args.Length < 2)
            {
                Console.Error.WriteLine($"usage: {CropTrainingBenchmark.Command} OUTPUT_DIR [ITERATIONS] [SIZE] [CROP] [crop|full]");
                return 2;
            }
            int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i]) : fallback;
            CropTrainingBenchmark.Run(args[1], Arg(2, 12), Arg(3, 1000), Arg(4, 512), args.Length > 5 ? args[5] : null);
            return 0;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
