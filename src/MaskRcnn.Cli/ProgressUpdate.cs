using System.Globalization;
using MaskRcnn.Training;

namespace MaskRcnn.Cli;

/// <summary>Progress of any long command: units done of a total (null while unknown), timing, and a short detail (e.g. the losses).</summary>
public sealed record ProgressUpdate(long Done, long? Total, TimeSpan Elapsed, TimeSpan? Eta, string Detail)
{
    public static ProgressUpdate FromTraining(TrainingProgress p)
    {
        var c = CultureInfo.InvariantCulture;
        var terms = string.Join(" ", p.Losses.Select(kv => $"{Short(kv.Key)} {kv.Value.ToString("0.000", c)}"));
        return new(p.Iteration, p.TotalIterations, p.Elapsed, p.Eta,
            $"loss {p.TotalLoss.ToString("0.000", c)} ({terms}) lr {p.LearningRate.ToString("0.#####", c)}");
    }

    /// <summary>Forwards a trainer's progress to a progress display.</summary>
    public static IProgress<TrainingProgress> ForTraining(IProgress<ProgressUpdate> display) => new TrainingAdapter(display);

    sealed class TrainingAdapter(IProgress<ProgressUpdate> display) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => display.Report(FromTraining(value));
    }

    // "loss_rpn_box_reg" -> "rpn_box_reg": the prefix repeats on every term.
    static string Short(string term) => term.StartsWith("loss_", StringComparison.Ordinal) ? term[5..] : term;
}
