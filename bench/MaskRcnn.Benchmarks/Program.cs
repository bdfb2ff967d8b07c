using BenchmarkDotNet.Running;

namespace MaskRcnn.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == CocoEvalDump.Command)
        {
            if (args.Length < 2)
                throw new ArgumentException($"usage: {CocoEvalDump.Command} OUTPUT_DIR [REPEATS]");
            CocoEvalDump.Run(args[1], args.Length > 2 ? int.Parse(args[2]) : 5);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
