using System.Diagnostics;

namespace MaskRcnn.Modeling;

/// <summary>
/// Splits a training pass into stages by wall time: each <see cref="Enter"/> closes the stage before it and reports
/// its time; a stage entered several times (the losses: the RPN's, then the box head's, then the mask head's) is
/// reported each time, for the caller to add up. <see cref="MaskRcnnModel.ComputeLosses"/> enters
/// <see cref="TrainingStages"/>; the pass is the same with or without a timer.
/// </summary>
public sealed class StageTimer(Action<string, TimeSpan> completed)
{
    readonly Stopwatch watch = new();
    string? current;

    /// <summary>The stages of <see cref="MaskRcnnModel.ComputeLosses"/>: resize and normalise, backbone with FPN, the RPN's
    /// head and proposals, the RoI heads' sampling, pooling and heads, and every loss with its targets (anchor and
    /// proposal matching, box encoding, mask targets).</summary>
    public static IReadOnlyList<string> TrainingStages { get; } = [Transform, Backbone, Rpn, RoiHeads, Losses];

    /// <summary>The names of <see cref="TrainingStages"/>.</summary>
    public const string Transform = "transform", Backbone = "backbone", Rpn = "rpn", RoiHeads = "roi_heads", Losses = "losses";

    /// <summary>The work from now on belongs to <paramref name="stage"/>.</summary>
    public void Enter(string stage)
    {
        Close();
        current = stage;
        watch.Restart();
    }

    /// <summary>Closes the current stage.</summary>
    public void Stop()
    {
        Close();
        current = null;
    }

    void Close()
    {
        if (current is not null) completed(current, watch.Elapsed);
    }
}
