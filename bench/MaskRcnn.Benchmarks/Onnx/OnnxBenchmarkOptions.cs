using System.Globalization;

namespace MaskRcnn.Benchmarks.Onnx;

/// <summary>Command line of the <c>onnx</c> benchmark (see bench/README.md, "End-to-end vs ONNX Runtime").</summary>
public sealed record OnnxBenchmarkOptions(
    string Model, string Input, int Warmup, int Runs, int Threads, string? JsonPath, string? ProfilePrefix, string? ReferencePath)
{
    public const string Usage =
        "onnx --model PATH.onnx --input IMAGE [--warmup 2] [--runs 5] [--threads 2] [--json OUT.json] [--profile PREFIX] [--reference reference_outputs.safetensors]";

    public static OnnxBenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        string? model = null, input = null, json = null, profile = null, reference = null;
        int warmup = 2, runs = 5, threads = 2;
        for (int i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. Usage: {Usage}");
            int Count(int min)
            {
                string name = args[i], text = Value();
                if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < min)
                    throw new ArgumentException($"{name} must be an integer >= {min}, got '{text}'");
                return n;
            }
            switch (args[i])
            {
                case "--model": model = Value(); break;
                case "--input": input = Value(); break;
                case "--warmup": warmup = Count(0); break;
                case "--runs": runs = Count(1); break;
                case "--threads": threads = Count(1); break;
                case "--json": json = Value(); break;
                case "--profile": profile = Value(); break;
                case "--reference": reference = Value(); break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'. Usage: {Usage}");
            }
        }
        return new OnnxBenchmarkOptions(
            model ?? throw new ArgumentException($"--model is required. Usage: {Usage}"),
            input ?? throw new ArgumentException($"--input is required. Usage: {Usage}"),
            warmup, runs, threads, json, profile, reference);
    }
}
