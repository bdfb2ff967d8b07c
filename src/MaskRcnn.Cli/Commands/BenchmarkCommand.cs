using System.CommandLine;

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
        command.SetAction(_ => Unavailable.Fail("the Mask R-CNN model (Modeling/MaskRcnnModel)"));
        return command;
    }
}
