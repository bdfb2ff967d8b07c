using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MaskRcnn.Inference;
using MaskRcnn.Modeling;
using MaskRcnn.Structures;
using TorchSharp;

namespace MaskRcnn.Cli.Commands;

/// <summary><c>maskrcnn benchmark</c>: inference and training-step times of the model on this machine.</summary>
static class BenchmarkCommand
{
    public static Command Create(CliContext context)
    {
        var weights = CommonOptions.Weights(required: false);
        weights.Description = "Weights to load (default: random initialisation; timings do not depend on it)";
        var imageSize = new Option<int>("--image-size") { Description = "Side of the square test image", DefaultValueFactory = _ => 800 };
        var iterations = new Option<int>("--iterations", "-n") { Description = "Timed repetitions", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed repetitions first", DefaultValueFactory = _ => 2 };
        var mode = new Option<string>("--mode") { Description = "What to time", DefaultValueFactory = _ => "both" }
            .AcceptOnlyFromAmong("inference", "train", "both");
        var threads = CommonOptions.Threads();
        var command = new Command("benchmark", "Time inference and training steps on this machine")
        {
            weights, imageSize, iterations, warmup, mode, threads,
        };
        command.SetAction(parse =>
        {
            ThreadSettings.Apply(parse.GetValue(threads));
            int size = parse.GetValue(imageSize), n = parse.GetValue(iterations), warm = parse.GetValue(warmup);
            if (size < 32 || n < 1 || warm < 0) throw new CliException("--image-size must be at least 32, --iterations at least 1, --warmup at least 0", ExitCodes.Usage);
            string what = parse.GetValue(mode)!;
            torch.manual_seed(0);
            using var predictor = parse.GetValue(weights) is FileInfo w ? Predictor.Load(w.FullName) : null;
            using var fresh = predictor is null ? new MaskRcnnModel(MaskRcnnConfig.ResNet50Fpn()) : null;
            var model = predictor?.Model ?? fresh!;
            using var image = torch.rand(3, size, size);
            context.Out.WriteLine($"image {size}×{size}, {torch.get_num_threads()} torch thread(s), {warm} warm-up + {n} timed run(s)");
            if (what is "inference" or "both")
            {
                model.eval();
                using var noGrad = torch.no_grad();
                var stages = new Dictionary<string, List<double>>();
                model.StageTimed = (stage, time) =>
                {
                    if (!stages.TryGetValue(stage, out var list)) stages[stage] = list = [];
                    list.Add(time.TotalMilliseconds);
                };
                Report(context.Out, "inference", Time(warm, n, () =>
                {
                    foreach (var d in model.Predict([image])) d.Dispose();
                }));
                model.StageTimed = null;
                foreach (var (stage, times) in stages) Report(context.Out, "  " + stage, times.Skip(warm).ToList());
            }
            if (what is "train" or "both")
            {
                // One square object in the middle: enough for every loss term to be computed.
                using var target = new TargetSet(
                    torch.tensor(new float[] { size / 4f, size / 4f, 3 * size / 4f, 3 * size / 4f }, new long[] { 1, 4 }),
                    torch.tensor(new long[] { 1 }),
                    torch.zeros(new long[] { 1, size, size }, torch.ScalarType.Byte));
                using (var inside = target.Masks[0, (size / 4)..(3 * size / 4), (size / 4)..(3 * size / 4)]) inside.fill_(1);
                model.train();
                Report(context.Out, "training step", Time(warm, n, () =>
                {
                    using var scope = torch.NewDisposeScope();
                    var losses = model.ComputeLosses([image], [target]);
                    losses.Values.Aggregate((a, b) => a + b).backward();
                    model.zero_grad();
                }));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    static List<double> Time(int warmup, int runs, Action run)
    {
        for (int i = 0; i < warmup; i++) run();
        var ms = new List<double>(runs);
        for (int i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            run();
            ms.Add(clock.Elapsed.TotalMilliseconds);
        }
        return ms;
    }

    static void Report(TextWriter o, string what, List<double> ms)
    {
        var sorted = ms.Order().ToList();
        var c = CultureInfo.InvariantCulture;
        o.WriteLine($"{what,-14} median {sorted[sorted.Count / 2].ToString("0.0", c)} ms, min {sorted[0].ToString("0.0", c)} ms, mean {ms.Average().ToString("0.0", c)} ms");
    }
}
